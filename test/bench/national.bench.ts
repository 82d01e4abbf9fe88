// npm run bench [-- --members N] [--scales 0.25,0.5,1] [--runs N] [--file PATH] [--load-seconds N]
//                [--database-url URL] [--no-postgraphile]
// The national bench: what leadership, dashboards and partners see at national scale, over
// real HTTP (the server of `npm start` on node:http, in its own process), with ratios
// measured side by side in the same run against
//   floor        the SQL statements the API sends, replayed raw over one connection: no GraphQL;
//   naive        a hand-written schema whose resolvers read one unit and one KPI at a time;
//   PostGraphile a real PostGraphile 4 serving a view that computes the KPIs from the base tables.
// It loads the national data itself through the bulk load (the generator's records, written
// once to --file), at each scale of the scaling curve (the same tree with a share of the
// members), into a throwaway PostgreSQL 15; with --database-url it reads that database only.
// Every national dashboard value is checked against the base tables. The tables are printed
// as Markdown and the chart is written to docs/images/performance.svg.
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import cliProgress from 'cli-progress';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDb, rows, type Db, type DbHandle } from '../../db/client.js';
import { addDemoFramework } from '../../db/demo/seed.js';
import { importPath } from '../../db/import/run.js';
import { devIssuer } from '../../schema/access/tokens.js';
import { computeKpis } from '../../schema/kpi/compute.js';
import { monthPeriod } from '../../domain/period.js';
import { readKpis } from '../../schema/kpi/read.js';
import { KPI_IDS, type HistoryView, type KpiId } from '../../domain/catalogue.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { drawChart } from './chart.js';
import { writeNationalFile, writeScaledFile } from './national.js';
import { createKpiView, postgraphileBody, postgraphileDashboard, startPostGraphile, type DashboardParts } from './postgraphile.js';
import { percentiles } from './timing.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '6000000' },
    scales: { type: 'string', default: '0.25,0.5,1' },
    runs: { type: 'string', default: '200' },
    file: { type: 'string' },
    'load-seconds': { type: 'string', default: '10' },
    'database-url': { type: 'string' },
    'no-postgraphile': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const MEMBERS = Number(values.members);
const SCALES = values.scales.split(',').map(Number).sort((a, b) => a - b);
if (!Number.isInteger(MEMBERS) || MEMBERS < 1) throw new Error(`--members must be a whole number ≥ 1 (got ${values.members})`);
if (SCALES.some((s) => ![0.25, 0.5, 1].includes(s))) throw new Error(`--scales takes 0.25, 0.5 and 1 (got ${values.scales})`);
const MONTH = '2026-10';

// ---------------------------------------------------------------- timing

interface Timing {
  p50: number;
  p95: number;
  p99: number;
  runs: number;
}

async function timed(fn: () => Promise<unknown>, runs: number, warmups = Math.min(10, Math.max(1, runs / 10))): Promise<Timing> {
  for (let i = 0; i < warmups; i += 1) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  return { ...percentiles(samples), runs: runs + warmups };
}

// ---------------------------------------------------------------- servers

interface Server {
  url: string;
  child: ChildProcess;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/** A server of ./servers/api.ts in a process of its own. */
async function startServer(kind: 'api' | 'naive', env: Record<string, string>): Promise<Server> {
  const child = fork(new URL('./servers/api.ts', import.meta.url), {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, ...env, BENCH_SERVER: kind, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T,>(key: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: Record<string, T>) => {
        if (key in m) {
          child.off('message', onMessage);
          resolve(m[key]!);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`the ${kind} server exited (${code})`)));
    });
  const port = await next<number>('port');
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    rss: () => (child.send('rss'), next<number>('rss')),
    stop: () => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.send('stop'))),
  };
}

