// National-scale data for the benches: the demo generator's national records, written as
// the import's NDJSON.
import { createWriteStream } from 'node:fs';
import { generate } from '../../db/demo/generate.js';

/** The generator's records up to `limit` members, and the rest of the province reached (models, teams, reports, relics). */
export async function writeNationalFile(path: string, limit: number): Promise<number> {
  const out = createWriteStream(path);
  let count = 0;
  let lines = 0;
  let full = false;
  for (const record of generate('national', 1)) {
    if (record.type === 'member') {
      if (count >= limit) {
        full = true;
        continue;
      }
      count += 1;
    } else if (full && record.type === 'unit') {
      break;
    }
    lines += 1;
    if (!out.write(`${JSON.stringify(record)}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise((resolve) => out.end(resolve));
  return lines;
}
