// The reading side of a bulk load, in a worker thread, in one pass over the file: it
// checks every record (the validation pass, whole), puts members in COPY form with ids
// from the reserved range, sums the roll-up steps of members and activity reports, and
// posts batches to the thread that writes them. Parsing and writing run side by side (on
// two cores, one each) instead of taking turns on one thread. Once a problem is found it
// only checks: the writing thread rolls everything back and reports the problems.
import { parentPort, workerData } from 'node:worker_threads';
import { MemberRollups, type UnitLife } from '../rollup-members.js';
import type { Item } from './batch.js';
import { copyMember, copyReport, CopyRows, type ReaderInput, type ReaderMessage } from './bulk-format.js';
import { ValidationPass } from './check.js';
import { openSource } from './source.js';
import type { Place } from './tx.js';

/** Batches posted and not yet taken: the reader waits beyond this many. */
const AHEAD = 3;

const input = workerData as ReaderInput;
const port = parentPort!;

let credits = AHEAD;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits += 1;
  wake?.();
  wake = null;
});
const room = () => (credits > 0 ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve)));

const unitIds = new Map(input.unitIds);
const scanned = new Set(input.unitIds.map(([code]) => code));
const rollups = new MemberRollups(new Map<number, UnitLife>(input.lives));
let nextId = input.firstId;

async function main(): Promise<void> {
  const source = await openSource(input.path);
  const validation = new ValidationPass(new Map(), Math.ceil(source.totalBytes / 50), {
    maxProblems: input.maxProblems,
    scannedUnits: new Map(input.units),
    sharedFilter: input.filter,
  });
  let writing = true;
  /**
   * Why the load must start again the usual way: a unit record the scan for units did not
   * find (its type written in an unusual way), or evaluation records.
   */
  let unscannedUnit: string | null = null;
  let bytes = 0;
  type Pending = { first: Place; last: Place; records: number; items: Item[]; members: CopyRows; evaluations: CopyRows; reports: CopyRows };
  let batch: Pending | null = null;
  const send = async () => {
    if (!batch) return;
    await room();
    credits -= 1;
    const members = batch.members.take();
    const evaluations = batch.evaluations.take();
    const reports = batch.reports.take();
    const copy = { members, memberCount: batch.members.rows, evaluations, evaluationCount: batch.evaluations.rows, reports, reportCount: batch.reports.rows };
    const message: ReaderMessage = { type: 'batch', batch: { first: batch.first, last: batch.last, records: batch.records, items: batch.items, copy }, bytes };
    // The COPY buffers move to the writing thread without a copy.
    port.postMessage(message, [members.buffer, evaluations.buffer, reports.buffer] as ArrayBuffer[]);
    batch = null;
    if (rollups.size >= input.sums) {
      const sums = rollups.drain();
      port.postMessage({ type: 'rollups', sums } satisfies ReaderMessage, [sums.copy.buffer] as ArrayBuffer[]);
    }
  };
  for await (const chunk of source.read((b) => (bytes = b), input.part)) {
    for (const entry of chunk) {
      if (batch && (batch.records >= input.batchSize || batch.first.file !== entry.file)) await send();
      const row = validation.add(entry);
      if (!validation.valid || unscannedUnit) writing = false;
      if (!row || !writing) continue;
      if (row.type === 'unit') {
        if (!scanned.has(row.code)) {
          unscannedUnit = row.code;
          writing = false;
        }
        continue;
      }
      if (row.type === 'evaluation') {
        // Evaluations sent apart from their member name it by id: the usual way looks it up.
        unscannedUnit ??= '(evaluation records)';
        writing = false;
        continue;
      }
      const unitId = 'unit' in row ? unitIds.get(row.unit) : undefined;
      // A unit code nobody sent: the validation reports it at the end.
      if ('unit' in row && unitId === undefined) continue;
      const place = { file: entry.file, line: entry.line };
      batch ??= { first: place, last: place, records: 0, items: [], members: new CopyRows(), evaluations: new CopyRows(), reports: new CopyRows() };
      batch.last = place;
      batch.records += 1;
      if (row.type === 'member') {
        copyMember(batch.members, batch.evaluations, nextId++, unitId!, row);
        rollups.add({
          unitId: unitId!,
          joinedAt: row.joinedAt.ms,
          leftAt: row.leftAt?.ms ?? null,
          digitizedAt: row.digitizedAt?.ms ?? null,
          appActivatedAt: row.appActivatedAt?.ms ?? null,
          evaluations: row.evaluations.map((e) => ({ year: e.year, recordedAt: e.recordedAt.ms })),
        });
        continue;
      }
      if (row.type === 'report') {
        copyReport(batch.reports, unitId!, row);
        rollups.addReport(unitId!, row.kind, row.day, row.count);
        continue;
      }
      batch.items.push({ ...place, row } satisfies Item);
    }
  }
  if (writing) await send();
  // Duplicates across the readers' parts are confirmed by the writing thread, once.
  await validation.finish(source, undefined, { confirm: false });
  const sums = rollups.drain();
  const done: ReaderMessage = {
    type: 'done',
    sums,
    lastId: nextId - 1,
    unscannedUnit,
    validation: {
      records: validation.records,
      types: validation.counts,
      problems: validation.sortedProblems(),
      problemCount: validation.problemCount,
      invalidRecords: validation.invalidRecords,
    },
    candidates: [...validation.candidates],
  };
  port.postMessage(done, [sums.copy.buffer] as ArrayBuffer[]);
}

await main();
