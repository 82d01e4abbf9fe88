// The bulk load: how a whole national file goes into an empty database in one
// transaction and one reading of the file (after a quick scan for its units), following
// PostgreSQL's own recipe ("Populating a Database" in its manual). The foreign keys and
// secondary indexes of the tables it fills (members, evaluations, reports; the roll-ups'
// keys too) are dropped at the start and made again at the end (one sorted build and one
// join each, instead of a check and an index insertion per row); members, evaluations and
// reports are sent with COPY, and their roll-up steps are summed in memory
// (db/rollup-members.ts), added up here and written with COPY once. Worker threads
// (./bulk-reader.ts) read, check and put the file in COPY form while this thread writes;
// if they find a problem, everything is rolled back and the problems are reported. The
// definitions are read from the catalog before they are dropped, so what is made again is
// exactly what the migrations made; and everything happens in the import's transaction,
// so a failure (or a killed process) leaves the database as it was, constraints included.
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { rows, type Db } from '../client.js';
import { RollupTotals, unitLives, type UnitLife } from '../rollup-members.js';
import type { Counts } from './batch.js';
import { EVALUATION_COLUMNS, MEMBER_COLUMNS, REPORT_COLUMNS, type BulkBatch, type ReaderInput, type ReaderMessage, type ReaderValidation } from './bulk-format.js';
import { confirmDuplicates, recordsWithProblems, sortProblems, ValidationPass, type FileUnit, type Problem } from './check.js';
import { SeenFilter } from './seen.js';
import { cutInTwo, type Part, type Source } from './source.js';
import type { RowType } from './validate.js';

/** The roll-up tables the sums of members and reports go to (with COPY): their primary keys too are made again after. */
const ROLLUP_TABLES = ['kpi_rollup_year', 'kpi_rollup_month', 'kpi_rollup_day'];

/**
 * The tables a bulk load fills in bulk: members, evaluations and reports (COPY), and the roll-ups.
 * Their foreign keys and secondary indexes are made after.
 */
export const BULK_TABLES = ['members', 'member_evaluations', 'activity_reports', ...ROLLUP_TABLES, 'kpi_as_of'];

/** The tables whose rows carry roll-up values (their foreign keys name units). */
const ROLLUP_KEYED = [...ROLLUP_TABLES, 'kpi_as_of'];

/** The tables a bulk load fills, and those that refer to them: TRUNCATE takes them together. */
const EMPTIED = [...BULK_TABLES, 'member_unit_history'];

/**
 * Truncates the tables a bulk load fills when they are empty (they are: a bulk load starts
 * from a database without units). Their files are then made in this transaction, and a
 * server run with `wal_level = minimal` (the manual's advice for populating a database)
 * writes them without WAL; with any other setting nothing changes.
 */
async function emptyAnew(tx: Db): Promise<void> {
  const [found] = await rows<{ any: boolean }>(tx, sql.raw(`SELECT ${EMPTIED.map((t) => `EXISTS (SELECT 1 FROM ${t})`).join(' OR ')} AS any`));
  if (!found!.any) await tx.execute(sql.raw(`TRUNCATE ${EMPTIED.join(', ')}`));
}

/** The node-postgres connection under a transaction, or null (PGlite, Neon): COPY needs it. */
export function copyConnection(tx: Db): PoolClient | null {
  const client = (tx as unknown as { session?: { client?: object } }).session?.client;
  // node-postgres's Client speaks the protocol over `connection`; Neon's has it too, but also `neonConfig`; PGlite's has neither.
  if (!client || !('connection' in client) || 'neonConfig' in client || typeof (client as { query?: unknown }).query !== 'function') return null;
  return client as PoolClient;
}

interface Definition {
  table: string;
  name: string;
  /** SQL that makes it again. */
  create: string;
  drop: string;
}

/**
 * Foreign keys and secondary indexes (unique constraints included) of the tables, and the
 * primary keys of the roll-ups, as the catalog defines them.
 */
