// The dashboard surface on the small tree (test/fixtures/small-tree.ts): many KPIs at once,
// comparisons, breakdowns with ranks, series, the compare matrix, asOf and bad input.
// Every number is recomputed by hand in the comments (see kpi-values.test.ts for the
// members, reports and their boundaries).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.js';
import { upsertReport } from '../../../db/writes.js';
import { loadSmallTree } from '../../fixtures/small-tree.js';
import { openTestDb } from '../../support/db.js';
import { graphqlClient } from '../../support/graphql.js';

let handle: DbHandle;
let query: ReturnType<typeof graphqlClient>;

beforeAll(async () => {
  handle = await openTestDb('postgres');
  await loadSmallTree(handle.db);
  query = graphqlClient(handle.db);
});
afterAll(async () => handle?.close());

async function data(q: string, variables?: Record<string, unknown>) {
  const r = await query(q, variables);
  expect(r.errors).toBeUndefined();
  return r.data;
}

describe('Unit.kpis', () => {
  it('gives several KPIs for one period, with the previous period and the same period last year', async () => {
    const d = await data(`{ unit(code: "P1") { kpis(ids: [APP_ADOPTION, VNEID_INSTALLS], period: "2026-03") {
      kpi { id } value numerator denominator
      previous { period { id } value numerator denominator difference relativeChange }
      lastYear { period { id } value numerator denominator difference }
    } } }`);
    const [app, installs] = d.unit.kpis;
    // APP_ADOPTION: March 4/6; February 5/7 (m9 still in B11, B21 open); March 2025: m1 ✓, m9 ✓, m8 ✗ (app in May) = 2/3.
    expect(app).toMatchObject({ kpi: { id: 'APP_ADOPTION' }, numerator: 4, denominator: 6 });
    expect(app.previous).toMatchObject({ period: { id: '2026-02' }, numerator: 5, denominator: 7 });
    expect(app.previous.difference).toBeCloseTo(400 / 6 - 500 / 7, 10); // −4.76 percentage points
    expect(app.previous.relativeChange).toBeCloseTo((100 * (400 / 6 - 500 / 7)) / (500 / 7), 10); // −6.67 %
    expect(app.lastYear).toMatchObject({ period: { id: '2025-03' }, numerator: 2, denominator: 3 });
    expect(app.lastYear.difference).toBeCloseTo(0, 10); // 66.67 % both times
    // VNEID_INSTALLS: March 20 (10 + 7 + 3); February 0; March 2025 0.
    expect(installs).toMatchObject({ value: 20, numerator: 20, denominator: null });
    expect(installs.previous).toEqual({ period: { id: '2026-02' }, value: 0, numerator: 0, denominator: null, difference: 20, relativeChange: null });
  });

  it('gives all 13 KPIs when no ids are given', async () => {
    const d = await data(`{ unit(code: "P1") { kpis(period: "2026-03") { kpi { id } value } } }`);
    expect(d.unit.kpis).toHaveLength(13);
    expect(d.unit.kpis.find((k: { kpi: { id: string } }) => k.kpi.id === 'DIGITAL_TEAM_MEMBERS').value).toBe(2);
  });
});

describe('Unit.breakdown', () => {
  it('ranks the children that lived during the period, nulls last', async () => {
    const d = await data(`{ unit(code: "P1") { breakdown(kpi: APP_ADOPTION, period: "2026-03") {
      nodes { unit { code } value numerator denominator rank } } } }`);
    // C1 4/6; C2 closed on 15 March (lived in March, nothing left at End); C3 has no members.
    expect(d.unit.breakdown.nodes).toEqual([
      { unit: { code: 'C1' }, value: 400 / 6, numerator: 4, denominator: 6, rank: 1 },
      { unit: { code: 'C2' }, value: null, numerator: 0, denominator: 0, rank: null },
      { unit: { code: 'C3' }, value: null, numerator: 0, denominator: 0, rank: null },
    ]);
  });

  it('breaks down to a level below, in the order asked, paginated', async () => {
    const q = `query ($order: BreakdownOrder, $first: Int, $after: String) { unit(code: "P1") {
      breakdown(kpi: APP_ADOPTION, period: "2026-03", level: BRANCH, orderBy: $order, first: $first, after: $after) {
        nodes { unit { code } value rank } pageInfo { hasNextPage endCursor } } } }`;
    // B11 1/2 = 50 %, B12 3/4 = 75 %, B21 closed mid-March: null.
    const desc = await data(q, { order: 'VALUE_DESC' });
    expect(desc.unit.breakdown.nodes).toEqual([
      { unit: { code: 'B12' }, value: 75, rank: 1 },
      { unit: { code: 'B11' }, value: 50, rank: 2 },
      { unit: { code: 'B21' }, value: null, rank: null },
    ]);
    const asc = await data(q, { order: 'VALUE_ASC', first: 2 });
    expect(asc.unit.breakdown.nodes.map((n: { unit: { code: string } }) => n.unit.code)).toEqual(['B11', 'B12']);
    expect(asc.unit.breakdown.pageInfo.hasNextPage).toBe(true);
    const rest = await data(q, { order: 'VALUE_ASC', first: 2, after: asc.unit.breakdown.pageInfo.endCursor });
    expect(rest.unit.breakdown.nodes).toEqual([{ unit: { code: 'B21' }, value: null, rank: null }]);
  });

  it('shares a rank between equal values', async () => {
    // VNEID_INSTALLS, March, by branch: B11 3, B12 0, B21 0.
    const d = await data(`{ unit(code: "P1") { breakdown(kpi: VNEID_INSTALLS, period: "2026-03", level: BRANCH) { nodes { unit { code } value rank } } } }`);
    expect(d.unit.breakdown.nodes).toEqual([
      { unit: { code: 'B11' }, value: 3, rank: 1 },
      { unit: { code: 'B12' }, value: 0, rank: 2 },
      { unit: { code: 'B21' }, value: 0, rank: 2 },
    ]);
  });

  it('refuses a level that is not below the unit', async () => {
    const r = await query(`{ unit(code: "C1") { breakdown(kpi: APP_ADOPTION, period: "2026-03", level: PROVINCE) { nodes { value } } } }`);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'level', reason: 'PROVINCE is not below COMMUNE C1' });
  });
});

