// npm run bench [-- --database-url URL] [--runs N] [--members N] [--file PATH]
// KPI read latency, roll-ups against the base tables, side by side in one run, and the
// leadership screen (targetProgress with its laggards and rank, and a ranking) through
// GraphQL. Without a URL it seeds the demo data set into a throwaway PostgreSQL 15 and into
// in-memory PGlite; with `--members N` it bulk-loads instead the national data's first N
// members (6000000: all of them) into the throwaway PostgreSQL (`--file` keeps the NDJSON
// for the next run); with a URL (e.g. a database seeded with `npm run seed -- --scale
// national`) it reads that.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDb, rows, type Db, type DbHandle } from '../../db/client.js';
import { addDemoFramework, seedDemo } from '../../db/demo/seed.js';
import { importPath } from '../../db/import/run.js';
import type { UnitLevel } from '../../db/schema.js';
import { computeKpis } from '../../schema/kpi/compute.js';
import { monthPeriod, periodsBetween, parsePeriod, type Period } from '../../domain/period.js';
import { readKpis, type KpiRequest } from '../../schema/kpi/read.js';
import { KPI_IDS } from '../../domain/catalogue.js';
import { adminHeaders, testYoga } from '../support/auth.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { writeNationalFile } from './national.js';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    runs: { type: 'string', default: '20' },
    // The base tables are slow at national scale (that is the point): time them fewer times.
    'base-runs': { type: 'string', default: '3' },
    members: { type: 'string' },
    file: { type: 'string' },
  },
});
const RUNS = Number(values.runs);
const BASE_RUNS = Number(values['base-runs']);

interface Unit {
  id: number;
  code: string;
  level: UnitLevel;
}

async function unitsWhere(db: Db, where: ReturnType<typeof sql>): Promise<Unit[]> {
  return rows<Unit>(db, sql`SELECT id, code, level FROM units WHERE ${where} ORDER BY code`);
}

async function time(fn: () => Promise<unknown>, runs = RUNS): Promise<{ p50: number; p95: number }> {
  await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.floor(samples.length * 0.95)]! };
}

const requests = (units: Unit[], periods: Period[]): KpiRequest[] =>
  periods.flatMap((period) => KPI_IDS.flatMap((kpi) => units.map((u) => ({ kpi, period, unitId: u.id, level: u.level }))));

const groups = (units: Unit[], periods: Period[]) =>
  periods.flatMap((period) => KPI_IDS.map((kpi) => ({ kpi, period, unitIds: units.map((u) => u.id) })));

interface Row {
  database: string;
  query: string;
  values: number;
  'roll-ups p50 ms': string;
  'roll-ups p95 ms': string;
  'base tables p50 ms': string;
  'speed-up': string;
}