async function post(url: string, headers: Record<string, string>, body: string): Promise<unknown> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const answer = (await response.json()) as { errors?: unknown; data?: unknown };
  if (answer.errors || !response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(answer.errors ?? answer).slice(0, 500)}`);
  return answer.data;
}

// ---------------------------------------------------------------- what the database did

/** Statements, rows returned and 8 kB pages touched per request, from pg_stat_statements. */
class SqlCounter {
  constructor(
    private admin: pg.Client,
    private database: string,
  ) {}

  reset = () => this.admin.query('SELECT pg_stat_statements_reset()');

  async perRequest(requests: number): Promise<{ statements: number; rows: number; pages: number }> {
    const { rows: [r] } = await this.admin.query<{ calls: string; rows: string; pages: string }>(
      `SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(s.rows), 0) AS rows, coalesce(sum(shared_blks_hit + shared_blks_read), 0) AS pages
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = $1 AND s.query NOT ILIKE '%pg_stat_statements%' AND s.query NOT IN ('BEGIN', 'COMMIT', 'ROLLBACK')`,
      [this.database],
    );
    return { statements: Number(r!.calls) / requests, rows: Number(r!.rows) / requests, pages: Number(r!.pages) / requests };
  }
}

// ---------------------------------------------------------------- the data

async function loadNational(db: Db, file: string, label: string): Promise<void> {
  const bar = new cliProgress.SingleBar(
    { format: `loading ${label} [{bar}] {percentage}% | {phase} | {duration}s`, noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  const size = statSync(file).size;
  bar.start(100, 0, { phase: 'units' });
  const started = performance.now();
  await importPath(db, file, {
    mode: 'all-or-nothing',
    onProgress: (p) => bar.update(p.phase === 'load' || p.phase === 'units' ? Math.floor((p.done / size) * 100) : 100, { phase: p.phase }),
  });
  await addDemoFramework(db);
  bar.stop();
  process.stderr.write(`  loaded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

interface Unit {
  id: number;
  code: string;
  level: 'CENTRAL' | 'PROVINCE' | 'COMMUNE';
}

// ---------------------------------------------------------------- the documents

const dashboard = (previous: boolean, view: HistoryView = 'AS_OF_THEN') =>
  JSON.stringify({
    query: `{ unit(code: "TW") { children(first: 100) { nodes { code kpis(period: "${MONTH}"${view === 'AS_OF_THEN' ? '' : `, view: ${view}`}) { kpi { id } value numerator denominator asOf${previous ? ' previous { difference }' : ''} } } } } }`,
  });
const drillDown = (code: string) =>
  JSON.stringify({
    query: `{ unit(code: "${code}") { children(first: 500) { nodes { code kpis(period: "${MONTH}") { kpi { id } value numerator denominator } } } } }`,
  });
const series = (code: string) =>
  JSON.stringify({ query: `{ unit(code: "${code}") { series(kpi: APP_ADOPTION, from: "2023-11", to: "${MONTH}", grain: MONTH) { period { id } value numerator denominator } } }` });
const targetProgress = JSON.stringify({
  query: `{ unit(code: "TW") { targetProgress(period: "2026", today: "2026-10-31") {
    kpis { kpi { id } target actual percentAchieved expectedLinear projectedLinear status reportingRate { rate } openFlags }
    laggingChildren { unit { code } kpi { id } reasons } rank { rank of score } } } }`,
});
const naiveDashboard = (code: string) =>
  JSON.stringify({
    query: `{ unit(code: "${code}") { children { code ${KPI_IDS.map((k) => `${k}: kpi(id: "${k}", period: "${MONTH}") { numerator denominator }`).join(' ')} } } }`,
  });

const partsOfApi = (data: unknown): DashboardParts => {
  const nodes = (data as { unit: { children: { nodes: { code: string; kpis: { kpi: { id: KpiId }; numerator: number; denominator: number | null }[] }[] } } }).unit.children.nodes;
  return new Map(nodes.map((n) => [n.code, new Map(n.kpis.map((k) => [k.kpi.id, { numerator: k.numerator, denominator: k.denominator }]))]));
};

// ---------------------------------------------------------------- a scale

interface Row {
  scenario: string;
  variant: string;
  timing: Timing;
  sql?: { statements: number; rows: number; pages: number };
}

const results: Row[] = [];
const curve: { scale: number; members: number; off: number; cached: number; floor: number }[] = [];
const extra: string[] = [];

