// Every KPI on the small tree (test/fixtures/small-tree.ts), on real PostgreSQL and on
// PGlite. Each expected number is recomputed by hand in the comment beside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.js';
import type { UnitLevel } from '../../../db/schema.js';
import { computeKpi } from '../../../schema/kpi/compute.js';
import { parsePeriod } from '../../../domain/period.js';
import { readKpis, servedByRollups } from '../../../schema/kpi/read.js';
import type { KpiId } from '../../../domain/catalogue.js';
import { adminHeaders, testYoga } from '../../support/auth.js';
import { loadSmallTree } from '../../fixtures/small-tree.js';
import { ENGINES, openTestDb } from '../../support/db.js';

type Row = [kpi: KpiId, unit: string, period: string, numerator: number, denominator: number | null, value: number | null];

// prettier-ignore
const EXPECTED: Row[] = [
  // APP_ADOPTION, March 2026 (End = 2026-04-01 00:00 +07:00).
  ['APP_ADOPTION', 'B11', '2026-03', 1, 2, 50],        // m1 ✓, m2 (joined 23:30 on 31 Mar) ✗; m3 joins at End; m9 moved out on 10 Mar
  ['APP_ADOPTION', 'B12', '2026-03', 3, 4, 75],        // m4 ✓ (23:59), m5 ✗ (at End), m6 ✓ (leaves at End), m9 ✓; m7 left
  ['APP_ADOPTION', 'C1', '2026-03', 4, 6, 66.67],      // B11 + B12: (1+3)/(2+4), not the mean of 50 % and 75 %
  ['APP_ADOPTION', 'C2', '2026-03', 0, 0, null],       // closed on 15 Mar with B21: nothing left at End
  ['APP_ADOPTION', 'C3', '2026-03', 0, 0, null],       // no branches: denominator 0
  ['APP_ADOPTION', 'P1', '2026-03', 4, 6, 66.67],
  ['APP_ADOPTION', 'TW', '2026-03', 4, 6, 66.67],
  ['APP_ADOPTION', 'P1', '2026-Q1', 4, 6, 66.67],      // same End as March
  ['APP_ADOPTION', 'P1', '2026-03-31', 4, 6, 66.67],   // same End as March
  ['APP_ADOPTION', 'C1', '2026-03-30', 3, 5, 60],      // End 31 Mar 00:00: B11 m1 ✓ (m2 not yet); B12 m4 ✗, m5 ✗, m6 ✓, m9 ✓
  // February 2026 (End = 2026-03-01): m9 still in B11, B21 still open.
  ['APP_ADOPTION', 'B11', '2026-02', 2, 2, 100],       // m1 ✓, m9 ✓
  ['APP_ADOPTION', 'B12', '2026-02', 2, 4, 50],        // m4 ✗, m5 ✗, m6 ✓, m7 ✓
  ['APP_ADOPTION', 'C2', '2026-02', 1, 1, 100],        // m8 ✓
  ['APP_ADOPTION', 'P1', '2026-02', 5, 7, 71.43],
  // April 2026 (End = 2026-05-01).
  ['APP_ADOPTION', 'B11', '2026-04', 1, 3, 33.33],     // m1 ✓, m2 ✗, m3 ✗
  ['APP_ADOPTION', 'B12', '2026-04', 3, 3, 100],       // m4 ✓, m5 ✓, m9 ✓; m6 left at 1 Apr
  ['APP_ADOPTION', 'P1', '2026-04', 4, 6, 66.67],
  // The year 2025 (End = 2026-01-01).
  ['APP_ADOPTION', 'P1', '2025', 5, 7, 71.43],         // m1, m6, m7, m8, m9 ✓; m4, m5 ✗

  // MEMBER_DATA_DIGITIZED, March 2026: of m1, m2, m4, m5, m6, m9: m1 ✓, m4 ✓ (23:59:59), m2 ✗ (at End).
  ['MEMBER_DATA_DIGITIZED', 'P1', '2026-03', 2, 6, 33.33],
  ['MEMBER_DATA_DIGITIZED', 'B11', '2026-04', 2, 3, 66.67], // m1 ✓, m2 ✓ (1 Apr < 1 May), m3 ✗

  // MEMBERS_EVALUATED: Y = year of the last day if December, else the year before.
  ['MEMBERS_EVALUATED', 'P1', '2026-03', 1, 6, 16.67], // Y = 2025: m1 ✓; m4's is recorded at End ✗
  ['MEMBERS_EVALUATED', 'P1', '2026-04', 2, 6, 33.33], // Y = 2025: m1 ✓, m4 ✓; of m1, m2, m3, m4, m5, m9
  ['MEMBERS_EVALUATED', 'P1', '2025', 1, 7, 14.29],    // Y = 2025: m1 ✓ of m1, m4–m9
  ['MEMBERS_EVALUATED', 'P1', '2025-11', 1, 7, 14.29], // Y = 2024: m6 ✓ only

  // DIGITAL_MODEL_COVERAGE: branches active at End with an effective model.
  ['DIGITAL_MODEL_COVERAGE', 'P1', '2026-03', 1, 2, 50],    // B11 ✓, B12 ✗ (never effective); B21 closed
  ['DIGITAL_MODEL_COVERAGE', 'P1', '2026-02', 1, 3, 33.33], // B21 still open
  ['DIGITAL_MODEL_COVERAGE', 'P1', '2025-06', 0, 3, 0],     // dm1 effective only from 1 Aug 2025
  ['DIGITAL_MODEL_COVERAGE', 'C3', '2026-03', 0, 0, null],  // no branches

  // COMMUNE_TEAM_COVERAGE: communes active at End with a team active at End.
  ['COMMUNE_TEAM_COVERAGE', 'P1', '2026-03', 1, 2, 50],    // C1 ✓, C3 ✗; C2 closed
  ['COMMUNE_TEAM_COVERAGE', 'P1', '2026-02', 2, 3, 66.67], // C1 ✓, C2 ✓, C3 ✗
  ['COMMUNE_TEAM_COVERAGE', 'P1', '2025-06', 0, 3, 0],     // teams set up in September 2025
  ['COMMUNE_TEAM_COVERAGE', 'C1', '2026-03', 1, 1, 100],
  ['COMMUNE_TEAM_COVERAGE', 'B11', '2026-03', 0, 0, null], // a branch holds no commune

  // DIGITAL_TEAM_MEMBERS (stock): roster entries active at End on teams active at End.
  ['DIGITAL_TEAM_MEMBERS', 'P1', '2026-03', 2, null, 2],   // p1, p2 (leaves at End); p3 starts at End; C2's team closed with C2
  ['DIGITAL_TEAM_MEMBERS', 'P1', '2026-02', 3, null, 3],   // p1, p2, p4
  ['DIGITAL_TEAM_MEMBERS', 'C1', '2026-04', 2, null, 2],   // p1, p3

  // STARTUP_PRODUCTS_LISTED (stock): delisted exactly at End still counts.
  ['STARTUP_PRODUCTS_LISTED', 'P1', '2026-03', 1, null, 1],
  ['STARTUP_PRODUCTS_LISTED', 'P1', '2026-04', 0, null, 0],
  ['STARTUP_PRODUCTS_LISTED', 'P1', '2025', 0, null, 0],

  // RELICS_DIGITIZED (stock): r1 digitized 31 Mar 23:59; r2 never.
  ['RELICS_DIGITIZED', 'P1', '2026-03', 1, null, 1],
  ['RELICS_DIGITIZED', 'P1', '2026-03-30', 0, null, 0],
  ['RELICS_DIGITIZED', 'P1', '2026-03-31', 1, null, 1],

  // VNEID_INSTALLS (flow): C1 10 on 31 Mar and 5 on 1 Apr; C2 7 on 10 Mar; B11 3 on 1 Mar.
  ['VNEID_INSTALLS', 'P1', '2026-03', 20, null, 20],   // 10 + 7 + 3: C2 closed later, its March report stays
  ['VNEID_INSTALLS', 'C1', '2026-03', 13, null, 13],   // 10 + B11's 3
  ['VNEID_INSTALLS', 'C2', '2026-03', 7, null, 7],
  ['VNEID_INSTALLS', 'B12', '2026-03', 0, null, 0],
  ['VNEID_INSTALLS', 'P1', '2026-04', 5, null, 5],
  ['VNEID_INSTALLS', 'P1', '2026-Q1', 20, null, 20],
  ['VNEID_INSTALLS', 'TW', '2026', 25, null, 25],
  ['VNEID_INSTALLS', 'P1', '2026-03-31', 10, null, 10],
  ['VNEID_INSTALLS', 'P1', '2026-03-02..2026-03-31', 17, null, 17], // B11's 1 March report is outside
  // DIGITAL_ACCOUNTS: C1 4 on 31 Dec 2025; ISO week 2026-W01 runs Mon 29 Dec 2025 – Sun 4 Jan 2026.
  ['DIGITAL_ACCOUNTS', 'P1', '2025', 4, null, 4],
  ['DIGITAL_ACCOUNTS', 'P1', '2026', 0, null, 0],
  ['DIGITAL_ACCOUNTS', 'P1', '2026-W01', 4, null, 4],
  ['VNEID_ACTIVATIONS', 'P1', '2026', 0, null, 0],
];

