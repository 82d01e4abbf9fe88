// npm run bench:access [-- --database-url URL] [--runs N]
// What access control and the limits cost, and what they protect, over real HTTP (the
// server of `npm start` on node:http), side by side in one run: a trivial query as each kind
// of caller; the costly documents of the hardening issue, refused; and the trivial query
// while ten clients keep sending refused ones. Without a URL it seeds the demo data into a
// throwaway PostgreSQL 15.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { eq } from 'drizzle-orm';
import { openDb, type DbHandle } from '../../db/client.js';
import { seedDemo } from '../../db/demo/seed.js';
import { units } from '../../db/schema.js';
import { createPartnerKey } from '../../schema/access/partner-keys.js';
import { KPI_IDS } from '../../domain/catalogue.js';
import { devIssuer } from '../../schema/access/tokens.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { percentiles } from './timing.js';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, runs: { type: 'string', default: '200' } } });
const RUNS = Number(values.runs);

const TRIVIAL = '{ unit(code: "LS") { kpi(id: APP_ADOPTION, period: "2026-10") { value numerator denominator } } }';
const DEEP = `{ unit(code: "TW") { ${'children(first: 2) { nodes { code name level parent { code name level '.repeat(15)}validFrom${' } } }'.repeat(15)} } }`;
const ALIASES = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-10", level: BRANCH, first: 1000) { nodes { value } } }`).join(' ')} }`;
const COSTLY = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-10", level: BRANCH, first: 1000) { nodes { value } } }`).join(' ')} }`;

async function send(url: string, headers: Record<string, string>, query: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  await response.arrayBuffer();
  return performance.now() - started;
}

async function timed(fn: () => Promise<number>, runs = RUNS): Promise<{ p50: number; p95: number; p99: number }> {
  for (let i = 0; i < 10; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) samples.push(await fn());
  return percentiles(samples);
}

/** A worker thread running a TypeScript module (through tsx), with its data. */
const worker = (file: string, data: object) =>
  new Worker(new URL('../../db/import/worker-boot.mjs', import.meta.url), { workerData: { ...data, entry: new URL(file, import.meta.url).href } });
const message = <T,>(w: Worker) => new Promise<T>((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));

let pg: PgServer | undefined;
let handle: DbHandle | undefined;
let server: Worker | undefined;
try {
  let dbUrl = values['database-url'];
  if (dbUrl) {
    handle = await openDb({ url: dbUrl });
  } else {
    pg = await startPostgres();
    dbUrl = await recreateDatabase(pg.url, 'bench_access');
    handle = await openDb({ url: dbUrl });
    await handle.migrate();
    process.stderr.write('seeding the demo data…\n');
    await seedDemo(handle.db);
  }
  const db = handle.db;
  const [ls] = await db.select().from(units).where(eq(units.code, 'LS'));
  const { key } = await createPartnerKey(db, { name: 'bench', unit: ls!, kpis: [...KPI_IDS], expiresAt: new Date(Date.now() + 3_600_000), rateLimit: 1_000_000, persistedOnly: false, createdBy: 'bench' });
  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-issuer-')), 'key.json');
  const issuer = await devIssuer(keyFile);
  const tokenFor = (role: 'VIEWER' | 'CENTRAL_ADMIN', unit: string) => issuer.sign({ subject: `bench@${unit}`, role, unit });
  server = worker('./access-server.ts', { url: dbUrl, keyFile });
  const url = `http://127.0.0.1:${await message<number>(server)}/graphql`;
  const callers: Record<string, Record<string, string>> = {
    anonymous: {},
    'user (bearer JWT)': { authorization: `Bearer ${await tokenFor('VIEWER', 'LS')}` },
    'partner (API key)': { 'x-api-key': key },
  };
  const rows: Record<string, string | number>[] = [];
  const row = (scenario: string, bytes: number, t: { p50: number; p95: number; p99: number }) =>
    rows.push({ scenario, 'request bytes': bytes, 'p50 ms': t.p50.toFixed(2), 'p95 ms': t.p95.toFixed(2), 'p99 ms': t.p99.toFixed(2) });

  for (const [name, headers] of Object.entries(callers)) row(`trivial query, ${name}`, TRIVIAL.length, await timed(() => send(url, headers, TRIVIAL)));
  const admin = { authorization: `Bearer ${await tokenFor('CENTRAL_ADMIN', 'TW')}` };
  for (const [name, query] of [
    ['refused: children → parent ×15 (depth)', DEEP],
    ['refused: 500 aliases of a national branch breakdown (tokens)', ALIASES],
    ['refused: 30 national branch breakdowns of 1,000 (cost)', COSTLY],
  ] as const) {
    row(name, query.length, await timed(() => send(url, admin, query), Math.min(RUNS, 50)));
  }
  // Ten clients (in a thread of their own) send refused documents without pause while the trivial query is timed.
  const load = worker('./access-load.ts', { url, headers: admin, documents: [DEEP, COSTLY], clients: 10 });
  const started = performance.now();
  row('trivial query (user) while 10 clients send refused ones', TRIVIAL.length, await timed(() => send(url, callers['user (bearer JWT)']!, TRIVIAL)));
  const seconds = (performance.now() - started) / 1000;
  load.postMessage('stop');
  const refusedSent = await message<number>(load);
  await load.terminate();
  console.table(rows);
  console.log(`refused documents answered meanwhile: ${refusedSent} in ${seconds.toFixed(1)} s (${(refusedSent / seconds).toFixed(0)}/s)`);
} finally {
  await server?.terminate();
  await handle?.close();
  await pg?.stop();
}