async function benchScale(scale: number, dbUrl: string, full: boolean): Promise<void> {
  const handle: DbHandle = await openDb({ url: dbUrl });
  const db = handle.db;
  const database = new URL(dbUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: dbUrl });
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const counter = new SqlCounter(admin, database);
  const [{ n: members }] = (await rows<{ n: string }>(db, sql`SELECT count(*) AS n FROM members`)) as [{ n: string }];
  const provinces = await rows<Unit>(db, sql`SELECT id, code, level FROM units WHERE level = 'PROVINCE' AND parent_id = (SELECT id FROM units WHERE code = 'TW') ORDER BY code`);
  const [largest] = await rows<{ code: string; n: string }>(
    db,
    sql`SELECT p.code, count(*) AS n FROM units p JOIN units c ON c.parent_id = p.id WHERE p.level = 'PROVINCE' AND c.level = 'COMMUNE' GROUP BY p.code ORDER BY count(*) DESC, p.code LIMIT 1`,
  );
  const label = `${scale}× (${Number(members).toLocaleString('en')} members)`;
  process.stderr.write(`\nbenching ${label}: ${provinces.length} provinces; drill-down into ${largest!.code} (${largest!.n} communes)\n`);

  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-issuer-')), 'key.json');
  const issuer = await devIssuer(keyFile);
  const headers = { authorization: `Bearer ${await issuer.sign({ subject: 'bench@TW', role: 'CENTRAL_ADMIN', unit: 'TW' })}` };
  const env = { DATABASE_URL: dbUrl, BENCH_KEY_FILE: keyFile };
  const off = await startServer('api', { ...env, RESPONSE_CACHE: 'off' });
  const cached = await startServer('api', { ...env, RESPONSE_CACHE: 'on' });
  const servers = [off, cached];
  // The floor: the statements the API's read path sends for these requests, replayed raw.
  const floorClient = new pg.Client({ connectionString: dbUrl });
  await floorClient.connect();
  try {
    const floorOf = async (units: Unit[], months: string[]) => {
      const captured: { text: string; params: unknown[] }[] = [];
      const spy = await openDb({ url: dbUrl, logger: { logQuery: (text, params) => captured.push({ text, params }) } });
      const requests = months.flatMap((m) => {
        const [y, mo] = m.split('-').map(Number) as [number, number];
        return KPI_IDS.flatMap((kpi) => units.map((u) => ({ kpi, period: monthPeriod(y, mo), unitId: u.id, level: u.level })));
      });
      await readKpis(spy.db, requests);
      await spy.close();
      return () => Promise.all(captured.map((q) => floorClient.query(q.text, q.params as unknown[])));
    };
    const measure = async (scenario: string, variant: string, fn: () => Promise<unknown>, runs: number) => {
      process.stderr.write(`  ${scenario} — ${variant}\n`);
      await counter.reset();
      const timing = await timed(fn, runs);
      const sqlStats = await counter.perRequest(timing.runs);
      results.push({ scenario: `${scenario}${full ? '' : ` @ ${scale}×`}`, variant, timing, sql: sqlStats });
      return timing;
    };
    const http = (server: Server, body: string) => () => post(server.url, headers, body);

    // The national dashboard, and its check against the base tables.
    const scenario = `national dashboard: ${provinces.length} provinces × 13 KPIs × 1 month`;
    const [y, m] = MONTH.split('-').map(Number) as [number, number];
    const api = partsOfApi(await post(off.url, headers, dashboard(false)));
    const base = await computeKpis(db, KPI_IDS.map((kpi) => ({ kpi, period: monthPeriod(y, m), unitIds: provinces.map((p) => p.id) })));
    let equal = 0;
    let compared = 0;
    KPI_IDS.forEach((kpi, i) => {
      for (const p of provinces) {
        compared += 1;
        const a = api.get(p.code)?.get(kpi);
        const b = base[i]!.get(p.id)!;
        if (a && a.numerator === b.numerator && a.denominator === b.denominator) equal += 1;
        else process.stderr.write(`  MISMATCH ${p.code} ${kpi}: API ${JSON.stringify(a)} base tables ${JSON.stringify(b)}\n`);
      }
    });
    extra.push(`${label}: ${equal} of ${compared} national dashboard values equal the base tables'`);
    if (equal !== compared) process.exitCode = 1;

    const floorDashboard = await floorOf(provinces, [MONTH]);
    const tOff = await measure(scenario, 'API, cache off', http(off, dashboard(false)), RUNS);
    const tCached = await measure(scenario, 'API, response cache', http(cached, dashboard(false)), RUNS);
    const tFloor = await measure(scenario, 'floor: its SQL, raw', floorDashboard, RUNS);
    curve.push({ scale, members: Number(members), off: tOff.p50, cached: tCached.p50, floor: tFloor.p50 });
    if (!full) return;

    const naive = await startServer('naive', env);
    servers.push(naive);
    await measure(scenario, 'naive resolvers', http(naive, naiveDashboard('TW')), Math.max(5, Math.round(RUNS / 10)));
    if (!values['no-postgraphile']) {
      await createKpiView(db);
      const graphile = await startPostGraphile(dbUrl);
      try {
        const theirs = await postgraphileDashboard(graphile.url, 'TW', MONTH);
        let same = 0;
        for (const [code, kpis] of api) for (const [kpi, v] of kpis) if (theirs.get(code)?.get(kpi)?.numerator === v.numerator && theirs.get(code)?.get(kpi)?.denominator === v.denominator) same += 1;
        extra.push(`PostGraphile's view: ${same} of ${compared} national dashboard values equal the API's`);
        const body = postgraphileBody('TW', MONTH);
        await measure(scenario, 'PostGraphile over a view', () => post(graphile.url, {}, body), 3);
        const body2 = postgraphileBody(largest!.code, MONTH);
        await measure(`drill-down: ${largest!.n} communes of ${largest!.code} × 13 KPIs`, 'PostGraphile over a view', () => post(graphile.url, {}, body2), 3);
      } finally {
        await graphile.close();
      }
    }

    // The two views side by side: CURRENT_TREE adds the corrections of the units a reorganisation touched (none yet).
    const views = `${scenario}, AS_OF_THEN and CURRENT_TREE`;
    await measure(views, 'API, cache off', http(off, dashboard(false)), RUNS);
    await measure(views, 'API, cache off, view: CURRENT_TREE', http(off, dashboard(false, 'CURRENT_TREE')), RUNS);

    const withPrevious = `${scenario}, with previous { difference }`;
    const floorPrevious = await floorOf(provinces, [MONTH, '2026-09']);
    await measure(withPrevious, 'API, cache off', http(off, dashboard(true)), RUNS);
    await measure(withPrevious, 'API, response cache', http(cached, dashboard(true)), RUNS);
    await measure(withPrevious, 'floor: its SQL, raw', floorPrevious, RUNS);

    const drill = `drill-down: ${largest!.n} communes of ${largest!.code} × 13 KPIs`;
    const communes = await rows<Unit>(db, sql`SELECT id, code, level FROM units WHERE level = 'COMMUNE' AND parent_id = (SELECT id FROM units WHERE code = ${largest!.code}) ORDER BY code`);
    const floorDrill = await floorOf(communes, [MONTH]);
    await measure(drill, 'API, cache off', http(off, drillDown(largest!.code)), RUNS);
    await measure(drill, 'API, response cache', http(cached, drillDown(largest!.code)), RUNS);
    await measure(drill, 'floor: its SQL, raw', floorDrill, RUNS);
    await measure(drill, 'naive resolvers', http(naive, naiveDashboard(largest!.code)), Math.max(3, Math.round(RUNS / 40)));

    const seriesName = `series: ${largest!.code}, 1 KPI × 36 months`;
    await measure(seriesName, 'API, cache off', http(off, series(largest!.code)), RUNS);
    await measure(seriesName, 'API, response cache', http(cached, series(largest!.code)), RUNS);

    const progressName = `targetProgress: TW's leadership screen (${provinces.length} provinces)`;
    await measure(progressName, 'API, cache off', http(off, targetProgress), Math.max(10, Math.round(RUNS / 10)));
    await measure(progressName, 'API, response cache', http(cached, targetProgress), RUNS);

    // Write to visible: a commune reports installs; the next national dashboard shows them.
    const [commune] = await rows<{ code: string; province: string }>(
      db,
      sql`SELECT c.code, p.code AS province FROM units c JOIN units p ON p.id = c.parent_id WHERE c.level = 'COMMUNE' AND p.code = ${largest!.code} AND c.valid_to IS NULL ORDER BY c.code LIMIT 1`,
    );
    let day = 1;
    const writeToVisible = async () => {
      const before = partsOfApi(await post(cached.url, headers, dashboard(false))).get(commune!.province)!.get('VNEID_INSTALLS')!.numerator;
      const started = performance.now();
      const date = `${MONTH}-${String((day++ % 28) + 1).padStart(2, '0')}`;
      await post(cached.url, headers, JSON.stringify({ query: `mutation { recordReport(input: { id: "bench-${Date.now()}-${day}", unit: "${commune!.code}", kind: VNEID_INSTALLS, date: "${date}", count: 3 }) { __typename } }` }));
      const after = partsOfApi(await post(cached.url, headers, dashboard(false))).get(commune!.province)!.get('VNEID_INSTALLS')!.numerator;
      if (after !== before + 3) throw new Error(`write to visible: ${commune!.province} VNEID_INSTALLS went from ${before} to ${after}, not +3`);
      return performance.now() - started;
    };
    {
      process.stderr.write('  write to visible\n');
      await counter.reset();
      const samples: number[] = [];
      for (let i = 0; i < 3; i += 1) await writeToVisible();
      const n = Math.max(10, Math.round(RUNS / 10));
      for (let i = 0; i < n; i += 1) samples.push(await writeToVisible());
      const sqlStats = await counter.perRequest(n + 3);
      results.push({
        scenario: 'write to visible: recordReport, then the national dashboard shows it',
        variant: 'API, response cache',
        timing: { ...percentiles(samples), runs: n },
        sql: sqlStats,
      });
    }

    // Load: ten connections on the national dashboard, bounded in time, loopback only.
    for (const [variant, server] of [['API, response cache', cached], ['API, cache off', off]] as const) {
      process.stderr.write(`  load: ${variant}\n`);
      const rssBefore = await server.rss();
      const result = await autocannon({
        url: server.url,
        method: 'POST',
        connections: 10,
        duration: Number(values['load-seconds']),
        headers: { 'content-type': 'application/json', ...headers },
        body: dashboard(false),
      });
      const rssAfter = await server.rss();
      extra.push(
        `load, ${variant}: ${Math.round(result.requests.average).toLocaleString('en')} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
          `${result.errors + result.non2xx} errors of ${result.requests.total.toLocaleString('en')} requests; server RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB`,
      );
      results.push({
        scenario: `load: national dashboard, 10 connections, ${values['load-seconds']} s`,
        variant: `${variant} (${Math.round(result.requests.average).toLocaleString('en')} req/s)`,
        timing: { p50: result.latency.p50, p95: result.latency.p97_5, p99: result.latency.p99, runs: result.requests.total },
      });
    }

    // A reorganisation at national scale: the two smallest provinces merge into a new one on 1 July 2025.
    {
      const [a, b] = await rows<{ code: string; members: number }>(
        db,
        sql`SELECT p.code, count(m.id)::int AS members FROM units p JOIN units b ON b.path @> ARRAY[p.id] JOIN members m ON m.unit_id = b.id
             WHERE p.level = 'PROVINCE' GROUP BY p.code ORDER BY 2, 1 LIMIT 2`,
      );
      const gql = async (query: string) => {
        const r = (await post(off.url, headers, JSON.stringify({ query }))) as Record<string, { __typename: string }>;
        if (Object.values(r).some((v) => !v.__typename.endsWith('Success'))) throw new Error(`refused: ${JSON.stringify(r)}`);
      };
      await gql(`mutation { createUnit(input: { code: "BENCH-NEW", name: "Tỉnh Mới", level: PROVINCE, parent: "TW", validFrom: "2025-07-01T00:00:00+07:00" }) { __typename } }`);
      const started = performance.now();
      await gql(`mutation { mergeUnits(input: { codes: ["${a!.code}", "${b!.code}"], into: "BENCH-NEW", at: "2025-07-01T00:00:00+07:00" }) { __typename } }`);
      const ms = performance.now() - started;
      const merged = `reorganisation: mergeUnits of ${a!.code} and ${b!.code} (${(a!.members + b!.members).toLocaleString('en')} members) into a new province`;
      results.push({ scenario: merged, variant: 'API (one mutation)', timing: { p50: ms, p95: ms, p99: ms, runs: 1 } });
      const after = await rows<Unit>(db, sql`SELECT id, code, level FROM units WHERE level = 'PROVINCE' AND valid_to IS NULL ORDER BY code`);
      for (const view of ['AS_OF_THEN', 'CURRENT_TREE'] as const) {
        const api2 = partsOfApi(await post(off.url, headers, dashboard(false, view)));
        const base2 = await computeKpis(db, KPI_IDS.map((kpi) => ({ kpi, period: monthPeriod(y, m), unitIds: after.map((p) => p.id), view })));
        let same = 0;
        KPI_IDS.forEach((kpi, i) => {
          for (const p of after) {
            const x = api2.get(p.code)?.get(kpi);
            const z = base2[i]!.get(p.id)!;
            if (x && x.numerator === z.numerator && x.denominator === z.denominator) same += 1;
          }
        });
        extra.push(`after the merger, ${view}: ${same} of ${KPI_IDS.length * after.length} national dashboard values equal the base tables'`);
        if (same !== KPI_IDS.length * after.length) process.exitCode = 1;
      }
      const afterScenario = `${scenario}, after the merger`;
      await measure(afterScenario, 'API, cache off', http(off, dashboard(false)), RUNS);
      await measure(afterScenario, 'API, cache off, view: CURRENT_TREE', http(off, dashboard(false, 'CURRENT_TREE')), RUNS);
      const series2 = `series: BENCH-NEW, 1 KPI × 36 months, after the merger`;
      await measure(series2, 'API, cache off', http(off, series('BENCH-NEW')), RUNS);
      await measure(series2, 'API, cache off, view: CURRENT_TREE', http(off, series('BENCH-NEW').replace('grain: MONTH', 'grain: MONTH, view: CURRENT_TREE')), RUNS);
    }
  } finally {
    await floorClient.end();
    for (const s of servers) await s.stop();
    await admin.end();
    await handle.close();
  }
}

