// `npm run token` and `npm run partner-key` as a developer runs them: real processes.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../db/client.js';
import { devIssuer, verifyToken } from '../../schema/access/tokens.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { testYoga } from '../support/auth.js';
import { createTestDatabase } from '../support/db.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

async function script(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { cwd: root, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run token', () => {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'issuer-')), 'key.json');

  it('prints a token of the dev issuer with the role and home unit asked for', async () => {
    const r = await script('token', ['--role', 'UNIT_ADMIN', '--unit', 'HN-0001'], { DEV_ISSUER_KEY_FILE: keyFile });
    expect(r.code).toBe(0);
    const claims = await verifyToken(r.stdout.trim(), await devIssuer(keyFile));
    expect(claims).toEqual({ subject: 'unit_admin@HN-0001', role: 'UNIT_ADMIN', unit: 'HN-0001' });
  });

  it.each([
    [['--unit', 'TW'], '--role must be one of CENTRAL_ADMIN, UNIT_ADMIN, LEADER, VIEWER'],
    [['--role', 'ROOT', '--unit', 'TW'], '--role must be one of'],
    [['--role', 'VIEWER'], '--unit is required'],
    [['--role', 'VIEWER', '--unit', 'TW', '--expires', 'soon'], '--expires must be a duration'],
  ])('exits 2 on %j, saying why', async (args, message) => {
    const r = await script('token', args, { DEV_ISSUER_KEY_FILE: keyFile });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});

describe('npm run partner-key', () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase();
    const handle = await openDb({ url, driver: 'pg' });
    await handle.migrate();
    await loadSmallTree(handle.db);
    await handle.close();
  });

  it('makes a key that reads its subtree, lists it, and revokes it', async () => {
    const made = await script('partner-key', ['create', '--name', 'Cổng dữ liệu mở', '--unit', 'C1', '--kpis', 'VNEID_INSTALLS', '--rate-limit', '30'], { DATABASE_URL: url });
    expect(made.code).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^yuk_[0-9a-f]{16}_[\w-]{43}$/);
    expect(made.stderr).toContain('reads C1 and below, 1 KPI, 30 requests/min');
    const id = key.split('_')[1]!;

    const handle = await openDb({ url, driver: 'pg' });
    try {
      const yoga = await testYoga(handle.db);
      const ask = async () =>
        (await yoga.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': key },
          body: JSON.stringify({ query: '{ unit(code: "C1") { kpi(id: VNEID_INSTALLS, period: "2026-03") { value } } }' }),
        })).json();
      // C1's installs in March 2026: 10 on the 31st, 3 in B11 on the 1st.
      expect(await ask()).toEqual({ data: { unit: { kpi: { value: 13 } } } });

      const listed = await script('partner-key', ['list'], { DATABASE_URL: url });
      expect(listed.stdout).toContain(id);
      expect(listed.stdout).toContain('active');
      expect(listed.stdout).not.toContain(key);

      const revoked = await script('partner-key', ['revoke', id], { DATABASE_URL: url });
      expect(revoked.code).toBe(0);
      expect((await ask()).errors[0]).toMatchObject({ message: 'the API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
    } finally {
      await handle.close();
    }
  });

  it.each([
    [['create', '--unit', 'C1'], '--name is required'],
    [['create', '--name', 'X', '--unit', 'C1', '--kpis', 'NOPE'], '--kpis: unknown KPI NOPE'],
    [['create', '--name', 'X', '--unit', 'ZZ'], '--unit: no unit has code "ZZ"'],
    [['revoke', 'ffffffffffffffff'], 'no partner key has id "ffffffffffffffff"'],
    [['rotate'], 'give a command: create, revoke or list'],
  ])('exits 2 on %j, saying why', async (args, message) => {
    const r = await script('partner-key', args, { DATABASE_URL: url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