describe('Unit.series', () => {
  it.each([
    ['MONTH', '2026-02', '2026-04', [['2026-02', 0], ['2026-03', 20], ['2026-04', 5]]],
    ['DAY', '2026-03-30', '2026-04-01', [['2026-03-30', 0], ['2026-03-31', 10], ['2026-04-01', 5]]],
    ['QUARTER', '2026-01', '2026-06', [['2026-Q1', 20], ['2026-Q2', 5]]],
    ['YEAR', '2025', '2026', [['2025', 0], ['2026', 25]]],
    ['WEEK', '2026-03-30', '2026-04-05', [['2026-W14', 15]]], // Monday 30 March – Sunday 5 April
  ])('VNEID_INSTALLS of P1 by %s from %s to %s', async (grain, from, to, expected) => {
    const d = await data(`query ($from: String!, $to: String!, $grain: Grain!) { unit(code: "P1") { series(kpi: VNEID_INSTALLS, from: $from, to: $to, grain: $grain) { period { id } value } } }`, {
      from,
      to,
      grain,
    });
    expect(d.unit.series.map((p: { period: { id: string }; value: number }) => [p.period.id, p.value])).toEqual(expected);
  });

  it('gives a ratio month by month: APP_ADOPTION of C1', async () => {
    const d = await data(`{ unit(code: "C1") { series(kpi: APP_ADOPTION, from: "2026-02", to: "2026-04", grain: MONTH) { numerator denominator } } }`);
    // February: B11 2/2 + B12 2/4; March: 1/2 + 3/4; April: 1/3 + 3/3.
    expect(d.unit.series).toEqual([
      { numerator: 4, denominator: 6 },
      { numerator: 4, denominator: 6 },
      { numerator: 4, denominator: 6 },
    ]);
  });

  it.each([
    [`series(kpi: VNEID_INSTALLS, from: "2026-05", to: "2026-03", grain: MONTH)`, 'to'],
    [`series(kpi: VNEID_INSTALLS, from: "2020", to: "2026", grain: DAY)`, 'grain'],
    [`series(kpi: VNEID_INSTALLS, from: "2026-13", to: "2026-03", grain: MONTH)`, 'from'],
  ])('%s is refused naming "%s"', async (field, argument) => {
    const r = await query(`{ unit(code: "P1") { ${field} { value } } }`);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
  });
});

describe('compare', () => {
  it('puts units and KPIs side by side', async () => {
    const d = await data(`{ compare(units: ["P1", "C1", "C3"], kpis: [APP_ADOPTION, VNEID_INSTALLS], period: "2026-03") {
      period { id } kpis { id } rows { unit { code } values { value } } } }`);
    expect(d.compare).toEqual({
      period: { id: '2026-03' },
      kpis: [{ id: 'APP_ADOPTION' }, { id: 'VNEID_INSTALLS' }],
      rows: [
        { unit: { code: 'P1' }, values: [{ value: 400 / 6 }, { value: 20 }] },
        { unit: { code: 'C1' }, values: [{ value: 400 / 6 }, { value: 13 }] },
        { unit: { code: 'C3' }, values: [{ value: null }, { value: 0 }] },
      ],
    });
  });

  it('names the unknown unit codes', async () => {
    const r = await query(`{ compare(units: ["P1", "X9", "Y8"], period: "2026") { rows { unit { code } } } }`);
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'units', reason: 'no unit has code "X9", "Y8"' });
  });
});

describe('asOf and freshness', () => {
  it('a write shows at every level on the next read, and asOf moves forward', async () => {
    const q = `{ p1: unit(code: "P1") { kpi(id: VNEID_INSTALLS, period: "2026-03") { value asOf } }
                 c3: unit(code: "C3") { kpi(id: VNEID_INSTALLS, period: "2026-03") { value asOf } }
                 tw: unit(code: "TW") { kpi(id: VNEID_INSTALLS, period: "2026-03") { value } } }`;
    const before = await data(q);
    expect(before.p1.kpi.value).toBe(20);
    expect(before.c3.kpi).toEqual({ value: 0, asOf: null }); // nothing ever reported under C3
    const [c3] = await handle.db.query.units.findMany({ where: (u, { eq }) => eq(u.code, 'C3') });
    await upsertReport(handle.db, { unitId: c3!.id, kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 6 });
    const after = await data(q);
    expect([after.c3.kpi.value, after.p1.kpi.value, after.tw.kpi.value]).toEqual([6, 26, 26]);
    expect(Date.parse(after.p1.kpi.asOf)).toBeGreaterThan(Date.parse(before.p1.kpi.asOf));
    expect(after.c3.kpi.asOf).not.toBeNull();
    // Sent again, a report replaces the earlier one: it never adds.
    await upsertReport(handle.db, { unitId: c3!.id, kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 4 });
    const again = await data(q);
    expect([again.c3.kpi.value, again.p1.kpi.value]).toEqual([4, 24]);
  });
});