// ---------------------------------------------------------------- the run

function printTables(): void {
  const scenarios = [...new Set(results.map((r) => r.scenario))];
  const out: string[] = [];
  for (const scenario of scenarios) {
    const own = results.filter((r) => r.scenario === scenario);
    const reference = own.find((r) => r.variant.startsWith('API, cache off')) ?? own[0]!;
    out.push(`\n### ${scenario}\n`);
    out.push('| variant | p50 ms | p95 ms | p99 ms | × API (cache off) p50 | SQL statements / request | rows returned / request | 8 kB pages / request |');
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of own) {
      const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
      out.push(
        `| ${r.variant} | ${f(r.timing.p50)} | ${f(r.timing.p95)} | ${f(r.timing.p99)} | ${(r.timing.p50 / reference.timing.p50).toFixed(2)}× | ${r.sql ? r.sql.statements.toFixed(1) : ''} | ${r.sql ? Math.round(r.sql.rows).toLocaleString('en') : ''} | ${r.sql ? Math.round(r.sql.pages).toLocaleString('en') : ''} |`,
      );
    }
  }
  if (curve.length > 1) {
    out.push('\n### scaling: the national dashboard (p50 ms) against members\n');
    out.push('| scale | members | API, cache off | API, response cache | floor: its SQL, raw |');
    out.push('| --- | ---: | ---: | ---: | ---: |');
    for (const c of curve) out.push(`| ${c.scale}× | ${c.members.toLocaleString('en')} | ${c.off.toFixed(1)} | ${c.cached.toFixed(1)} | ${c.floor.toFixed(1)} |`);
  }
  out.push('', ...extra.map((e) => `- ${e}`));
  console.log(out.join('\n'));
}

