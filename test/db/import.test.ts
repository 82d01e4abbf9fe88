// The import (db/import) on the small tree of test/fixtures/small-tree.ts, written as
// NDJSON in shuffled order (members and branches before their units) and as a folder of
// CSV files: both give the KPIs of loading the records directly, a second run changes
// nothing, re-sent records replace the stored ones, and the roll-ups always equal a rebuild.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type Db, type DbHandle } from '../../db/client.js';
import { importPath, type ImportResult } from '../../db/import/run.js';
import { parseInstant } from '../../domain/time.js';
import { parseTargetPeriod } from '../../domain/period.js';
import { loadRecords } from '../../db/import/run.js';
import { rollupSnapshot } from '../../db/rollup.js';
import type { UnitLevel } from '../../db/schema.js';
import { parsePeriod } from '../../domain/period.js';
import { readKpis } from '../../schema/kpi/read.js';
import { KPI_IDS, type KpiId } from '../../domain/catalogue.js';
import { SMALL_TREE } from '../fixtures/small-tree.js';
import { openTestDb } from '../support/db.js';
import { rebuiltSnapshot } from '../support/rollups.js';

const FIXTURES = 'test/fixtures/import';
const NDJSON = `${FIXTURES}/small-tree.ndjson`;
const CSV = `${FIXTURES}/small-tree-csv`;
const UNITS = ['TW', 'P1', 'C1', 'C2', 'C3', 'B11', 'B12', 'B21'];
const PERIODS = ['2025', '2025-12', '2026-02', '2026-03', '2026-04', '2026-Q1', '2026-03-14', '2026-03-31'];
const TABLES = ['units', 'members', 'member_evaluations', 'digital_models', 'teams', 'team_roster', 'startup_products', 'relics', 'activity_reports', 'targets'];

/** Every KPI of every unit (by code) and period, as the API reads them. */
async function kpis(db: Db): Promise<Record<string, [number, number | null]>> {
  const units = await rows<{ id: number; code: string; level: UnitLevel }>(db, sql`SELECT id, code, level FROM units`);
  const requests = units.flatMap((u) =>
    KPI_IDS.flatMap((kpi) => PERIODS.map((p) => ({ kpi, period: parsePeriod(p), unitId: u.id, level: u.level, key: `${kpi} ${u.code} ${p}` }))),
  );
  const read = await readKpis(db, requests);
  return Object.fromEntries(requests.map((r, i) => [r.key, [read[i]!.numerator, read[i]!.denominator]]));
}

