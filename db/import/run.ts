// The import of a file of records (docs/import-format.md) in two streaming passes:
//
// 1. validation: every record is read and checked; the units are kept (they are few),
//    and what needs the whole file (unit codes named before their unit, the tree,
//    duplicates) is checked at the end. Any problem: nothing is written.
// 2. writing: the units first (parents first, one transaction), then every other
//    record, read again, in batches of consecutive records, each batch with its roll-up
//    steps and one audit row. Per-batch mode commits each batch on its own; all-or-
//    nothing mode writes everything in one transaction (each batch in a savepoint), and
//    into an empty database builds the roll-ups once at the end instead of per batch;
//    there, over node-postgres, the file goes in as a bulk load (./bulk.ts: COPY, the
//    filled tables' foreign keys and secondary indexes made again at the end, roll-ups
//    of members and reports summed in memory).
//
// The database refusing a batch (its constraints and triggers are the last line) stops
// the import: the batch is written again in halves, in a transaction that is rolled back,
// until the records at fault are found, and they are reported like validation problems.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.js';
import { addCurrentTreeOfMembersAndReports, rebuildRollups, SOURCES } from '../rollup.js';
import { addCounts, isDataError, problemOf, RowsRejected, writeBatch, type Counts, type Item } from './batch.js';
import type { ImportRecord } from '../records.js';
import { formatProblem, recordsWithProblems, storedUnits, ValidationPass, type FileUnit, type Problem, type StoredUnit } from './check.js';
import { openSource, recordList, type Source } from './source.js';
import type { BulkLoad } from './bulk.js';
import type { BulkCopy, ReaderValidation } from './bulk-format.js';
import { inTransaction } from '../writes.js';
import { audit, batchProblem, prepare, Refused, type Place } from './tx.js';
import { writeUnits } from './units.js';
import { validateRecord, type ReorganisationRow, type RowType } from './validate.js';
import { merge, reparent, TreeRefusal, type TreeChangeDone } from '../tree.js';

export type CommitMode = 'per-batch' | 'all-or-nothing';

export interface ImportOptions {
  /** Records per batch (per transaction in per-batch mode). */
  batchSize?: number;
  mode?: CommitMode;
  /** Validate only: nothing is written. */
  dryRun?: boolean;
  /** Problems kept for the report; the rest are only counted. */
  maxProblems?: number;
  onProgress?: (progress: ImportProgress) => void;
  /** Who the audit rows of the batches name (default "import": the command line). */
  actor?: string;
  /** All or nothing into an empty database over node-postgres: a bulk load (./bulk.ts); default true. */
  bulk?: boolean;
  /** Bulk load: sums of member roll-up steps kept in memory before they are added to the roll-ups (bounds the memory). */
  bulkSums?: number;
  /** Bulk load: NDJSON files from this size on are read by two threads, each a half (default 16 MiB). */
  bulkTwoReadersFrom?: number;
}

export interface ImportProgress {
  /**
   * validate, confirm (the duplicate check's second read): bytes; write: records; a bulk
   * load's units (the scan for units) and load (reading, checking and writing at once):
   * bytes, and indexes: its constraints and indexes made again; rollups: parts (provinces).
   */
  phase: 'validate' | 'confirm' | 'write' | 'units' | 'load' | 'indexes' | 'rollups';
  done: number;
  total: number;
  /** Records read (validate) or written (write) so far. */
  records: number;
  /** Batches written (committed, in per-batch mode). */
  batches: number;
}

export interface ImportResult {
  /** imported: all written; invalid: refused before writing; stopped: the database refused a batch; validated: a dry run found no problem. */
  status: 'imported' | 'invalid' | 'stopped' | 'validated';
  source: string;
  mode: CommitMode;
  /** Records in the input, and per type. */
  records: number;
  types: Record<RowType, number>;
  problems: Problem[];
  problemCount: number;
  invalidRecords: number;
  /** Batches (units included) written, and the records in them; in all-or-nothing mode, 0 unless everything was. */
  batches: number;
  recordsWritten: number;
  counts: Counts;
  rollups: 'incremental' | 'rebuilt' | 'none';
  /** bulk: members went in with COPY (all-or-nothing into an empty database, over node-postgres). */
  load: 'batches' | 'bulk';
  /** A bulk load: the seconds its COPY statements took (Postgres taking the rows), of `seconds`. */
  copySeconds?: number;
  seconds: number;
}

