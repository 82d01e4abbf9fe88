// npm run bench:seed [-- --national]
// Seeds the demo data set into in-memory PGlite and into a throwaway PostgreSQL 15 (or
// TEST_DATABASE_URL), and with --national the national-scale set into Postgres, printing
// time and row counts side by side. Then the first start as a newcomer makes it: `npm
// start` on an empty embedded database, timed to its first answer to the README's example
// query, and its memory once idle beside the floor: a bare PGlite process holding the same
// data.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, type DbHandle } from '../../db/client.js';
import type { Scale } from '../../db/demo/generate.js';
import { seedByBulkLoad, seedDemo } from '../../db/demo/seed.js';
import { buildSnapshot, readSnapshot } from '../../db/demo/snapshot.js';
import { EXAMPLE_QUERY } from '../../schema/yoga.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres } from '../support/postgres.js';

const { values } = parseArgs({ options: { national: { type: 'boolean', default: false } } });

interface Result {
  engine: string;
  scale: Scale;
  seconds: string;
  units: number;
  members: number;
  evaluations: number;
  'other rows': number;
  'rows/s': number;
}

async function run(engine: string, scale: Scale, open: () => Promise<DbHandle>): Promise<Result> {
  const handle = await open();
  await handle.migrate();
  let last = 0;
  const started = performance.now();
  // The national data set goes in as `npm run seed -- --scale national` puts it: through the bulk load.
  const onProgress = (members: number, total: number) => {
    const pct = Math.floor((100 * members) / total);
    if (pct >= last + 10) {
      last = pct - (pct % 10);
      process.stderr.write(`  ${engine} ${scale}: ${last}% (${members.toLocaleString('en')} members, ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  };
  const rows: Record<string, number> =
    scale === 'national' && engine === 'postgres'
      ? Object.fromEntries(Object.entries((await seedByBulkLoad(handle.db, { scale, onProgress })).counts).map(([table, c]) => [table, c.inserted]))
      : (await seedDemo(handle.db, { scale, onImportProgress: (p) => p.phase === 'write' && onProgress(p.done, p.total) })).rows;
  const stats = { rows: rows as Record<'units' | 'members' | 'member_evaluations', number> };
  const seconds = (performance.now() - started) / 1000;
  await handle.close();
  const total = Object.values(stats.rows).reduce((a, b) => a + b, 0);
  return {
    engine,
    scale,
    seconds: seconds.toFixed(1),
    units: stats.rows.units,
    members: stats.rows.members,
    evaluations: stats.rows.member_evaluations,
    'other rows': total - stats.rows.units - stats.rows.members - stats.rows.member_evaluations,
    'rows/s': Math.round(total / seconds),
  };
}

const root = new URL('../..', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The resident memory of a process and its descendants, the largest one's (the server's node), in MB. */
function largestRss(pid: number): number {
  const rss = (p: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const children = (p: number): number[] =>
    readdirSync(`/proc/${p}/task`).flatMap((t) => readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  let best = 0;
  const walk = (p: number) => {
    try {
      best = Math.max(best, rss(p));
      for (const c of children(p)) walk(c);
    } catch {
      // gone meanwhile
    }
  };
  walk(pid);
  return best;
}

/** `npm start` on a new embedded database: seconds to the first answer, and idle memory (MB) 10 s later. */
async function firstStart(): Promise<{ seconds: number; idleMb: number; dataDir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'first-start-'));
  const dataDir = join(dir, 'pglite');
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn('npm', ['start'], { cwd: root, env: { ...process.env, PGLITE_DIR: dataDir, PORT: String(port), DEV_ISSUER_KEY_FILE: join(dir, 'key.json'), DATABASE_URL: '' }, stdio: 'ignore', detached: true });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: EXAMPLE_QUERY }) });
        if (((await response.json()) as { data?: unknown }).data) break;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 120_000) throw new Error('npm start gave no answer within 120 s');
      await sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    await sleep(10_000);
    return { seconds, idleMb: largestRss(child.pid!), dataDir };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await sleep(1_000);
  }
}

/** The floor: a process that only opens PGlite on the same data and reads it, 10 s later (after a garbage collection). */
async function barePglite(dataDir: string): Promise<number> {
  const script = `import { PGlite } from '@electric-sql/pglite';
const p = new PGlite(${JSON.stringify(dataDir)}); await p.waitReady;
await p.query('SELECT count(*) FROM members');
await new Promise((r) => setTimeout(r, 10000)); globalThis.gc?.();
process.stdout.write(String(process.memoryUsage().rss / 1048576)); await p.close();`;
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: root });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.once('exit', resolve));
  return Number(out);
}

const server = await startPostgres();
try {
  const results: Result[] = [];
  results.push(await run('pglite', 'demo', () => openDb({ driver: 'pglite' })));
  results.push(await run('postgres', 'demo', async () => openDb({ url: await recreateDatabase(server.url, 'bench_seed_demo') })));
  if (values.national) {
    results.push(await run('postgres', 'national', async () => openDb({ url: await recreateDatabase(server.url, 'bench_seed_national') })));
  }
  console.table(results);

  if (!readSnapshot()) {
    process.stderr.write('building the demo data snapshot (npm install builds it)…\n');
    await buildSnapshot();
  }
  process.stderr.write('first start: npm start on a new embedded database…\n');
  const first = await firstStart();
  const floor = await barePglite(first.dataDir);
  console.table([
    {
      'first answer s': first.seconds.toFixed(1),
      'idle server MB': first.idleMb.toFixed(0),
      'bare PGlite MB': floor.toFixed(0),
      'server ÷ bare': (first.idleMb / floor).toFixed(2),
    },
  ]);
} finally {
  await server.stop();
}
