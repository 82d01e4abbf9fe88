// The one database client factory. Everything else receives a `Db` and never learns
// which driver is underneath: embedded PGlite (the local default), node-postgres for a
// DATABASE_URL, or the Neon serverless WebSocket Pool (Lambda; it supports transactions,
// which writes need because roll-ups change in the same transaction).
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import type { Logger } from 'drizzle-orm/logger';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DriverKind = 'pglite' | 'pg' | 'neon';

export interface DbHandle {
  db: Db;
  kind: DriverKind;
  /** Applies the checked-in drizzle-kit migrations that have not run yet. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** A postgres:// URL. Absent: embedded PGlite. */
  url?: string | undefined;
  /** Forces a driver; by default a URL means node-postgres and no URL means PGlite. */
  driver?: DriverKind | undefined;
  /** PGlite only: a data directory that keeps the database across restarts; absent or "memory://": in memory. */
  dataDir?: string | undefined;
  /** PGlite only: a gzipped tarball of a data directory to start from when the directory is new (db/demo/snapshot.ts). */
  loadDataDir?: Blob | undefined;
  /** Sees every SQL statement sent (used to count statements in tests). */
  logger?: Logger | undefined;
  /** node-postgres / Neon pool size. */
  maxConnections?: number | undefined;
  /** node-postgres / Neon: a statement running longer is cancelled (SQLSTATE 57014); none by default (the import's COPY runs long). */
  statementTimeoutMs?: number | undefined;
  /** node-postgres / Neon: how long a request waits for a connection before it fails; default 5 s. */
  connectionTimeoutMs?: number | undefined;
  /**
   * Whether the hot statements of writes (db/rollup.ts) are named prepared statements,
   * parsed and planned once per connection. Default: yes with node-postgres; with Neon only
   * when asked (a pooler in transaction mode must keep prepared statements: PgBouncer 1.21
   * or later with max_prepared_statements set).
   */
  preparedStatements?: boolean | undefined;
}

/**
 * Statements sent while a piece of work runs inside `statementsOf.run(counter, …)`: how a
 * request counts its statements whatever driver or code path sends them.
 */
export const statementsOf = new AsyncLocalStorage<{ statements: number }>();

function countingLogger(inner: Logger | undefined): Logger {
  return {
    logQuery(query, params) {
      const counter = statementsOf.getStore();
      if (counter) counter.statements += 1;
      inner?.logQuery(query, params);
    },
  };
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Options from the environment: DATABASE_URL, DATABASE_DRIVER (pg | neon | pglite), PGLITE_DIR, DATABASE_STATEMENT_TIMEOUT_MS, DATABASE_PREPARED_STATEMENTS (on | off). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): DbOptions {
  // An empty variable counts as unset.
  const driver = (env.DATABASE_DRIVER || undefined) as DriverKind | undefined;
  if (driver && !['pglite', 'pg', 'neon'].includes(driver)) {
    throw new Error(`DATABASE_DRIVER must be one of pglite, pg, neon (got "${driver}")`);
  }
  const timeout = env.DATABASE_STATEMENT_TIMEOUT_MS ? Number(env.DATABASE_STATEMENT_TIMEOUT_MS) : undefined;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 0)) {
    throw new Error(`DATABASE_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds (got "${env.DATABASE_STATEMENT_TIMEOUT_MS}")`);
  }
  const prepared = env.DATABASE_PREPARED_STATEMENTS || undefined;
  if (prepared !== undefined && !['on', 'off'].includes(prepared)) {
    throw new Error(`DATABASE_PREPARED_STATEMENTS must be on or off (got "${prepared}")`);
  }
  return {
    url: env.DATABASE_URL || undefined,
    driver,
    dataDir: env.PGLITE_DIR || undefined,
    statementTimeoutMs: timeout,
    preparedStatements: prepared === undefined ? undefined : prepared === 'on',
  };
}