export const DEFAULT_BATCH_SIZE = 10_000;
const DIAGNOSED_PROBLEMS = 20;

/** Writes the batch again in halves, each in a savepoint of `tx`, to find the records the database refuses. */
async function bisect(tx: Db, items: Item[], unitIds: Map<string, number>, found: Problem[]): Promise<void> {
  if (found.length >= DIAGNOSED_PROBLEMS || items.length === 0) return;
  try {
    await inTransaction(tx, undefined, (sp) => writeBatch(sp, items, { unitIds, rollups: false }));
  } catch (error) {
    if (error instanceof RowsRejected) {
      found.push(...error.problems.slice(0, DIAGNOSED_PROBLEMS - found.length));
    } else if (!isDataError(error)) {
      throw error;
    } else if (items.length === 1) {
      found.push(problemOf(error, items[0]!));
    } else {
      const half = Math.ceil(items.length / 2);
      await bisect(tx, items.slice(0, half), unitIds, found);
      await bisect(tx, items.slice(half), unitIds, found);
    }
  }
}

/** The records of a refused batch at fault, found in a transaction (or savepoint of `db`) that is rolled back. */
async function diagnose(db: Db, batch: Batch, unitIds: Map<string, number>, error: unknown): Promise<Problem[]> {
  const items = batch.items;
  if (error instanceof RowsRejected) return error.problems;
  if (!isDataError(error)) throw error;
  const found: Problem[] = [];
  await inTransaction(db, undefined, async (tx) => {
    await bisect(tx, items, unitIds, found);
    throw new Refused(found);
  }).catch((e) => {
    if (!(e instanceof Refused)) throw e;
  });
  if (found.length > 0) return found;
  return [batchProblem(batch, error)];
}

export async function importPath(db: Db, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  return importSource(db, await openSource(path), options);
}

/**
 * Records held in memory (db/records.ts: the import format as objects), imported all or
 * nothing as a file of them would be: the demo seed and test fixtures. `records` may be a
 * function, called again for each pass over them (a generator of millions of records);
 * throws, naming the first problems, when they do not import.
 */
export async function loadRecords(
  db: Db,
  records: Iterable<ImportRecord> | (() => Iterable<ImportRecord>),
  options: ImportOptions = {},
): Promise<ImportResult> {
  const kept = typeof records === 'function' ? null : [...records];
  const result = await importSource(db, recordList(kept ? () => kept : (records as () => Iterable<ImportRecord>)), { mode: 'all-or-nothing', ...options });
  if (result.status !== 'imported') {
    throw new Error(`the records did not import (${result.status}): ${result.problems.slice(0, 3).map(formatProblem).join('; ')}`);
  }
  return result;
}

/** Imports a source (a file or folder, or NDJSON in memory: db/import/source.ts, ndjsonText); in memory there is no bulk load. */
export async function importSource(db: Db, source: Source, options: ImportOptions = {}): Promise<ImportResult> {
  const started = performance.now();
  const mode = options.mode ?? 'per-batch';
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const progress = reporter(options);

  const stored = await storedUnits(db);
  // Into an empty database, all or nothing, over node-postgres: a bulk load.
  if (mode === 'all-or-nothing' && stored.size === 0 && !options.dryRun && options.bulk !== false && !source.inMemory) {
    const bulk = await bulkImport(db, source, options, started);
    if (bulk) return bulk;
  }
  // A record takes about 50 bytes at least: enough room in the duplicate filter for the largest count.
  const validation = new ValidationPass(stored, Math.ceil(source.totalBytes / 50), { maxProblems: options.maxProblems });
  for await (const chunk of source.read((bytes) => progress('validate', bytes, source.totalBytes, validation.records))) {
    for (const entry of chunk) validation.add(entry);
  }
  await validation.finish(source, (bytes) => progress('confirm', bytes, source.totalBytes));

  const result = newResult(source, mode, {
    records: validation.records,
    types: validation.counts,
    problems: validation.sortedProblems(),
    problemCount: validation.problemCount,
    invalidRecords: validation.invalidRecords,
  });
  const done = () => ({ ...result, seconds: (performance.now() - started) / 1000 });
  if (!validation.valid) return { ...done(), status: 'invalid' };
  if (options.dryRun) return { ...done(), status: 'validated' };

  // An empty database gets its roll-ups built once at the end, when nobody can see the half-written state.
  const rebuild = mode === 'all-or-nothing' && stored.size === 0;
  result.rollups = rebuild ? 'rebuilt' : 'incremental';
  const toWrite = validation.records - validation.counts.unit;
  const writer = new Writer(source, { batchSize, mode, rebuild, actor: options.actor ?? 'import' }, (batches, records) => progress('write', records, toWrite, records, batches));

  try {
    if (mode === 'per-batch') {
      await writer.run(db, validation.units, stored, undefined, validation.reorganisations);
    } else {
      await inTransaction(db, undefined, async (tx) => {
        await prepare(tx);
        await writer.run(tx, validation.units, stored, undefined, validation.reorganisations);
        if (rebuild) await rebuildRollups(tx, (partsDone, parts) => progress('rollups', partsDone, parts, writer.records, writer.batches));
      });
    }
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    Object.assign(result, stopped(error));
    if (mode === 'all-or-nothing') return done();
  }
  result.batches = writer.batches;
  result.recordsWritten = writer.records;
  result.counts = writer.counts;
  return done();
}

