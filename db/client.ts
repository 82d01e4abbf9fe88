// The one database client factory. Everything else receives a `Db` and never learns
// which driver is underneath: embedded PGlite (the local default), node-postgres for a
// DATABASE_URL, or the Neon serverless WebSocket Pool (Lambda; it supports transactions,
// which writes need because roll-ups change in the same transaction).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SQL } from 'drizzle-orm';
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
  /** Sees every SQL statement sent (used to count statements in tests). */
  logger?: Logger | undefined;
  /** node-postgres / Neon pool size. */
  maxConnections?: number | undefined;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Options from the environment: DATABASE_URL, DATABASE_DRIVER (pg | neon | pglite), PGLITE_DIR. */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): DbOptions {
  // An empty variable counts as unset.
  const driver = (env.DATABASE_DRIVER || undefined) as DriverKind | undefined;
  if (driver && !['pglite', 'pg', 'neon'].includes(driver)) {
    throw new Error(`DATABASE_DRIVER must be one of pglite, pg, neon (got "${driver}")`);
  }
  return { url: env.DATABASE_URL || undefined, driver, dataDir: env.PGLITE_DIR || undefined };
}

export async function openDb(options: DbOptions = {}): Promise<DbHandle> {
  const kind: DriverKind = options.driver ?? (options.url ? 'pg' : 'pglite');
  const config = { schema, logger: options.logger ?? false };
  if (kind === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    // "memory://" keeps the database in memory; any other value is a folder.
    if (options.dataDir && !options.dataDir.startsWith('memory://')) mkdirSync(options.dataDir, { recursive: true });
    const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
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
    const client = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 10 });
    client.on('error', idleConnectionClosed);
    const db = drizzle({ client, ...config });
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
  const client = new Pool({ connectionString: options.url, max: options.maxConnections ?? 5 });
  client.on('error', idleConnectionClosed);
  const db = drizzle({ client, ...config });
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
function idleConnectionClosed(error: Error): void {
  console.warn(`idle database connection closed: ${error.message}`);
}

/** Runs raw SQL and returns its rows, whatever the driver. */
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
