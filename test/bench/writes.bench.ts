// npm run bench:writes [-- --database-url URL] [--writes N] [--members N] [--file PATH]
// Write throughput and latency over HTTP (the server in a thread of its own): one writer,
// then ten at once, each sending recordReport mutations to communes of its own (distinct
// reports), as units' secretaries do all day. Without a URL it seeds the demo data into a
// throwaway PostgreSQL 15 that commits to disk (fsync, synchronous commit), as a real one;
// with `--members N` it loads instead the national data's first N members (6000000: all of
// them) with the bulk load, and the rest of the provinces they reach (`--file` keeps the
// generated NDJSON and takes it again on the next run).
// Beside the rates it tells where the time went, in CPU milliseconds per write: the server's
// thread, the clients' (a plain keep-alive HTTP client, the lightest there is in Node), and
// PostgreSQL's processes (when the bench runs its own).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import { openDb, rows, type DbHandle } from '../../db/client.js';
import { seedDemo } from '../../db/demo/seed.js';
import { importPath } from '../../db/import/run.js';
import { devIssuer } from '../../schema/access/tokens.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { writeNationalFile } from './national.js';

const { values } = parseArgs({
  options: { 'database-url': { type: 'string' }, writes: { type: 'string', default: '1000' }, members: { type: 'string' }, file: { type: 'string' } },
});
const WRITES = Number(values.writes);
const MEMBERS = values.members === undefined ? undefined : Number(values.members);
if (!Number.isInteger(WRITES) || WRITES < 2) throw new Error(`--writes must be a whole number ≥ 2 (got ${values.writes})`);
if (MEMBERS !== undefined && !(Number.isInteger(MEMBERS) && MEMBERS >= 1)) throw new Error(`--members must be a whole number ≥ 1 (got ${values.members})`);

const worker = (file: string, data: object) =>
  new Worker(new URL('../../db/import/worker-boot.mjs', import.meta.url), { workerData: { ...data, entry: new URL(file, import.meta.url).href } });
const message = <T,>(w: Worker) => new Promise<T>((resolve, reject) => (w.once('message', resolve), w.once('error', reject)));
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;

/** CPU milliseconds spent by PostgreSQL's processes so far (all of this machine's, when the bench runs its own server). */
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, and (the postmaster's) cutime and cstime: the backends that have ended.
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks * 10; // USER_HZ = 100
}

const MUTATION = `mutation ($i: RecordReportInput!) { recordReport(input: $i) { __typename } }`;

let pg: PgServer | undefined;
let handle: DbHandle | undefined;
let server: Worker | undefined;
let agent: Agent | undefined;
try {
  let url = values['database-url'];
  if (!url) {
    pg = await startPostgres(['fsync=on', 'synchronous_commit=on']);
    url = await recreateDatabase(pg.url, 'bench_writes');
    handle = await openDb({ url });
    await handle.migrate();
    if (MEMBERS === undefined) {
      process.stderr.write('seeding the demo data…\n');
      await seedDemo(handle.db);
    } else {
      const file = values.file ?? join(mkdtempSync(join(tmpdir(), 'bench-writes-')), `national-${MEMBERS}.ndjson`);
      if (!existsSync(file)) {
        process.stderr.write(`writing ${MEMBERS.toLocaleString('en')} members of the national data to ${file}…\n`);
        await writeNationalFile(file, MEMBERS);
      }
      process.stderr.write('loading it…\n');
      const loaded = await importPath(handle.db, file, { mode: 'all-or-nothing' });
      process.stderr.write(`loaded ${loaded.recordsWritten.toLocaleString('en')} records\n`);
    }
  } else {
    handle = await openDb({ url });
  }
  const communes = (await rows<{ code: string }>(handle.db, sql`SELECT code FROM units WHERE level = 'COMMUNE' AND valid_to IS NULL ORDER BY code LIMIT 200`)).map((c) => c.code);
  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-issuer-')), 'key.json');
  const token = await (await devIssuer(keyFile)).sign({ subject: 'bench', role: 'CENTRAL_ADMIN', unit: 'TW' });
  server = worker('./access-server.ts', { url, keyFile });
  const port = await message<number>(server);
  agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: agent!, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text)).on('error', reject);
      });
      req.on('error', reject).end(body);
    });
  const run = Date.now().toString(36);

  const write = async (writer: number, i: number): Promise<number> => {
    const unit = communes[(writer * 17 + i) % communes.length]!;
    const date = new Date(Date.UTC(2025, 0, 1 + (i % 360))).toISOString().slice(0, 10);
    const started = performance.now();
    const body = JSON.parse(await post(JSON.stringify({ query: MUTATION, variables: { i: { unit, kind: 'DIGITAL_ACCOUNTS', date, count: 1 + (i % 7), id: `bench-${run}-${writer}-${i}` } } })));
    if (body.data?.recordReport?.__typename !== 'RecordReportSuccess') throw new Error(`write refused: ${JSON.stringify(body)}`);
    return performance.now() - started;
  };
  const scenario = async (writers: number, each: number) => {
    for (let w = 0; w < writers; w += 1) await write(1000 + w, 0); // warm-up
    const started = performance.now();
    const [serverAt, clientAt, postgresAt] = [server!.performance.eventLoopUtilization(), performance.eventLoopUtilization(), postgresCpuMs()];
    const samples = (await Promise.all(Array.from({ length: writers }, async (_, w) => {
      const out: number[] = [];
      for (let i = 1; i <= each; i += 1) out.push(await write(w, i));
      return out;
    }))).flat().sort((a, b) => a - b);
    const seconds = (performance.now() - started) / 1000;
    const perWrite = (ms: number) => (ms / samples.length).toFixed(2);
    return {
      writers,
      writes: samples.length,
      'writes/s': Math.round(samples.length / seconds),
      'p50 ms': quantile(samples, 0.5).toFixed(1),
      'p95 ms': quantile(samples, 0.95).toFixed(1),
      'p99 ms': quantile(samples, 0.99).toFixed(1),
      'server CPU ms/write': perWrite(server!.performance.eventLoopUtilization(serverAt).active),
      'client CPU ms/write': perWrite(performance.eventLoopUtilization(clientAt).active),
      'postgres CPU ms/write': pg ? perWrite(postgresCpuMs() - postgresAt) : 'n/a',
    };
  };
  const results = [await scenario(1, WRITES), await scenario(10, WRITES / 2)];
  console.table(results);
} finally {
  agent?.destroy();
  await server?.terminate();
  await handle?.close();
  await pg?.stop();
}
