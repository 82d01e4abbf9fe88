// npm run bench:writes [-- --database-url URL] [--writes N]
// Write throughput and latency over HTTP (the server in a thread of its own): one writer,
// then ten at once, each sending recordReport mutations to communes of its own (distinct
// reports), as units' secretaries do all day. Without a URL it seeds the demo data into a
// throwaway PostgreSQL 15 that commits to disk (fsync, synchronous commit), as a real one.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import { openDb, rows, type DbHandle } from '../db/client.js';
import { seedDemo } from '../db/demo/seed.js';
import { devIssuer } from '../schema/access/tokens.js';
import { recreateDatabase } from '../test/support/databases.js';
import { startPostgres, type PgServer } from '../test/support/postgres.js';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, writes: { type: 'string', default: '200' } } });
const WRITES = Number(values.writes);

const worker = (file: string, data: object) =>
  new Worker(new URL('../db/import/worker-boot.mjs', import.meta.url), { workerData: { ...data, entry: new URL(file, import.meta.url).href } });
const message = <T,>(w: Worker) => new Promise<T>((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

const MUTATION = `mutation ($i: RecordReportInput!) { recordReport(input: $i) { __typename } }`;

let pg: PgServer | undefined;
let handle: DbHandle | undefined;
let server: Worker | undefined;
try {
  let url = values['database-url'];
  if (!url) {
    pg = await startPostgres(['fsync=on', 'synchronous_commit=on', 'shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=on']);
    url = await recreateDatabase(pg.url, 'bench_writes');
    handle = await openDb({ url });
    await handle.migrate();
  await handle.db.execute(sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
    process.stderr.write('seeding the demo data…\n');
    await seedDemo(handle.db);
  } else {
    handle = await openDb({ url });
  }
  const communes = (await rows<{ code: string }>(handle.db, sql`SELECT code FROM units WHERE level = 'COMMUNE' AND valid_to IS NULL ORDER BY code LIMIT 200`)).map((c) => c.code);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-issuer-')), 'key.json');
  const token = await (await devIssuer(keyFile)).sign({ subject: 'bench', role: 'CENTRAL_ADMIN', unit: 'TW' });
  server = worker('../test/bench/access-server.ts', { url, keyFile });
  const endpoint = `http://127.0.0.1:${await message<number>(server)}/graphql`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const run = Date.now().toString(36);

  const write = async (writer: number, i: number): Promise<number> => {
    const unit = communes[(writer * 17 + i) % communes.length]!;
    const date = new Date(Date.UTC(2025, 0, 1 + (i % 360))).toISOString().slice(0, 10);
    const started = performance.now();
    const response = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: MUTATION, variables: { i: { unit, kind: 'DIGITAL_ACCOUNTS', date, count: 1 + (i % 7), id: `bench-${run}-${writer}-${i}` } } }),
    });
    const body = await response.json();
    if (body.data?.recordReport?.__typename !== 'RecordReportSuccess') throw new Error(`write refused: ${JSON.stringify(body)}`);
    return performance.now() - started;
  };
  const scenario = async (writers: number, each: number) => {
    for (let w = 0; w < writers; w += 1) await write(1000 + w, 0); // warm-up
    const started = performance.now();
    const samples = (await Promise.all(Array.from({ length: writers }, async (_, w) => {
      const out: number[] = [];
      for (let i = 1; i <= each; i += 1) out.push(await write(w, i));
      return out;
    }))).flat().sort((a, b) => a - b);
    const seconds = (performance.now() - started) / 1000;
    return { writers, writes: samples.length, 'writes/s': Math.round(samples.length / seconds), 'p50 ms': quantile(samples, 0.5).toFixed(1), 'p95 ms': quantile(samples, 0.95).toFixed(1), 'p99 ms': quantile(samples, 0.99).toFixed(1) };
  };
  await handle.db.execute(sql`SELECT pg_stat_statements_reset()`);
  const results = [await scenario(1, WRITES), await scenario(10, WRITES / 2)];
  console.table(results);
  const st = await rows<any>(handle.db, sql`SELECT calls, round(total_plan_time::numeric,0) plan_ms, round(total_exec_time::numeric,0) exec_ms, round(((total_plan_time+total_exec_time)/greatest(calls,1))::numeric,3) per_call, left(regexp_replace(query, '\s+', ' ', 'g'), 90) q FROM pg_stat_statements ORDER BY total_plan_time+total_exec_time DESC LIMIT 14`);
  console.table(st);
} finally {
  await server?.terminate();
  await handle?.close();
  await pg?.stop();
}