async function kpi(db: Db, id: KpiId, code: string, period: string): Promise<[number, number | null]> {
  const [u] = await rows<{ id: number; level: UnitLevel }>(db, sql`SELECT id, level FROM units WHERE code = ${code}`);
  const [r] = await readKpis(db, [{ kpi: id, period: parsePeriod(period), unitId: u!.id, level: u!.level }]);
  return [r!.numerator, r!.denominator];
}

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const [r] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(t)}`);
    out[t] = r!.n;
  }
  return out;
}

function expectImported(result: ImportResult): void {
  expect(result.problems).toEqual([]);
  expect(result.status).toBe('imported');
}

describe('import of the small tree', () => {
  let direct: DbHandle;
  let fromNdjson: DbHandle;
  let fromCsv: DbHandle;
  let first: ImportResult;

  beforeAll(async () => {
    [direct, fromNdjson, fromCsv] = await Promise.all([openTestDb('postgres'), openTestDb('postgres'), openTestDb('postgres')]);
    await loadRecords(direct.db, SMALL_TREE);
    first = await importPath(fromNdjson.db, NDJSON, { batchSize: 4 });
    expectImported(first);
    expectImported(await importPath(fromCsv.db, CSV, { batchSize: 4, mode: 'all-or-nothing' }));
  });
  afterAll(async () => Promise.all([direct?.close(), fromNdjson?.close(), fromCsv?.close()]));

  it('reads records in any order: members before their units, branches before their communes', async () => {
    expect(first.records).toBe(SMALL_TREE.length);
    expect(first.counts.units).toEqual({ inserted: 8, updated: 0, unchanged: 0 });
    expect(first.counts.members).toEqual({ inserted: 9, updated: 0, unchanged: 0 });
    expect(first.rollups).toBe('incremental');
    // 29 records: 8 units in one batch, then 21 in batches of 4.
    expect(first.batches).toBe(1 + Math.ceil(21 / 4));
    const [audit] = await rows<{ n: number; keys: string[] }>(
      fromNdjson.db,
      sql`SELECT count(*)::int AS n, array_agg(entity_key ORDER BY id) AS keys FROM audit_log WHERE actor = 'import' AND entity = 'batch'`,
    );
    expect(audit!.n).toBe(first.batches);
    expect(audit!.keys[1]).toMatch(/^small-tree\.ndjson:1-\d+$/);
  });

  it('gives the KPIs of loading the records directly, from NDJSON and from CSV', async () => {
    // Hand-checked (test/schema/kpi/kpi-values.test.ts): m1, m4, m6, m9 of m1, m2, m4, m5, m6, m9.
    expect(await kpi(fromNdjson.db, 'APP_ADOPTION', 'P1', '2026-03')).toEqual([4, 6]);
    expect(await kpi(fromNdjson.db, 'VNEID_INSTALLS', 'P1', '2026-03')).toEqual([20, null]);
    const expected = await kpis(direct.db);
    expect(await kpis(fromNdjson.db)).toEqual(expected);
    expect(await kpis(fromCsv.db)).toEqual(expected);
  });

  it('keeps the roll-ups equal to a rebuild, incrementally and in all-or-nothing mode', async () => {
    expect(await rollupSnapshot(fromNdjson.db)).toEqual(await rebuiltSnapshot(fromNdjson.db));
    expect(await rollupSnapshot(fromCsv.db)).toEqual(await rebuiltSnapshot(fromCsv.db));
  });

  it('changes nothing when the same file is imported again (audit log aside)', async () => {
    for (const [handle, path] of [
      [fromNdjson, NDJSON],
      [fromCsv, CSV],
    ] as const) {
      const before = { counts: await counts(handle.db), rollups: await rollupSnapshot(handle.db) };
      const again = await importPath(handle.db, path, { batchSize: 5 });
      expectImported(again);
      for (const c of Object.values(again.counts)) expect(c).toMatchObject({ inserted: 0, updated: 0 });
      expect({ counts: await counts(handle.db), rollups: await rollupSnapshot(handle.db) }).toEqual(before);
    }
  });

  it('replaces a re-sent report, updates a member, closes a unit and stores targets, keeping the roll-ups exact', async () => {
    const db = fromNdjson.db;
    const reports = (await counts(db)).activity_reports;
    const result = await importPath(db, `${FIXTURES}/updates.ndjson`);
    expectImported(result);
    expect(result.counts.activity_reports).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    expect(result.counts.units).toEqual({ inserted: 0, updated: 1, unchanged: 0 });
    // C1's 31 March report goes from 10 to 25: 25 + 7 + 3, and no report is added.
    expect(await kpi(db, 'VNEID_INSTALLS', 'P1', '2026-03')).toEqual([35, null]);
    expect((await counts(db)).activity_reports).toBe(reports);
    // m5 (not on the app at March's End) left on 20 March: 4 of 5.
    expect(await kpi(db, 'APP_ADOPTION', 'P1', '2026-03')).toEqual([4, 5]);
    // C3 closes on 1 June 2026: it no longer counts among the communes in June.
    expect(await kpi(db, 'COMMUNE_TEAM_COVERAGE', 'P1', '2026-05')).toEqual([1, 2]);
    expect(await kpi(db, 'COMMUNE_TEAM_COVERAGE', 'P1', '2026-06')).toEqual([1, 1]);
    expect(await rollupSnapshot(db)).toEqual(await rebuiltSnapshot(db));

    const targets = await rows<{ code: string; kpi: string; period: string; start: Date; end: Date; value: string | number }>(
      db,
      sql`SELECT u.code, t.kpi, t.period, t.period_start AS start, t.period_end AS end, t.value FROM targets t JOIN units u ON u.id = t.unit_id ORDER BY t.period`,
    );
    expect(targets.map((t) => [t.code, t.kpi, t.period, Number(t.value)])).toEqual([
      ['P1', 'VNEID_INSTALLS', '2025/2030', 5000],
      ['P1', 'APP_ADOPTION', '2026', 95],
      ['C1', 'DIGITAL_TEAM_MEMBERS', '2026-H1', 10],
    ]);
    for (const t of targets) {
      // The period text reads back through the period grammar with the same bounds.
      expect([new Date(t.start).getTime(), new Date(t.end).getTime()]).toEqual([parsePeriod(t.period).start.getTime(), parsePeriod(t.period).end.getTime()]);
    }
    const again = await importPath(db, `${FIXTURES}/updates.ndjson`);
    for (const c of Object.values(again.counts)) expect(c).toMatchObject({ inserted: 0, updated: 0 });
  });
});

describe('invalid input', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb('postgres');
  });
  afterAll(async () => handle?.close());

  it('names the line and field of every problem and writes nothing', async () => {
    const result = await importPath(handle.db, `${FIXTURES}/invalid/problems.ndjson`);
    expect(result.status).toBe('invalid');
    expect(result.problems.map((p) => [p.line, p.field])).toEqual([
      [4, '(line)'],
      [5, 'joinedAt'],
      [6, 'unit'],
      [7, 'leftAt'],
      [8, 'count'],
      [9, 'kpi'],
      [10, 'level'],
      [11, 'joinedAt'],
      [12, 'id'],
    ]);
    const reasons = result.problems.map((p) => p.reason);
    expect(reasons[0]).toMatch(/^is not valid JSON/);
    expect(reasons[1]).toBe('is required');
    expect(reasons[2]).toBe('unknown unit code "B99"');
    expect(reasons[3]).toBe('must be after joinedAt (2026-01-01T00:00:00+07:00)');
    expect(reasons[4]).toBe('must be ≥ 0 (got -5)');
    expect(reasons[5]).toMatch(/^must be one of DIGITAL_MODEL_COVERAGE, .* \(got "VNEID_DOWNLOADS"\)$/);
    expect(reasons[6]).toBe('must be one of CENTRAL, PROVINCE, COMMUNE, BLOC, BRANCH (got "DISTRICT")');
    expect(reasons[7]).toMatch(/needs an offset/);
    expect(reasons[8]).toBe('member id "ok1" appears twice (first on line 3)');
    expect(result.invalidRecords).toBe(9);
    expect(await counts(handle.db)).toEqual(Object.fromEntries(TABLES.map((t) => [t, 0])));
  });

  it('only validates on a dry run', async () => {
    const result = await importPath(handle.db, `${FIXTURES}/small-tree.ndjson`, { dryRun: true });
    expect(result.status).toBe('validated');
    expect((await counts(handle.db)).units).toBe(0);
  });

  it('stops at a batch the database refuses; the batches before it stay (per-batch mode)', async () => {
    // member_evaluations.csv line 3 names m7, whom no file sends: found while writing.
    const result = await importPath(handle.db, `${FIXTURES}/unknown-member-csv`);
    expect(result.status).toBe('stopped');
    expect(result.problems).toEqual([
      {
        file: 'member_evaluations.csv',
        line: 3,
        field: 'member',
        reason: 'unknown member id "m7": it is neither in the file before this record nor in the database',
      },
    ]);
    const c = await counts(handle.db);
    expect([c.units, c.members, c.member_evaluations]).toEqual([4, 2, 0]);
    expect(await rollupSnapshot(handle.db)).toEqual(await rebuiltSnapshot(handle.db));
  });

  it('maps an error of the database back to the record it refused', async () => {
    const db = handle.db;
    // A rule only the database knows, to see its refusal reported by line.
    await db.execute(sql`CREATE FUNCTION no_forbidden_relics() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'Forbidden' THEN RAISE EXCEPTION 'relic % is forbidden', NEW.external_id USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$`);
    await db.execute(sql`CREATE TRIGGER no_forbidden_relics BEFORE INSERT ON relics FOR EACH ROW EXECUTE FUNCTION no_forbidden_relics()`);
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/import-`);
    const lines = [
      { type: 'relic', id: 'r1', unit: 'C1', name: 'Đình An Bình' },
      { type: 'relic', id: 'r2', unit: 'C1', name: 'Chùa Hưng Phúc' },
      { type: 'relic', id: 'r3', unit: 'C1', name: 'Forbidden' },
      { type: 'relic', id: 'r4', unit: 'C1', name: 'Miếu' },
    ];
    await writeFile(`${dir}/relics.ndjson`, lines.map((l) => JSON.stringify(l)).join('\n'));
    for (const mode of ['per-batch', 'all-or-nothing'] as const) {
      const result = await importPath(db, `${dir}/relics.ndjson`, { mode });
      expect(result.status).toBe('stopped');
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ line: 3, field: '(record)' });
      expect(result.problems[0]!.reason).toMatch(/refused by the database: relic r3 is forbidden/);
      expect((await counts(db)).relics).toBe(0);
    }
  });
});

