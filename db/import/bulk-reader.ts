// The reading side of a bulk load, in a worker thread, in one pass over the file: it
// checks every record (the validation pass, whole), puts members (ids from the reserved
// range), their evaluations and activity reports in COPY form, sums their roll-up steps,
// and posts batches to the thread that writes them. Parsing and writing run side by side (on
// two cores, one each) instead of taking turns on one thread. Once a problem is found it
// only checks: the writing thread rolls everything back and reports the problems.
import { parentPort, workerData } from 'node:worker_threads';
import { MemberRollups, type UnitLife } from '../rollup-members.js';
import type { Item } from './batch.js';
import { copyMember, copyReport, CopyRows, sumBuffers, type ReaderInput, type ReaderMessage } from './bulk-format.js';
import { startsBeforeClosing, ValidationPass, type FileUnit } from './check.js';
import { MemberLine } from './member-line.js';
import { lineEntry, ndjsonLines, openSource, type SourceEntry } from './source.js';
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
  let batch = null as Pending | null;
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
      port.postMessage({ type: 'rollups', sums } satisfies ReaderMessage, sumBuffers(sums));
    }
  };
  /** The batch a record at `place` joins (a new one when none is open). */
  const recordIn = (place: Place): Pending => {
    const pending = (batch ??= { first: place, last: place, records: 0, items: [], members: new CopyRows(), evaluations: new CopyRows(), reports: new CopyRows() });
    pending.last = place;
    pending.records += 1;
    return pending;
  };
  /** A record the usual way: parsed, checked, put in COPY form or kept as an item. */
  const take = async (entry: SourceEntry) => {
    if (batch && (batch.records >= input.batchSize || batch.first.file !== entry.file)) await send();
    const row = validation.add(entry);
    if (!validation.valid || unscannedUnit) writing = false;
    if (!row || !writing) return;
    if (row.type === 'reorganisation') {
      // A reorganisation changes the tree the in-memory sums assume: the usual way then.
      unscannedUnit ??= '(reorganisation records)';
      writing = false;
      return;
    }
    if (row.type === 'unit') {
      if (!scanned.has(row.code)) {
        unscannedUnit = row.code;
        writing = false;
      }
      return;
    }
    if (row.type === 'evaluation') {
      // Evaluations sent apart from their member name it by id: the usual way looks it up.
      unscannedUnit ??= '(evaluation records)';
      writing = false;
      return;
    }
    const unitId = 'unit' in row ? unitIds.get(row.unit) : undefined;
    // A unit code nobody sent: the validation reports it at the end.
    if ('unit' in row && unitId === undefined) return;
    const place = { file: entry.file, line: entry.line };
    const pending = recordIn(place);
    if (row.type === 'member') {
      copyMember(pending.members, pending.evaluations, nextId++, unitId!, row);
      rollups.add({
        unitId: unitId!,
        joinedAt: row.joinedAt.ms,
        leftAt: row.leftAt?.ms ?? null,
        digitizedAt: row.digitizedAt?.ms ?? null,
        appActivatedAt: row.appActivatedAt?.ms ?? null,
        evaluations: row.evaluations.map((e) => ({ year: e.year, recordedAt: e.recordedAt.ms })),
      });
      return;
    }
    if (row.type === 'report') {
      copyReport(pending.reports, unitId!, row);
      rollups.addReport(unitId!, row.kind, row.day, row.count);
      return;
    }
    pending.items.push({ ...place, row } satisfies Item);
  };
  if (source.kind !== 'ndjson') {
    for await (const chunk of source.read((b) => (bytes = b), input.part)) for (const entry of chunk) await take(entry);
  } else {
    // Member lines are read from their bytes when they can be (./member-line.ts), the others the usual way.
    const line = new MemberLine();
    const units = new UnitsByBytes(validation.units, unitIds);
    for await (const chunk of ndjsonLines(input.path, input.part, (b) => (bytes = b))) {
      const { buffer, ends } = chunk;
      let start = 0;
      for (let i = 0; i < ends.length; start = ends[i]! + 1, i++) {
        const end = ends[i]!;
        if (line.read(buffer, start, end)) {
          const unit = units.get(buffer, line.unitStart, line.unitEnd);
          if (unit && startsBeforeClosing(unit.life, line.joinedAt.ms)) {
            if (batch && batch.records >= input.batchSize) await send();
            validation.addMemberBytes(buffer, line.idStart, line.idEnd);
            if (!writing) continue;
            const pending = recordIn({ file: null, line: chunk.firstLine + i });
            line.copyTo(pending.members, pending.evaluations, nextId++, unit.id);
            rollups.add(line.forRollups(unit.id));
            continue;
          }
        }
        const entry = lineEntry(chunk.firstLine + i, buffer.toString('utf8', start, end));
        if (entry) await take(entry);
      }
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
  port.postMessage(done, sumBuffers(sums));
}

/** The unit a member line names, by its bytes: members come unit by unit, so the last one is kept. */
class UnitsByBytes {
  private last: Buffer = Buffer.alloc(0);
  private found: { id: number; life: FileUnit } | null = null;

  constructor(
    private readonly units: Map<string, FileUnit>,
    private readonly ids: Map<string, number>,
  ) {}

  /** The unit's id and record, or null when the file does not hold it (the usual way reports that). */
  get(buf: Buffer, start: number, end: number): { id: number; life: FileUnit } | null {
    if (this.found && end - start === this.last.length && buf.compare(this.last, 0, this.last.length, start, end) === 0) return this.found;
    const code = buf.toString('latin1', start, end);
    const unit = this.units.get(code);
    const id = this.ids.get(code);
    if (!unit || id === undefined) return null;
    this.last = Buffer.from(buf.subarray(start, end));
    this.found = { id, life: unit };
    return this.found;
  }
}

await main();
