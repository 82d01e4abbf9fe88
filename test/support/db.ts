// Fresh, migrated databases for tests: a new database on the run's Postgres, or an
// in-memory PGlite. Each test file gets its own, so files can run in parallel.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { recreateDatabase } from './databases.js';
import { openDb, type DbHandle, type DbOptions } from '../../db/client.js';

export type Engine = 'postgres' | 'pglite';
export const ENGINES: Engine[] = ['postgres', 'pglite'];

/** Creates an empty database on the run's Postgres and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  return recreateDatabase(inject('pgAdminUrl'), `t_${randomBytes(6).toString('hex')}`);
}

export async function openTestDb(engine: Engine, options: Omit<DbOptions, 'url' | 'driver'> = {}): Promise<DbHandle> {
  const handle =
    engine === 'postgres'
      ? await openDb({ ...options, url: await createTestDatabase(), driver: 'pg' })
      : await openDb({ ...options, driver: 'pglite' });
  await handle.migrate();
  return handle;
}