describe.each(ENGINES)('KPI values on the small tree (%s)', (engine) => {
  let handle: DbHandle;
  const ids = new Map<string, number>();
  const levels = new Map<string, UnitLevel>();

  beforeAll(async () => {
    handle = await openTestDb(engine);
    await loadSmallTree(handle.db);
    const found = await handle.db.query.units.findMany({ columns: { id: true, code: true, level: true } });
    for (const u of found) {
      ids.set(u.code, u.id);
      levels.set(u.code, u.level);
    }
  });
  afterAll(async () => handle?.close());

  it.each(EXPECTED)('%s of %s for %s is %i / %s', async (kpi, unit, period, numerator, denominator, value) => {
    // Straight from the base tables…
    const parts = await computeKpi(handle.db, kpi, parsePeriod(period), [ids.get(unit)!]);
    expect(parts.get(ids.get(unit)!)).toEqual({ numerator, denominator });
    // …and as the API reads it: from the roll-ups wherever they hold the value.
    const [read] = await readKpis(handle.db, [{ kpi, period: parsePeriod(period), unitId: ids.get(unit)!, level: levels.get(unit)! }]);
    expect({ numerator: read!.numerator, denominator: read!.denominator }).toEqual({ numerator, denominator });
    const shown = denominator === null ? numerator : denominator === 0 ? null : (100 * numerator) / denominator;
    if (value === null) expect(shown).toBeNull();
    else expect(shown).toBeCloseTo(value, 2);
  });

  it('answers many units in one statement, through GraphQL, with null on a zero denominator', async () => {
    const yoga = await testYoga(handle.db);
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
      body: JSON.stringify({
        query: `{ unit(code: "P1") {
          kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator period { start end } }
          children(includeClosed: true) { nodes { code kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator } } }
        } }`,
      }),
    });
    const body = await response.json();
    expect(body.errors).toBeUndefined();
    expect(body.data.unit.kpi).toEqual({
      value: (100 * 4) / 6,
      numerator: 4,
      denominator: 6,
      period: { start: '2026-03-01T00:00:00+07:00', end: '2026-04-01T00:00:00+07:00' },
    });
    expect(body.data.unit.children.nodes).toEqual([
      { code: 'C1', kpi: { value: (100 * 4) / 6, numerator: 4, denominator: 6 } },
      { code: 'C2', kpi: { value: null, numerator: 0, denominator: 0 } },
      { code: 'C3', kpi: { value: null, numerator: 0, denominator: 0 } },
    ]);
  });

  it('reads most of these from the roll-ups: everything above branch level at month starts, and mid-month for provinces', () => {
    const served = EXPECTED.filter(([kpi, unit, period]) => servedByRollups({ kpi, period: parsePeriod(period), unitId: 0, level: levels.get(unit)! }));
    // Of the 55 rows, the 9 branch rows and C1 on 30 March are computed from the base tables.
    expect(EXPECTED).toHaveLength(55);
    expect(served.length).toBe(45);
    expect(servedByRollups({ kpi: 'APP_ADOPTION', period: parsePeriod('2026-03-30'), unitId: 0, level: 'PROVINCE' })).toBe(true);
    expect(servedByRollups({ kpi: 'APP_ADOPTION', period: parsePeriod('2026-03-30'), unitId: 0, level: 'COMMUNE' })).toBe(false);
    expect(servedByRollups({ kpi: 'APP_ADOPTION', period: parsePeriod('2026-03'), unitId: 0, level: 'BRANCH' })).toBe(false);
  });
});