/** A result of an import of `source` that has written nothing yet. */
function newResult(source: Source, mode: CommitMode, fields: Partial<ImportResult> & Pick<ImportResult, 'types'>): ImportResult {
  return {
    status: 'imported',
    source: source.label,
    mode,
    records: 0,
    problems: [],
    problemCount: 0,
    invalidRecords: 0,
    batches: 0,
    recordsWritten: 0,
    counts: {},
    rollups: 'none',
    load: 'batches',
    seconds: 0,
    ...fields,
  };
}

const reporter =
  (options: ImportOptions) =>
  (phase: ImportProgress['phase'], done: number, total: number, records = 0, batches = 0): void =>
    options.onProgress?.({ phase, done, total, records, batches });

/** What a result says when the database refused records. */
function stopped(error: Refused): Pick<ImportResult, 'status' | 'problems' | 'problemCount' | 'invalidRecords'> {
  return { status: 'stopped', problems: error.problems, problemCount: error.problems.length, invalidRecords: recordsWithProblems(error.problems) };
}

/** The bulk load could not be used (no COPY connection, a unit the scan missed, evaluations apart): the usual way then. */
class NotBulk extends Error {}
/** The reader found problems: everything is rolled back. */
class Invalid extends Error {
  constructor(readonly validation: ReaderValidation) {
    super('invalid records');
  }
}

/**
 * An all-or-nothing import into an empty database over node-postgres, in one reading
 * (./bulk.ts). Returns null when the usual way must do it.
 */
async function bulkImport(db: Db, source: Source, options: ImportOptions, started: number): Promise<ImportResult | null> {
  if (source.kind === 'csv' && existsSync(join(source.path, 'member_evaluations.csv'))) return null;
  // Loaded only when needed: the GraphQL function never bulk-loads.
  const { BulkLoad, copyConnection, scanUnits } = await import('./bulk.js');
  const progress = reporter(options);
  const maxProblems = options.maxProblems ?? 1_000;
  const { pass: units, middle } = await scanUnits(source, maxProblems, (bytes) => progress('units', bytes, source.totalBytes));
  // Problems of the units alone: the usual way reports them with the rest.
  if (!units.valid) return null;
  let load: BulkLoad | null = null;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const writer = new Writer(
    source,
    {
      batchSize,
      actor: options.actor ?? 'import',
      mode: 'all-or-nothing',
      rebuild: true,
      bulk: {
        source,
        middle,
        units: units.units,
        batchSize,
        sums: options.bulkSums ?? 250_000,
        maxProblems,
        twoReadersFrom: options.bulkTwoReadersFrom,
      },
    },
    (batches, records) => progress('load', load?.bytes ?? 0, source.totalBytes, records, batches),
  );
  const result = newResult(source, 'all-or-nothing', { types: units.counts, rollups: 'rebuilt', load: 'bulk' });
  const done = () => ({ ...result, seconds: (performance.now() - started) / 1000 });
  try {
    await inTransaction(db, undefined, async (tx) => {
      if (!copyConnection(tx)) throw new NotBulk();
      await prepare(tx);
      await writer.run(tx, units.units, new Map(), async (unitIds) => (load = await BulkLoad.start(tx, unitIds)));
      const end = load!.end!;
      if (end.unscannedUnit) throw new NotBulk();
      if (end.validation.problemCount > 0) throw new Invalid(end.validation);
      Object.assign(result, { records: end.validation.records, types: end.validation.types });
      // The readers summed the roll-ups of members and reports; those of the other sources are added once the primary keys are back.
      await load!.addRollups();
      await load!.finish(
        (d, total) => progress('indexes', d, total, writer.records, writer.batches),
        async () => {
          await rebuildRollups(tx, (d, parts) => progress('rollups', d, parts, writer.records, writer.batches), {
            sources: SOURCES.filter((s) => s !== 'members' && s !== 'reports'),
            truncate: false,
            whole: true,
          });
          await addCurrentTreeOfMembersAndReports(tx);
        },
      );
    });
  } catch (error) {
    if (error instanceof NotBulk) return null;
    if (error instanceof Invalid) {
      const v = error.validation;
      return { ...done(), status: 'invalid', records: v.records, types: v.types, problems: v.problems, problemCount: v.problemCount, invalidRecords: v.invalidRecords };
    }
    if (!(error instanceof Refused)) throw error;
    return { ...done(), ...stopped(error) };
  }
  result.batches = writer.batches;
  result.recordsWritten = writer.records;
  result.counts = writer.counts;
  result.copySeconds = load!.copySeconds;
  return done();
}

