// Starts one throwaway PostgreSQL 15 for the whole run (or uses TEST_DATABASE_URL).
// A missing Postgres fails the run: the suite never skips silently.
import type { TestProject } from 'vitest/node';
import { startPostgres, type PgServer } from './postgres.js';

let server: PgServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startPostgres();
  project.provide('pgAdminUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}