let pgServer: PgServer | null = null;
try {
  if (values['database-url']) {
    await benchScale(1, values['database-url'], true);
  } else {
    pgServer = await startPostgres(['shared_preload_libraries=pg_stat_statements', 'shared_buffers=2GB', 'work_mem=64MB', 'max_connections=200']);
    const file = values.file ?? join(tmpdir(), `youth-union-national-${MEMBERS}.ndjson`);
    if (!existsSync(file)) {
      process.stderr.write(`writing ${MEMBERS.toLocaleString('en')} members of the national data to ${file} (kept for the next run)…\n`);
      await writeNationalFile(file, MEMBERS);
    }
    for (const scale of SCALES) {
      let scaledFile = file;
      if (scale < 1) {
        scaledFile = join(mkdtempSync(join(tmpdir(), 'bench-national-')), `scaled-${scale}.ndjson`);
        process.stderr.write(`writing the data at ${scale}× to ${scaledFile}…\n`);
        await writeScaledFile(file, scaledFile, scale);
      }
      const database = `bench_national_${String(scale).replace('.', '_')}`;
      const url = await recreateDatabase(pgServer.url, database);
      const handle = await openDb({ url });
      await handle.migrate();
      await loadNational(handle.db, scaledFile, `${scale}×`);
      if (scaledFile !== file) rmSync(scaledFile);
      await handle.db.execute(sql`VACUUM ANALYZE`);
      await handle.close();
      await benchScale(scale, url, scale === 1);
      // The smaller databases are dropped as soon as they are measured.
      if (scale < 1) await recreateDatabase(pgServer.url, database);
    }
  }
  printTables();
  if (curve.length > 0) {
    const chart = new URL('../../docs/images/performance.svg', import.meta.url);
    mkdirSync(new URL('.', chart), { recursive: true });
    writeFileSync(chart, drawChart(curve, results));
    console.log(`\nchart: docs/images/performance.svg`);
  }
} finally {
  await pgServer?.stop();
}