async function bench(label: string, db: Db): Promise<Row[]> {
  const provinces = await unitsWhere(db, sql`level = 'PROVINCE'`);
  const [largest] = await rows<{ id: number; code: string }>(
    db,
    sql`SELECT p.id, p.code FROM units p JOIN units c ON c.parent_id = p.id WHERE p.level = 'PROVINCE' GROUP BY p.id ORDER BY count(*) DESC, p.code LIMIT 1`,
  );
  const communes = await unitsWhere(db, sql`parent_id = ${largest!.id} AND level = 'COMMUNE'`);
  const months2026 = periodsBetween(parsePeriod('2026-01').startDay, parsePeriod('2026-12').endDay, 'MONTH');
  const cases: { query: string; units: Unit[]; periods: Period[]; base: boolean }[] = [
    { query: '34 provinces × 13 KPIs × 12 months', units: provinces, periods: months2026, base: false },
    { query: '34 provinces × 13 KPIs × 1 month', units: provinces, periods: [monthPeriod(2026, 10)], base: true },
    { query: `${communes.length} communes of ${largest!.code} × 13 KPIs, 1 month`, units: communes, periods: [monthPeriod(2026, 10)], base: true },
    {
      query: `${largest!.code}: 13 KPIs × 36 months`,
      units: [{ id: largest!.id, code: largest!.code, level: 'PROVINCE' }],
      periods: periodsBetween(parsePeriod('2023-11').startDay, parsePeriod('2026-10').endDay, 'MONTH'),
      base: false,
    },
    { query: `${largest!.code}: 13 KPIs, week 2026-W43 (day roll-ups)`, units: [{ id: largest!.id, code: largest!.code, level: 'PROVINCE' }], periods: [parsePeriod('2026-W43')], base: true },
  ];
  const out: Row[] = [];
  for (const c of cases) {
    process.stderr.write(`  ${label}: ${c.query}\n`);
    const viaRollups = await time(() => readKpis(db, requests(c.units, c.periods)));
    const direct = c.base ? await time(() => computeKpis(db, groups(c.units, c.periods)), BASE_RUNS) : null;
    out.push({
      database: label,
      query: c.query,
      values: c.units.length * c.periods.length * KPI_IDS.length,
      'roll-ups p50 ms': viaRollups.p50.toFixed(1),
      'roll-ups p95 ms': viaRollups.p95.toFixed(1),
      'base tables p50 ms': direct ? direct.p50.toFixed(1) : '',
      'speed-up': direct ? `${(direct.p50 / viaRollups.p50).toFixed(0)}×` : '',
    });
  }
  // The same national dashboard through GraphQL, end to end (parse, validate, resolve, SQL).
  const yoga = await testYoga(db);
  const headers = { 'content-type': 'application/json', ...(await adminHeaders()) };
  const fields = months2026.map((m, i) => `m${i + 1}: kpis(period: "${m.id}") { value numerator denominator asOf }`).join(' ');
  const body = JSON.stringify({ query: `{ unit(code: "TW") { children(first: 100) { nodes { code ${fields} } } } }` });
  const graphql = await time(async () => {
    const r = await yoga.fetch('http://bench/graphql', { method: 'POST', headers, body });
    await r.json();
  });
  out.push({
    database: label,
    query: 'GraphQL: national dashboard (34 × 13 × 12)',
    values: provinces.length * 13 * 12,
    'roll-ups p50 ms': graphql.p50.toFixed(1),
    'roll-ups p95 ms': graphql.p95.toFixed(1),
    'base tables p50 ms': '',
    'speed-up': '',
  });
  // The leadership screen: a unit's KPIs against its 2026 targets, its five most lagging
  // children and its rank among its siblings; and the ranking of a province's communes.
  const [framework] = await rows<{ name: string }>(db, sql`SELECT name FROM emulation_frameworks ORDER BY id DESC LIMIT 1`);
  const screen = (code: string) =>
    JSON.stringify({
      query: `{ unit(code: "${code}") { targetProgress(period: "2026", today: "2026-10-31") {
        kpis { kpi { id } target actual percentAchieved expectedLinear expectedSeasonal projectedLinear status reportingRate { rate } openFlags }
        laggingChildren { unit { code } kpi { id } reasons } rank { rank of score } } } }`,
    });
  const leadership: [string, string, number][] = [
    ['GraphQL: leadership screen of TW (34 provinces)', screen('TW'), provinces.length],
    [`GraphQL: leadership screen of ${largest!.code} (${communes.length} communes)`, screen(largest!.code), communes.length],
  ];
  if (framework) {
    leadership.push([
      `GraphQL: ranking of ${largest!.code}'s ${communes.length} communes`,
      JSON.stringify({ query: `{ unit(code: "${largest!.code}") { ranking(framework: "${framework.name}", period: "2026", today: "2026-10-31", level: COMMUNE) { entries { rank unit { code } score } } } }` }),
      communes.length,
    ]);
  }
  // The same answers from the response cache, as repeated reads between writes get them.
  const cached = await testYoga(db, { responseCache: true });
  for (const [query, body, units] of [['GraphQL: national dashboard (34 × 13 × 12)', JSON.stringify({ query: `{ unit(code: "TW") { children(first: 100) { nodes { code ${fields} } } } }` }), provinces.length * 13 * 12] as const, leadership[0]!]) {
    const timed = await time(async () => {
      const r = await cached.fetch('http://bench/graphql', { method: 'POST', headers, body });
      await r.json();
    });
    out.push({ database: label, query: `${query}, from the response cache`, values: units, 'roll-ups p50 ms': timed.p50.toFixed(1), 'roll-ups p95 ms': timed.p95.toFixed(1), 'base tables p50 ms': '', 'speed-up': '' });
  }
  for (const [query, body, units] of leadership) {
    process.stderr.write(`  ${label}: ${query}\n`);
    const timed = await time(async () => {
      const r = await yoga.fetch('http://bench/graphql', { method: 'POST', headers, body });
      const answer = (await r.json()) as { errors?: unknown };
      if (answer.errors) throw new Error(`${query}: ${JSON.stringify(answer.errors)}`);
    }, Math.min(RUNS, 10));
    out.push({ database: label, query, values: units, 'roll-ups p50 ms': timed.p50.toFixed(1), 'roll-ups p95 ms': timed.p95.toFixed(1), 'base tables p50 ms': '', 'speed-up': '' });
  }
  return out;
}

const results: Row[] = [];
let server: PgServer | undefined;
const handles: DbHandle[] = [];
try {
  if (values['database-url']) {
    const handle = await openDb({ url: values['database-url'] });
    handles.push(handle);
    results.push(...(await bench('postgres (given)', handle.db)));
  } else if (values.members) {
    const members = Number(values.members);
    if (!Number.isInteger(members) || members < 1) throw new Error(`--members must be a whole number ≥ 1 (got ${values.members})`);
    server = await startPostgres();
    const handle = await openDb({ url: await recreateDatabase(server.url, 'bench_kpi_national') });
    handles.push(handle);
    await handle.migrate();
    const file = values.file ?? join(mkdtempSync(join(tmpdir(), 'bench-kpi-')), `national-${members}.ndjson`);
    if (!existsSync(file)) {
      process.stderr.write(`writing ${members.toLocaleString('en')} members of the national data to ${file}…\n`);
      await writeNationalFile(file, members);
    }
    process.stderr.write('loading it…\n');
    await importPath(handle.db, file, { mode: 'all-or-nothing' });
    await addDemoFramework(handle.db);
    results.push(...(await bench(`postgres national (${members.toLocaleString('en')} members)`, handle.db)));
  } else {
    server = await startPostgres();
    const pgHandle = await openDb({ url: await recreateDatabase(server.url, 'bench_kpi') });
    const lite = await openDb({ driver: 'pglite' });
    handles.push(pgHandle, lite);
    for (const [label, handle] of [['postgres demo', pgHandle], ['pglite demo', lite]] as const) {
      await handle.migrate();
      process.stderr.write(`seeding ${label}…\n`);
      await seedDemo(handle.db);
      results.push(...(await bench(label, handle.db)));
    }
  }
  console.table(results);
} finally {
  for (const h of handles) await h.close();
  await server?.stop();
}
