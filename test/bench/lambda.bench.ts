// npm run bench:lambda [-- --runs 7]
// The Lambda functions as deployed: each bundled with the stack's own esbuild options
// (infra/lib/bundling.ts), its size; the migrate bundle applying the migrations to a
// throwaway PostgreSQL 15; then the graphql bundle's cold start in fresh Node processes —
// import plus the first request (the README query on the small tree), over the Neon driver
// through a local WebSocket proxy — and its memory (RSS) after that request.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify, parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import pg from 'pg';
import { openDb } from '../../db/client.js';
import { copyMigrations, esbuildOptions, type FunctionName } from '../../infra/lib/bundling.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { startPostgres } from '../support/postgres.js';
import { startWsProxy } from '../support/ws-proxy.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' }, warm: { type: 'string', default: '50' } } });
const RUNS = Number(values.runs);
const WARM = Number(values.warm);
const BUDGET = { bundleBytes: 1.5 * 1024 * 1024, coldInitMs: 300 };

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'kpi-lambda-bench-'));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const ms = (value: number) => `${value.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], format: (x: number) => string) =>
  `${format(median(xs))} (${format(Math.min(...xs))}–${format(Math.max(...xs))})`;

interface Row {
  measure: string;
  value: string;
  budget: string;
}
const rows: Row[] = [];

async function bundle(name: FunctionName, outdir: string): Promise<string> {
  const options = esbuildOptions(name, outdir);
  await build(options);
  if (name === 'migrate') copyMigrations(outdir);
  const code = readFileSync(options.outfile);
  const within = code.length <= BUDGET.bundleBytes;
  rows.push({
    measure: `${name}: index.mjs (gzip; source map)`,
    value: `${kb(code.length)} (${kb(gzipSync(code).length)}; ${kb(statSync(`${options.outfile}.map`).size)})`,
    budget: `≤ ${kb(BUDGET.bundleBytes)} ${within ? '✓' : '✗'}`,
  });
  return options.outfile;
}

/** The graphql bundle if db/client.ts's PGlite and pg imports were left in: what the externals save. */
async function bundleWithEveryDriver(): Promise<void> {
  const options = esbuildOptions('graphql', join(scratch, 'all-drivers'));
  await build({ ...options, external: ['@aws-sdk/*'], logLevel: 'silent' });
  rows.push({ measure: 'graphql with PGlite and pg bundled (not deployed)', value: kb(statSync(options.outfile).size), budget: '' });
}

/** Runs a bundle's handler in a fresh Node process, the way a new Lambda container does. */
async function invoke<T>(file: string, event: object, env: Record<string, string>, warm = 0): Promise<T> {
  const script = join(scratch, 'invoke.mjs');
  writeFileSync(
    script,
    `const started = performance.now();
const { handler } = await import(process.argv[2]);
const imported = performance.now();
const event = JSON.parse(process.argv[3]);
const result = await handler(event);
const served = performance.now();
const rss = process.memoryUsage().rss;
const warm = [];
for (let i = 0; i < Number(process.argv[4]); i++) {
  const t = performance.now();
  await handler(event);
  warm.push(performance.now() - t);
}
console.log(JSON.stringify({ result, importMs: imported - started, firstRequestMs: served - imported, sinceProcessStartMs: served, rss, warm }));
process.exit(0);
`,
  );
  const { stdout } = await run(process.execPath, [script, pathToFileURL(file).href, JSON.stringify(event), String(warm)], {
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '--enable-source-maps', ...env },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

const server = await startPostgres();
const proxy = await startWsProxy();
try {
  const graphql = await bundle('graphql', join(scratch, 'graphql'));
  const migrate = await bundle('migrate', join(scratch, 'migrate'));
  await bundleWithEveryDriver();

  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench_lambda');
  await admin.end();
  const url = new URL(server.url);
  url.pathname = '/bench_lambda';
  const env = { DATABASE_URL: url.toString(), NEON_WS_PROXY: proxy.address };

  const event = JSON.parse(readFileSync(new URL('../infra/fixtures/migrations-event.json', import.meta.url), 'utf8'));
  const migrated = await invoke<{ result: { Data?: { Status?: string } }; sinceProcessStartMs: number }>(migrate, event, env);
  if (migrated.result.Data?.Status !== 'applied') throw new Error(`migrate bundle: ${JSON.stringify(migrated.result)}`);
  rows.push({ measure: 'migrate: fresh process → migrations applied', value: ms(migrated.sinceProcessStartMs), budget: '' });

  const setup = await openDb({ url: env.DATABASE_URL, driver: 'pg' });
  await loadSmallTree(setup.db);
  await setup.close();

  interface ColdStart {
    result: { statusCode: number; body: string };
    importMs: number;
    firstRequestMs: number;
    sinceProcessStartMs: number;
    rss: number;
    warm: number[];
  }
  const request = JSON.parse(readFileSync(new URL('../functions/fixtures/post-json.json', import.meta.url), 'utf8'));
  const starts: ColdStart[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = await invoke<ColdStart>(graphql, request, env, i === 0 ? WARM : 0);
    const kpi = JSON.parse(start.result.body).data?.unit?.kpi;
    if (start.result.statusCode !== 200 || kpi?.numerator !== 4 || kpi?.denominator !== 6) {
      throw new Error(`graphql bundle answered ${start.result.statusCode}: ${start.result.body}`);
    }
    starts.push(start);
  }
  const coldInit = starts.map((s) => s.importMs + s.firstRequestMs);
  rows.push(
    { measure: `graphql: import of the bundle (median of ${RUNS}, min–max)`, value: spread(starts.map((s) => s.importMs), ms), budget: '' },
    { measure: 'graphql: first request, connection included', value: spread(starts.map((s) => s.firstRequestMs), ms), budget: '' },
    {
      measure: 'graphql: cold init = import + first request',
      value: spread(coldInit, ms),
      budget: `≤ ${BUDGET.coldInitMs} ms ${median(coldInit) <= BUDGET.coldInitMs ? '✓' : '✗'}`,
    },
    { measure: 'graphql: process start → first response', value: spread(starts.map((s) => s.sinceProcessStartMs), ms), budget: '' },
    { measure: 'graphql: RSS after the first request', value: spread(starts.map((s) => s.rss), mb), budget: '≤ 1024 MB (memory size)' },
    { measure: `graphql: warm request (median of ${WARM})`, value: `${median(starts[0]!.warm).toFixed(1)} ms`, budget: '' },
  );

  console.log(`\nLambda bundles and cold start (Node ${process.versions.node} here; nodejs22.x on arm64 in AWS), Neon driver through a local WebSocket proxy\n`);
  const widths = (['measure', 'value', 'budget'] as const).map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(['measure', 'value', 'budget']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line([row.measure, row.value, row.budget]));
} finally {
  await proxy.close();
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
