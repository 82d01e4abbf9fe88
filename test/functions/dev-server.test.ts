// `npm start` end to end: a real process on a free port over in-memory PGlite, migrated
// and seeded, answering the README's example query and serving GraphiQL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_QUERY } from '../../schema/yoga.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('the dev server', () => {
  let child: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), PGLITE_DIR: 'memory://', DEV_ISSUER_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'issuer-')), 'key.json') };
    delete env.DATABASE_URL;
    child = spawn(process.execPath, ['--import', 'tsx', 'functions/dev.ts'], { env, cwd: new URL('../..', import.meta.url).pathname });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed within 90 s:\n${output}`)), 90_000);
      child.stdout!.on('data', () => {
        if (output.includes('GraphiQL: http://localhost')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
    });
  }, 120_000);

  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('prints the URL and seeds the empty embedded database', () => {
    expect(output).toContain(`GraphiQL: http://localhost:${port}/graphql`);
    expect(output).toMatch(/Empty database: loading demo data… \d+ units, 75000 members/);
  });

  it('answers the example query: APP_ADOPTION for Lạng Sơn and its communes', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: EXAMPLE_QUERY }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    const unit = body.data.unit;
    expect(unit.name).toBe('Đoàn Thanh niên Tỉnh Lạng Sơn');
    expect(unit.kpi.denominator).toBeGreaterThan(40_000);
    expect(unit.kpi.value).toBeCloseTo((100 * unit.kpi.numerator) / unit.kpi.denominator, 10);
    expect(unit.children.nodes).toHaveLength(5);
    // The province's parts are the sums of its communes' and bloc's parts, not an average.
    for (const c of unit.children.nodes) expect(c.kpi.denominator).toBeGreaterThan(0);
  });

  it('prints a central admin’s dev token that the server takes, and puts it in GraphiQL’s headers', async () => {
    const token = /Authorization: Bearer (\S+)/.exec(output)?.[1];
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { kind role unit { code } } }' }),
    });
    expect(await response.json()).toEqual({ data: { viewer: { kind: 'USER', role: 'CENTRAL_ADMIN', unit: { code: 'TW' } } } });
    const html = await (await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } })).text();
    expect(html).toContain(token);
  });

  it('serves GraphiQL with the example query to a browser', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Youth Union KPIs');
    expect(html).toContain('AppAdoption');
  });
});
