// National-scale data for the benches: the demo generator's national records, written as
// the import's NDJSON.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { generate } from '../../db/demo/generate.js';
import { writeLines } from '../../db/demo/seed.js';

/** The generator's records up to `limit` members, and the rest of the province reached (models, teams, reports, relics). */
export function writeNationalFile(path: string, limit: number): Promise<number> {
  return writeLines(path, (function* () {
    let count = 0;
    let full = false;
    for (const record of generate('national', 1)) {
      if (record.type === 'member') {
        if (count >= limit) {
          full = true;
          continue;
        }
        count += 1;
      } else if (full && record.type === 'unit') {
        return;
      }
      yield JSON.stringify(record);
    }
  })());
}

/**
 * The national file with a share of its members (every unit, model, team, product, relic,
 * report and target kept): the same tree with fewer members, for the scaling curve.
 * `share` is 1/4, 1/2 or 1 (the file itself).
 */
export function writeScaledFile(source: string, path: string, share: number): Promise<number> {
  const keepOf = Math.round(1 / share);
  return writeLines(path, (async function* () {
    let member = 0;
    for await (const line of createInterface({ input: createReadStream(source), crlfDelay: Infinity })) {
      if (line.startsWith('{"type":"member"') && member++ % keepOf !== 0) continue;
      yield line;
    }
  })());
}