async function deferrable(tx: Db): Promise<Definition[]> {
  const regclasses = (tables: string[]) => sql.raw(tables.map((t) => `'${t}'::regclass`).join(', '));
  const list = regclasses(BULK_TABLES);
  const found = await rows<{ table: string; name: string; kind: string; def: string }>(
    tx,
    sql`SELECT c.conrelid::regclass::text AS table, c.conname AS name, 'constraint' AS kind, pg_get_constraintdef(c.oid) AS def
          FROM pg_constraint c WHERE c.conrelid IN (${list}) AND (c.contype IN ('f', 'u') OR (c.contype = 'p' AND c.conrelid IN (${regclasses(ROLLUP_TABLES)})))
        UNION ALL
        SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text, 'index', pg_get_indexdef(i.indexrelid)
          FROM pg_index i WHERE i.indrelid IN (${list}) AND NOT i.indisprimary
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 3 DESC, 1, 2`,
  );
  return found.map((d) =>
    d.kind === 'constraint'
      ? { table: d.table, name: d.name, create: `ALTER TABLE ${d.table} ADD CONSTRAINT ${d.name} ${d.def}`, drop: `ALTER TABLE ${d.table} DROP CONSTRAINT ${d.name}` }
      : { table: d.table, name: d.name, create: d.def, drop: `DROP INDEX ${d.name}` },
  );
}

/**
 * A reader allocates a few short-lived objects per record: with a young generation this
 * large they die there instead of being copied around (1M members, two readers: 28 s with
 * the default, 21 s with this, at ≈ 0.9 GB peak RSS).
 */
const YOUNG_GENERATION_MB = 192;

/** A unit record's line, however its fields are ordered; a false match is parsed and dropped. */
const UNIT_LINE = /"type"\s*:\s*"unit"/;

/**
 * The unit records of the file, checked on their own (the tree, lives, duplicates), found
 * by a quick read that parses only the lines that look like units (the `units.csv` of a
 * folder).
 */
export async function scanUnits(source: Source, maxProblems: number, onBytes?: (bytes: number) => void): Promise<{ pass: ValidationPass; middle: Middle | null }> {
  const pass = new ValidationPass(new Map(), 1_000, { maxProblems });
  let middle: Middle | null = null;
  const seen = (bytes: number, lines: number) => {
    if (!middle && bytes >= source.totalBytes / 2 && bytes < source.totalBytes) middle = { at: bytes, lines };
    onBytes?.(bytes);
  };
  scan: for await (const chunk of source.scan ? source.scan(UNIT_LINE, seen) : source.read(seen)) {
    for (const entry of chunk) {
      if (entry.file !== null && entry.file !== 'units.csv') break scan;
      // A line the pattern matched may still be another record (the words in a name, say).
      if ((entry.value as { type?: unknown } | undefined)?.type === 'unit') pass.add(entry);
    }
  }
  await pass.finish(source);
  if (source.kind !== 'ndjson') return { pass, middle: null };
  // A file of one or two chunks has no chunk boundary near its middle: count the lines before it.
  if (!middle && source.totalBytes > 1) {
    const at = Math.floor(source.totalBytes / 2);
    const head = await readPart(source.path, at);
    middle = { at, lines: head.filter((b) => b === 10).length };
  }
  return { pass, middle };
}