describe('a unit whose life no longer holds its stored reports', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb('postgres');
    expectImported(await importPath(handle.db, NDJSON));
  });
  afterAll(async () => handle?.close());

  it('is refused: closing C1 on 31 March would leave its reports of 31 March and 1 April outside its life', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/import-`);
    // C1 closes with its branches; B11's report of 1 March stays inside its life.
    const closing = SMALL_TREE.filter((r) => r.type === 'unit' && ['C1', 'B11', 'B12'].includes(r.code));
    await writeFile(`${dir}/close.ndjson`, closing.map((r) => `${JSON.stringify({ ...r, validTo: '2026-03-31T00:00:00+07:00' })}\n`).join(''));
    const result = await importPath(handle.db, `${dir}/close.ndjson`);
    expect(result.status).not.toBe('imported');
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.reason).toMatch(/unit C1: a report dated 2026-03-31 would lie outside its life/);
    // Nothing changed: C1 is open and its April report (5) still counts.
    const [c1Row] = await rows<{ valid_to: Date | null }>(handle.db, sql`SELECT valid_to FROM units WHERE code = 'C1'`);
    expect(c1Row!.valid_to).toBeNull();
    expect(await kpi(handle.db, 'VNEID_INSTALLS', 'P1', '2026-04')).toEqual([5, null]);
  });
});

describe('instants and target periods', () => {
  it('reads instants with an offset and bare dates as Vietnam midnight, and refuses a time without offset', () => {
    const at = (text: string) => {
      const r = parseInstant(text);
      return typeof r === 'string' ? r : new Date(r.ms).toISOString();
    };
    expect(at('2026-03-31T23:30:00+07:00')).toBe('2026-03-31T16:30:00.000Z');
    expect(at('2026-03-31T17:00:00Z')).toBe('2026-03-31T17:00:00.000Z');
    expect(at('2026-03-31T23:30+07:00')).toBe('2026-03-31T16:30:00.000Z');
    expect(at('2026-03-31T10:00:00.250-05:30')).toBe('2026-03-31T15:30:00.250Z');
    expect(at('2026-04-01')).toBe('2026-03-31T17:00:00.000Z');
    expect(at('2026-03-31T23:30:00')).toMatch(/needs an offset/);
    expect(at('2026-02-29T08:00:00+07:00')).toBe('2026-02 has no day 29');
    expect(at('2026-03-31T24:00:00Z')).toBe('has no such time of day');
    expect(at('31/03/2026')).toMatch(/^must be an instant like/);
  });

  it('gives a target period the bounds and canonical text of the period grammar', () => {
    for (const text of ['2026', '2026-H1', '2026-h2', '2026-Q1', '2026-Q4', '2026-03', '2026-12', '2025/2030']) {
      const mine = parseTargetPeriod(text);
      const grammar = parsePeriod(text);
      expect(typeof mine === 'string' ? mine : [mine.id, new Date(mine.start).getTime(), new Date(mine.end).getTime()]).toEqual([
        grammar.id,
        grammar.start.getTime(),
        grammar.end.getTime(),
      ]);
    }
    for (const text of ['2026-W11', '2026-03-15', '2026-03-01..2026-05-31', '2030/2025', '2026-13']) {
      expect(typeof parseTargetPeriod(text)).toBe('string');
    }
  });
});