/** Consecutive records of one file: all as items, or (a bulk load) members, evaluations and reports in COPY form and the rest as items. */
interface Batch {
  first: Place;
  last: Place;
  records: number;
  items: Item[];
  /** A bulk load's members, evaluations and reports in COPY form. */
  copy: BulkCopy | null;
}

interface WriterOptions {
  batchSize: number;
  actor: string;
  mode: CommitMode;
  rebuild: boolean;
  /** What a bulk load's readers need (see ./bulk.ts). */
  bulk?: Parameters<BulkLoad['batches']>[0];
}

/** A reorganisation record, through the checks and writes the mutations use (db/tree.ts). */
function reorganise(tx: Db, r: ReorganisationRow): Promise<TreeChangeDone> {
  const at = new Date(r.at.ms);
  switch (r.change) {
    case 'reparent':
      return reparent(tx, { code: r.unit, parent: r.parent, at });
    case 'merge':
      return merge(tx, { codes: r.units, into: r.into, at }, { merged: 'units', into: 'into', children: 'children' });
    case 'split':
      return merge(tx, { codes: [r.unit], into: r.into, at, children: r.children.map((c) => ({ code: c.unit, parent: c.parent })) }, { merged: 'unit', into: 'into', children: 'children', childCode: 'unit' });
  }
}

/** Pass 2: writes the units, then the reorganisations, then reads the source again and writes the rest batch by batch. */
class Writer {
  batches = 0;
  records = 0;
  readonly counts: Counts = {};
  private unitIds = new Map<string, number>();
  private bulkLoad: BulkLoad | null = null;

  constructor(
    private readonly source: Source,
    private readonly options: WriterOptions,
    private readonly onBatch: (batches: number, records: number) => void,
  ) {}

  private key(file: string | null, first: number, last: number): string {
    const where = file ? `${this.source.label}/${file}` : this.source.label;
    return `${where}:${first}-${last}`;
  }

  /** Runs `work` in its own transaction (per-batch) or a savepoint of `tx` (all-or-nothing). */
  private unit<T>(tx: Db, work: (tx: Db) => Promise<T>): Promise<T> {
    return inTransaction(tx, undefined, async (inner) => {
      if (this.options.mode === 'per-batch') await prepare(inner);
      return work(inner);
    });
  }