export async function openDb(options: DbOptions = {}): Promise<DbHandle> {
  const kind: DriverKind = options.driver ?? (options.url ? 'pg' : 'pglite');
  const config = { schema, logger: countingLogger(options.logger) };
  // A bounded pool, and no statement or wait for a connection without an end: one slow query cannot hold the server.
  const pool = {
    max: options.maxConnections,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5_000,
  };
  if (kind === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // "memory://" keeps the database in memory; any other value is a folder.
    if (options.dataDir && !options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
    const start = options.loadDataDir ? { loadDataDir: options.loadDataDir } : {};
    const client = options.dataDir ? new PGlite(options.dataDir, start) : new PGlite(start);
    await client.waitReady;
    const db = drizzle({ client, ...config });
    return {
      db: db as unknown as Db,
      kind,
      migrate: () => migrate(db, { migrationsFolder }),
      close: () => client.close(),
    };
  }
  if (!options.url) throw new Error(`the ${kind} driver needs a database URL (DATABASE_URL)`);
  if (kind === 'pg') {
    const { default: pg } = await import('pg');
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    // No JIT: the roll-up statements are planned large and run short, and compiling them costs more than it saves.
    const client = new pg.Pool({ connectionString: options.url, ...pool, max: pool.max ?? 10, options: '-c jit=off' });
    client.on('error', idleConnectionClosed);
    // A connection lost while in use fails its query; its 'error' event must not end the process.
    client.on('connect', (c: { on(event: 'error', listener: () => void): unknown }) => c.on('error', connectionLost));
    releaseWhenBeginFails(client as unknown as PoolLike);
    const db = drizzle({ client, ...config });
    if (options.preparedStatements ?? true) preparing.add(dialectOf(db as unknown as Db));
    return {
      db: db as unknown as Db,
      kind,
      migrate: () => migrate(db, { migrationsFolder }),
      close: () => client.end(),
    };
  }
  const { Pool, neonConfig } = await import('@neondatabase/serverless');
  const { drizzle } = await import('drizzle-orm/neon-serverless');
  const { migrate } = await import('drizzle-orm/neon-serverless/migrator');
  if (typeof WebSocket === 'undefined' && !neonConfig.webSocketConstructor) {
    const { default: ws } = await import('ws');
    neonConfig.webSocketConstructor = ws;
  }
  const client = new Pool({ connectionString: options.url, ...pool, max: pool.max ?? 5 });
  client.on('error', idleConnectionClosed);
  // No JIT (as for pg above), set as each connection opens: it runs before the connection's first query.
  client.on('connect', (c: { on(event: 'error', listener: () => void): unknown; query(text: string): Promise<unknown> }) => {
    c.on('error', connectionLost);
    c.query('SET jit = off').catch(() => undefined);
  });
  releaseWhenBeginFails(client as unknown as PoolLike);
  const db = drizzle({ client, ...config });
  if (options.preparedStatements ?? false) preparing.add(dialectOf(db as unknown as Db));
  return {
    db: db as unknown as Db,
    kind,
    migrate: () => migrate(db, { migrationsFolder }),
    close: () => client.end(),
  };
}

/**
 * A connection closed while idle (Neon suspending its compute, a Lambda container thawed
 * after a freeze, a server restart) leaves the pool, and the next query opens another;
 * unhandled, the pool's 'error' event would end the process.
 */
interface PoolLike {
  connect(): Promise<ClientLike>;
}
interface ClientLike {
  query(...args: unknown[]): unknown;
  release(error?: Error): void;
}
const wrapped = Symbol('releases when BEGIN fails');

/**
 * drizzle's transaction sends BEGIN before the try whose `finally` gives the connection back
 * to the pool: when BEGIN fails (the database went away), the connection was never given
 * back, and after a few faults the pool had none left. The connection is given back (as
 * broken) here when its BEGIN fails.
 */
function releaseWhenBeginFails(pool: PoolLike): void {
  const connect = pool.connect.bind(pool);
  pool.connect = async (...args: unknown[]) => {
    if (args.length > 0) return (connect as (...a: unknown[]) => Promise<ClientLike>)(...args);
    const client = (await connect()) as ClientLike & { [wrapped]?: true };
    if (!client[wrapped]) {
      client[wrapped] = true;
      const query = client.query.bind(client);
      client.query = (...q: unknown[]) => {
        const text = typeof q[0] === 'string' ? q[0] : (q[0] as { text?: unknown } | undefined)?.text;
        const result = query(...q);
        if (typeof text !== 'string' || !/^\s*begin\b/i.test(text) || !(result instanceof Promise)) return result;
        return result.catch((error: Error) => {
          client.release(error);
          throw error;
        });
      };
    }
    return client;
  };
}

function connectionLost(): void {
  // The query on it has failed with the same error, which the request tells as retryable.
}

function idleConnectionClosed(error: Error): void {
  console.warn(`idle database connection closed: ${error.message}`);
}

/** What a Db (or a transaction of it) hides from its type: its SQL dialect, shared by its transactions, and its session. */
interface DbInternals {
  dialect: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
  session: { prepareQuery(query: { sql: string; params: unknown[] }, fields: undefined, name: string | undefined, arrayMode: false): { execute(): Promise<unknown> } };
}
const dialectOf = (db: Db) => (db as unknown as DbInternals).dialect;

/** Databases (by their dialect, which their transactions share) whose `preparedRows` prepare statements. */
const preparing = new WeakSet<object>();
/** Names of prepared statements, by their text. */
const statementNames = new Map<string, string>();

/**
 * `rows`, as a named prepared statement on its connection where the database allows it.
 * Only for a statement whose text the code fixes (every value a parameter): the
 * connection keeps each text it is given.
 */
export async function preparedRows<T>(db: Db, query: SQL): Promise<T[]> {
  const internals = db as unknown as DbInternals;
  if (!preparing.has(internals.dialect)) return rows<T>(db, query);
  const built = internals.dialect.sqlToQuery(query);
  let name = statementNames.get(built.sql);
  if (name === undefined) {
    name = `s_${createHash('sha1').update(built.sql).digest('hex').slice(0, 20)}`;
    statementNames.set(built.sql, name);
  }
  const result = (await internals.session.prepareQuery(built, undefined, name, false).execute()) as { rows: T[] };
  return result.rows;
}

/** Runs raw SQL and returns its rows, whatever the driver. */
/** Ids as one `int[]` parameter. */
export const intArray = (ids: Iterable<number>): SQL => sql`${`{${[...ids].join(',')}}`}::int[]`;

export async function rows<T>(db: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** Counts statements sent through a Db built with this logger. */
export class CountingLogger implements Logger {
  count = 0;
  readonly statements: string[] = [];
  readonly params: unknown[][] = [];
  logQuery(query: string, params: unknown[] = []): void {
    this.params.push(params);
    this.count += 1;
    this.statements.push(query);
  }
  reset(): void {
    this.count = 0;
    this.statements.length = 0;
    this.params.length = 0;
  }
}

/** SQLSTATEs of a database that is away for a moment: shutting down, starting, out of connections, a dropped link, a cancelled statement. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '57014', '40001', '40P01']);
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

interface Cause {
  code?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** An error and the causes that drivers and drizzle wrapped around it, outermost first. */
export function* causes(error: unknown): Generator<Cause> {
  let e = error as Cause | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth += 1, e = e.cause as Cause | undefined) yield e;
}

export interface PgError {
  code: string;
  message: string;
  constraint?: string;
}

/** The Postgres error under whatever the driver or drizzle wrapped around it. */
export function pgError(error: unknown): PgError | null {
  for (const e of causes(error)) if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e as PgError;
  return null;
}

/**
 * Whether an error means the database could not be reached or the statement was cut
 * short: the request may succeed when sent again.
 */
export function isTransient(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_NODE_CODES.has(code)) return true;
    if (typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(e.message)) return true;
  }
  return false;
}
