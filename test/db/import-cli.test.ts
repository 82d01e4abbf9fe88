// `npm run import` as a real process (db/import-cli.ts) against a fresh database: the
// validation report and its exit code, and an import killed half-way, which must leave
// the database at a batch boundary with exact roll-ups and complete when run again.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, rows, type Db, type DbHandle } from '../../db/client.js';
import { rollupSnapshot } from '../../db/rollup.js';
import { bulkCatalog } from '../support/catalog.js';
import { createTestDatabase } from '../support/db.js';
import { rebuiltSnapshot } from '../support/rollups.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `until` may kill it (SIGKILL) once its output says so. */
function cli(url: string, args: string[], until?: (output: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
    delete env.DATABASE_DRIVER;
    const child = spawn(process.execPath, ['--import', 'tsx', 'db/import-cli.ts', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (until?.(stderr)) child.kill('SIGKILL');
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function count(db: Db, table: string): Promise<number> {
  const [r] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`);
  return r!.n;
}

describe('npm run import', () => {
  let url: string;
  let handle: DbHandle;
  beforeAll(async () => {
    url = await createTestDatabase();
    handle = await openDb({ url, driver: 'pg' });
  });
  afterAll(async () => handle?.close());

  it('prints the validation report, a one-line summary, exits 1 and writes nothing', async () => {
    const run = await cli(url, ['test/fixtures/import/invalid/problems.ndjson']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    for (const expected of [
      'line 4, field "(line)": is not valid JSON',
      'line 5, field "joinedAt": is required',
      'line 6, field "unit": unknown unit code "B99"',
      'line 7, field "leftAt": must be after joinedAt (2026-01-01T00:00:00+07:00)',
      'line 8, field "count": must be ≥ 0 (got -5)',
      'line 9, field "kpi": must be one of',
      'line 10, field "level": must be one of CENTRAL, PROVINCE, COMMUNE, BLOC, BRANCH (got "DISTRICT")',
      'line 11, field "joinedAt": needs an offset',
      'line 12, field "id": member id "ok1" appears twice (first on line 3)',
    ]) {
      expect(lines.some((l) => l.startsWith(expected)), expected).toBe(true);
    }
    expect(lines.at(-1)).toBe('Import refused: 9 invalid records (first: line 4) in 14 records of problems.ndjson; nothing was written');
    // The CLI migrated the new database, and wrote nothing into it.
    expect(await count(handle.db, 'units')).toBe(0);
    expect(await count(handle.db, 'members')).toBe(0);
  });

  it('imports a valid file and says so', async () => {
    const run = await cli(url, ['test/fixtures/import/small-tree.ndjson', '--batch-size', '5']);
    expect(run.stderr).not.toMatch(/refused|failed/i);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^Imported small-tree\.ndjson into pg in .* s: 29 records \(9 members\) in 6 batches, /);
    expect(await count(handle.db, 'members')).toBe(9);
  });

  it('exits 2 on a usage error', async () => {
    const run = await cli(url, ['--batch-size', '0', 'test/fixtures/import/small-tree.ndjson']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--batch-size must be a whole number ≥ 1/);
  });
});

describe('an import killed half-way', () => {
  const MEMBERS = 100_000;
  const BATCH = 2_000;
  let dir: string;
  let file: string;
  let url: string;
  let handle: DbHandle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'import-kill-'));
    file = join(dir, 'members.ndjson');
    // Units first, then lean members spread over 100 branches.
    const out = createWriteStream(file);
    const write = (r: unknown) => out.write(`${JSON.stringify(r)}\n`);
    write({ type: 'unit', code: 'TW', name: 'Trung ương Đoàn', level: 'CENTRAL', validFrom: '2020-01-01' });
    write({ type: 'unit', code: 'P1', name: 'Tỉnh Thử Nghiệm', level: 'PROVINCE', parent: 'TW', validFrom: '2020-01-01' });
    for (let c = 1; c <= 10; c++) {
      write({ type: 'unit', code: `C${c}`, name: `Xã ${c}`, level: 'COMMUNE', parent: 'P1', validFrom: '2020-01-01' });
      for (let b = 1; b <= 10; b++) write({ type: 'unit', code: `B${c}-${b}`, name: `Chi đoàn ${b}`, level: 'BRANCH', parent: `C${c}`, validFrom: '2020-01-01' });
    }
    for (let i = 0; i < MEMBERS; i++) {
      const day = `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
      write({
        type: 'member',
        id: `M${String(i).padStart(7, '0')}`,
        unit: `B${1 + (i % 10)}-${1 + (Math.floor(i / 10) % 10)}`,
        joinedAt: `${day}T08:00:00+07:00`,
        appActivatedAt: i % 3 ? `${day}T20:00:00+07:00` : null,
      });
    }
    await new Promise((resolve) => out.end(resolve));
    url = await createTestDatabase();
    handle = await openDb({ url, driver: 'pg' });
  });
  afterAll(async () => {
    await handle?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('leaves a clean batch boundary with exact roll-ups, and a second run completes it', async () => {
    // The units are the first batch; kill once a few batches of members are committed.
    const killed = await cli(url, [file, '--batch-size', String(BATCH), '--progress-every', '0.1'], (output) => {
      const batches = [...output.matchAll(/(\d+) batches committed/g)].map((m) => Number(m[1]));
      return Math.max(0, ...batches) >= 4;
    });
    expect(killed.signal).toBe('SIGKILL');
    const members = await count(handle.db, 'members');
    expect(members).toBeGreaterThanOrEqual(3 * BATCH);
    expect(members).toBeLessThan(MEMBERS);
    expect(members % BATCH).toBe(0);
    expect(await rollupSnapshot(handle.db)).toEqual(await rebuiltSnapshot(handle.db));
    const batches = await count(handle.db, 'audit_log');
    expect(batches).toBe(1 + members / BATCH);

    const rerun = await cli(url, [file, '--batch-size', String(BATCH)]);
    expect(rerun.code).toBe(0);
    expect(await count(handle.db, 'members')).toBe(MEMBERS);
    expect(await count(handle.db, 'units')).toBe(112);
    expect(await rollupSnapshot(handle.db)).toEqual(await rebuiltSnapshot(handle.db));
    const [app] = await rows<{ n: number }>(handle.db, sql`SELECT count(*)::int AS n FROM members WHERE app_activated_at IS NOT NULL`);
    expect(app!.n).toBe(MEMBERS - Math.ceil(MEMBERS / 3));
  });

  it('in all-or-nothing mode (a bulk load) leaves the database as it was, constraints included, and a second run loads it all', async () => {
    const url2 = await createTestDatabase();
    const empty = await openDb({ url: url2, driver: 'pg' });
    try {
      await empty.migrate();
      const catalog = await bulkCatalog(empty.db);
      const killed = await cli(url2, [file, '--all-or-nothing', '--batch-size', String(BATCH), '--progress-every', '0.1'], (output) => {
        const batches = [...output.matchAll(/loading .*?(\d+) batches committed/g)].map((m) => Number(m[1]));
        return Math.max(0, ...batches) >= 4;
      });
      expect(killed.signal).toBe('SIGKILL');
      for (const t of ['units', 'members', 'member_evaluations', 'audit_log', 'kpi_rollup_month']) expect(await count(empty.db, t)).toBe(0);
      expect(await bulkCatalog(empty.db)).toEqual(catalog);

      const rerun = await cli(url2, [file, '--all-or-nothing', '--batch-size', String(BATCH)]);
      expect(rerun.code).toBe(0);
      expect(rerun.stdout).toMatch(/members by bulk load \(COPY\)/);
      expect(await count(empty.db, 'members')).toBe(MEMBERS);
      expect(await bulkCatalog(empty.db)).toEqual(catalog);
      expect(await rollupSnapshot(empty.db)).toEqual(await rebuiltSnapshot(empty.db));
    } finally {
      await empty.close();
    }
  });
});