  /**
   * Writes the units, then the batches: those read again from the source, or (a bulk
   * load) those its reader gives.
   */
  async run(
    tx: Db,
    fileUnits: Map<string, FileUnit>,
    stored: Map<string, StoredUnit>,
    bulk?: (unitIds: Map<string, number>) => Promise<BulkLoad>,
    reorganisations: readonly (ReorganisationRow & Place)[] = [],
  ): Promise<void> {
    const rollups = !this.options.rebuild;
    if (fileUnits.size > 0) {
      const units = [...fileUnits.values()];
      await this.unit(tx, async (inner) => {
        const written = await writeUnits(inner, units, stored, rollups);
        addCounts(this.counts, { units: written.counts });
        await audit(inner, this.options.actor, this.key(units[0]!.file, written.firstLine, written.lastLine), { records: units.length, tables: { units: written.counts } });
      }).catch((error: unknown) => {
        // The database knows what the file does not (e.g. the reports a unit holds): name the unit's record.
        if (!isDataError(error)) throw error;
        const message = String((((error as { cause?: Error }).cause ?? error) as Error).message);
        const code = /^unit (\S+):/.exec(message)?.[1];
        throw new Refused([problemOf(error, units.find((u) => u.code === code) ?? units[0]!)]);
      });
      this.batches += 1;
      this.records += units.length;
      this.onBatch(this.batches, 0);
    }
    for (const r of reorganisations) {
      await this.unit(tx, async (inner) => {
        const done = await reorganise(inner, r);
        const key = this.key(r.file, r.line, r.line);
        if (done.changed) await audit(inner, this.options.actor, key, { records: 1, reorganisation: r.change, moved: done.moved });
      }).catch((error: unknown) => {
        if (error instanceof TreeRefusal) throw new Refused([{ file: r.file, line: r.line, field: error.field, reason: error.reason }]);
        if (!isDataError(error)) throw error;
        throw new Refused([problemOf(error, r)]);
      });
      this.batches += 1;
      this.records += 1;
      this.onBatch(this.batches, 0);
    }
    const found = await rows<{ id: number; code: string }>(tx, sql`SELECT id, code FROM units`);
    this.unitIds = new Map(found.map((u) => [u.code, Number(u.id)]));
    if (bulk) this.bulkLoad = await bulk(this.unitIds);

    let written = 0;
    let inflight: Promise<void> | null = null;
    const submit = async (batch: Batch) => {
      // One batch is written while the next is read and parsed.
      if (inflight) await inflight;
      inflight = this.write(tx, batch, rollups).then(() => {
        written += batch.records;
        this.onBatch(this.batches, written);
      });
      inflight.catch(() => {});
    };
    const batches = this.bulkLoad ? this.bulkLoad.batches(this.options.bulk!) : this.read();
    for await (const batch of batches) await submit(batch);
    if (inflight) await inflight;
  }

  /** The records but the units, read again, in batches of consecutive records of one file. */
  private async *read(): AsyncGenerator<Batch> {
    let items: Item[] = [];
    const batch = (): Batch => ({ first: items[0]!, last: items[items.length - 1]!, records: items.length, items, copy: null });
    for await (const chunk of this.source.read()) {
      for (const entry of chunk) {
        if (items.length > 0 && (items.length >= this.options.batchSize || items[0]!.file !== entry.file)) {
          yield batch();
          items = [];
        }
        const checked = entry.issue ? null : validateRecord(entry.value);
        if (!checked || !('row' in checked)) throw new Error(`${this.source.label} changed while it was imported (${entry.file ?? 'line'} ${entry.line})`);
        if (checked.row.type === 'unit' || checked.row.type === 'reorganisation') continue;
        items.push({ file: entry.file, line: entry.line, row: checked.row });
      }
    }
    if (items.length > 0) yield batch();
  }

  private async write(tx: Db, batch: Batch, rollups: boolean): Promise<void> {
    try {
      await this.unit(tx, async (inner) => {
        let counts: Counts;
        if (this.bulkLoad && batch.copy) {
          counts = await this.bulkLoad.write({ ...batch, copy: batch.copy });
          if (batch.items.length) addCounts(counts, await writeBatch(inner, batch.items, { unitIds: this.unitIds, rollups: false }));
        } else {
          counts = await writeBatch(inner, batch.items, { unitIds: this.unitIds, rollups });
        }
        await audit(inner, this.options.actor, this.key(batch.first.file, batch.first.line, batch.last.line), { records: batch.records, tables: counts });
        addCounts(this.counts, counts);
      });
    } catch (error) {
      // Writing a bulk batch again in halves would need the constraints it has dropped: the batch is named whole.
      if (this.bulkLoad && isDataError(error)) throw new Refused([batchProblem(batch, error)]);
      throw new Refused(await diagnose(tx, batch, this.unitIds, error));
    }
    this.batches += 1;
    this.records += batch.records;
  }
}