async function readPart(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    await handle.read(buffer, 0, bytes, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}

/** A byte near the middle of an NDJSON file, and the whole lines before it: where two readers can share it. */
export interface Middle {
  at: number;
  lines: number;
}

/** Files smaller than this are read by one reader. */
const TWO_READERS_FROM = 16 * 1024 * 1024;

/** What the reader found when it reached the end of the file. */
export interface ReaderEnd {
  validation: ReaderValidation;
  /** Why the load must be done the usual way instead (see ./bulk-reader.ts), or null. */
  unscannedUnit: string | null;
}

/** The fewest bytes a member record takes (`{"type":"member","id":"1","unit":"U","joinedAt":"2026-01-01"}` has 63). */
const MIN_MEMBER_BYTES = 50;

/** What the readers found, as one validation of the whole file (duplicates across parts confirmed by a second read). */
async function merge(source: Source, ends: Extract<ReaderMessage, { type: 'done' }>[], maxProblems: number): Promise<ReaderEnd> {
  const types = { ...ends[0]!.validation.types };
  let records = 0;
  let problemCount = 0;
  let invalidRecords = 0;
  const problems: Problem[] = [];
  const candidates = new Set<string>();
  for (const end of ends) {
    records += end.validation.records;
    problemCount += end.validation.problemCount;
    invalidRecords += end.validation.invalidRecords;
    problems.push(...end.validation.problems);
    if (end !== ends[0]) for (const [type, n] of Object.entries(end.validation.types)) types[type as RowType] += n;
    for (const key of end.candidates) candidates.add(key);
  }
  const duplicates = candidates.size > 0 ? await confirmDuplicates(source, candidates) : [];
  return {
    validation: {
      records,
      types,
      // The first kept, as one validation keeps them, in file order.
      problems: sortProblems([...problems, ...duplicates].slice(0, maxProblems)),
      problemCount: problemCount + duplicates.length,
      invalidRecords: invalidRecords + recordsWithProblems(duplicates),
    },
    unscannedUnit: ends.find((e) => e.unscannedUnit)?.unscannedUnit ?? null,
  };
}

export class BulkLoad {
  /** The roll-up sums the readers drained, added up. */
  private readonly totals = new RollupTotals();
  private lastId = 0;
  /** Bytes of the file read so far. */
  bytes = 0;
  /** Seconds the COPY statements took so far. */
  copySeconds = 0;
  end: ReaderEnd | null = null;

  private constructor(
    private readonly tx: Db,
    private readonly client: PoolClient,
    private readonly definitions: Definition[],
    private readonly lives: Map<number, UnitLife>,
    private readonly firstId: number,
    private readonly unitIds: Map<string, number>,
  ) {}

  /** Starts a bulk load: drops the deferrable constraints. The units must be written already. */
  static async start(tx: Db, unitIds: Map<string, number>): Promise<BulkLoad> {
    const client = copyConnection(tx);
    if (!client) throw new Error('a bulk load needs a node-postgres connection (COPY)');
    const definitions = await deferrable(tx);
    for (const d of definitions) await tx.execute(sql.raw(d.drop));
    await emptyAnew(tx);
    // Members are numbered from the sequence's next value on; the sequence is moved past them at the end.
    const [reserved] = await rows<{ first: number }>(tx, sql`SELECT nextval(pg_get_serial_sequence('members', 'id'))::float8 AS first`);
    return new BulkLoad(tx, client, definitions, await unitLives(tx), Number(reserved!.first), unitIds);
  }

  /**
   * The records of the file but its units, in batches, read and checked by worker threads:
   * two, each reading half, for a large NDJSON file, else one. Member ids are numbered from
   * the sequence on, the second reader's after the most members the first half can hold.
   */
  async *batches(options: {
    source: Source;
    middle: Middle | null;
    units: Map<string, FileUnit>;
    batchSize: number;
    sums: number;
    maxProblems: number;
    /** Files from this size on are read by two readers. */
    twoReadersFrom?: number;
  }): AsyncGenerator<BulkBatch> {
    const { source, middle } = options;
    const parts: (Part | undefined)[] =
      middle && source.totalBytes >= (options.twoReadersFrom ?? TWO_READERS_FROM) && this.firstId + source.totalBytes / MIN_MEMBER_BYTES < 2 ** 31
        ? await cutInTwo(source.path, middle.at, middle.lines)
        : [undefined];
    const own = new URL(import.meta.url);
    const entry = new URL(`./bulk-reader${own.pathname.endsWith('.ts') ? '.ts' : '.js'}`, own).href;
    const filter = SeenFilter.shared(Math.ceil(source.totalBytes / 50));
    const common = {
      entry,
      path: source.path,
      batchSize: options.batchSize,
      sums: options.sums,
      maxProblems: options.maxProblems,
      units: [...options.units],
      unitIds: [...this.unitIds],
      lives: [...this.lives],
      filter,
    };
    const queue: { reader: number; message: ReaderMessage }[] = [];
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    const readers = parts.map((part, i) => {
      const firstId = i === 0 ? this.firstId : this.firstId + Math.ceil(part!.from / MIN_MEMBER_BYTES) + 1;
      const input: ReaderInput & { entry: string } = { ...common, part, firstId };
      const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: input, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
      const reader = { worker, bytes: 0, done: null as Extract<ReaderMessage, { type: 'done' }> | null, exited: false };
      worker.on('message', (message: ReaderMessage) => {
        queue.push({ reader: i, message });
        notify();
      });
      worker.on('error', (e) => {
        failure = e;
        notify();
      });
      worker.on('exit', (code) => {
        reader.exited = true;
        if (code !== 0 && !failure) failure = new Error(`a reading worker stopped (exit code ${code})`);
        notify();
      });
      return reader;
    });
    try {
      while (readers.some((r) => !r.done)) {
        const next = queue.shift();
        if (!next) {
          if (failure) throw failure;
          if (readers.some((r) => r.exited && !r.done)) throw new Error('a reading worker ended before the end of its part');
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const reader = readers[next.reader]!;
        const { message } = next;
        if (message.type === 'batch') {
          reader.bytes = message.bytes;
          // The first reader reads on past the cut to the end of its last line: count the file once.
          this.bytes = Math.min(source.totalBytes, readers.reduce((sum, r) => sum + r.bytes, 0));
          reader.worker.postMessage('more');
          yield message.batch;
          continue;
        }
        this.totals.add(message.sums);
        if (message.type === 'done') reader.done = message;
      }
    } finally {
      await Promise.all(readers.map((r) => r.worker.terminate()));
    }
    this.lastId = Math.max(...readers.map((r) => r.done!.lastId));
    this.end = await merge(source, readers.map((r) => r.done!), options.maxProblems);
  }

  /** Writes a batch's members, evaluations and reports with COPY; returns the counts. */
  async write(batch: BulkBatch): Promise<Counts> {
    const counts: Counts = {};
    for (const [table, columns, data, count] of [
      ['members', MEMBER_COLUMNS, batch.copy.members, batch.copy.memberCount],
      ['member_evaluations', EVALUATION_COLUMNS, batch.copy.evaluations, batch.copy.evaluationCount],
      ['activity_reports', REPORT_COLUMNS, batch.copy.reports, batch.copy.reportCount],
    ] as const) {
      if (count === 0) continue;
      await this.copy(columns, data);
      counts[table] = { inserted: count, updated: 0, unchanged: 0 };
    }
    return counts;
  }

  private async copy(target: string, data: Uint8Array): Promise<void> {
    const started = performance.now();
    await pipeline(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), this.client.query(copyFrom(`COPY ${target} FROM STDIN (FORMAT binary)`)));
    this.copySeconds += (performance.now() - started) / 1000;
  }

  /** Adds the roll-up sums of the readers to the roll-ups, with COPY. */
  async addRollups(): Promise<void> {
    const [now] = await rows<{ us: string }>(this.tx, sql`SELECT (extract(epoch FROM now()) * 1000000)::int8::text AS us`);
    await this.totals.write((target, data) => this.copy(target, data), this.lives, Number(now!.us));
  }

  /**
   * Moves the members' sequence past the ids used, and makes the dropped constraints and
   * indexes again (which checks them). `beforeRollupForeignKeys` runs once the roll-ups
   * have their primary keys again but not yet their foreign keys: roll-up rows added then
   * are checked against units once, by the foreign keys' join, instead of one by one.
   */
  async finish(onStep?: (done: number, total: number) => void, beforeRollupForeignKeys?: () => Promise<void>): Promise<void> {
    if (this.lastId >= this.firstId) await this.tx.execute(sql`SELECT setval(pg_get_serial_sequence('members', 'id'), ${this.lastId}::bigint)`);
    // Room for the sorts of the index builds.
    await this.tx.execute(sql`SET LOCAL maintenance_work_mem = '1GB'`);
    const rollupForeignKey = (d: Definition) => ROLLUP_KEYED.includes(d.table) && / FOREIGN KEY /.test(d.create);
    const total = this.definitions.length;
    let done = 0;
    const make = async (list: Definition[]) => {
      for (const d of list) {
        await this.tx.execute(sql.raw(d.create));
        onStep?.(++done, total);
      }
    };
    onStep?.(0, total);
    await make(this.definitions.filter((d) => !rollupForeignKey(d)));
    await beforeRollupForeignKeys?.();
    await make(this.definitions.filter(rollupForeignKey));
  }
}
