// The reading side of a bulk load, in a worker thread: it reads the file again, checks
// each record, puts members in COPY form with their reserved ids and sums their roll-up
// steps (and those of activity reports), and posts batches to the thread that writes them. Parsing and writing then run
// side by side (on two cores, one each), instead of taking turns on one thread.
import { parentPort, workerData } from 'node:worker_threads';
import { MemberRollups, type UnitLife } from '../rollup-members.js';
import type { Item } from './batch.js';
import { copyMember, emptyPending, type BulkBatch, type ReaderInput, type ReaderMessage } from './bulk-format.js';
import { openSource } from './source.js';
import { validateRecord } from './validate.js';

/** Batches posted and not yet written: the reader waits beyond this many. */
const AHEAD = 3;

const input = workerData as ReaderInput;
const port = parentPort!;
const post = (message: ReaderMessage) => port.postMessage(message);

let credits = AHEAD;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits += 1;
  wake?.();
  wake = null;
});
const room = () => (credits > 0 ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve)));

const unitIds = new Map(input.unitIds);
const rollups = new MemberRollups(new Map<number, UnitLife>(input.lives));
let nextId = input.firstId;

async function main(): Promise<void> {
  const source = await openSource(input.path);
  let batch: BulkBatch | null = null;
  const send = async () => {
    if (!batch) return;
    await room();
    credits -= 1;
    post({ type: 'batch', batch });
    batch = null;
    if (rollups.size >= input.sums) post({ type: 'rollups', rows: rollups.drain() });
  };
  for await (const chunk of source.read()) {
    for (const entry of chunk) {
      if (batch && (batch.records >= input.batchSize || batch.first.file !== entry.file)) await send();
      const checked = entry.issue ? null : validateRecord(entry.value);
      if (!checked || !('row' in checked)) throw new Error(`${source.label} changed while it was imported (${entry.file ?? 'line'} ${entry.line})`);
      const row = checked.row;
      if (row.type === 'unit') continue;
      const place = { file: entry.file, line: entry.line };
      batch ??= { first: place, last: place, records: 0, items: [], members: emptyPending() };
      batch.last = place;
      batch.records += 1;
      if (row.type !== 'member') {
        batch.items.push({ ...place, row } satisfies Item);
        if (row.type === 'report') {
          const reportUnit = unitIds.get(row.unit);
          if (reportUnit === undefined) throw new Error(`unit ${row.unit} is not in the database`);
          rollups.addReport(reportUnit, row.kind, row.day, row.count);
        }
        continue;
      }
      const unitId = unitIds.get(row.unit);
      if (unitId === undefined) throw new Error(`unit ${row.unit} is not in the database`);
      copyMember(batch.members, nextId++, unitId, row);
      rollups.add({
        unitId,
        joinedAt: row.joinedAt.ms,
        leftAt: row.leftAt?.ms ?? null,
        digitizedAt: row.digitizedAt?.ms ?? null,
        appActivatedAt: row.appActivatedAt?.ms ?? null,
        evaluations: row.evaluations.map((e) => ({ year: e.year, recordedAt: e.recordedAt.ms })),
      });
    }
  }
  await send();
  post({ type: 'done', rows: rollups.drain() });
}

await main();
