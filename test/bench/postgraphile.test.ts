// The bench's comparison (test/bench/postgraphile.ts) answers what the contract says: the
// view `naive_api.kpi_month`, served by PostGraphile 4 over HTTP, gives every KPI of a
// unit's children in a month exactly as computeKpis (schema/kpi/compute.ts) does, on the
// demo data and on a small hand-made province whose boundary cases are counted by hand.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, rows, type DbHandle } from '../../db/client.js';
import { seedDemo } from '../../db/demo/seed.js';
import { computeKpis } from '../../schema/kpi/compute.js';
import { monthPeriod } from '../../domain/period.js';
import { KPI_IDS } from '../../domain/catalogue.js';
import { createTestDatabase } from '../support/db.js';
import { createKpiView, postgraphileDashboard, startPostGraphile, type DashboardParts } from './postgraphile.js';

// End of 2026-10: 2026-11-01T00:00+07:00. Every boundary case below sits on it or just before it.
const END = `'2026-11-01T00:00:00+07:00'::timestamptz`;
const JUST_BEFORE = `'2026-10-31T23:59:59+07:00'::timestamptz`;
const OPENED = `'2020-01-01T00:00:00+07:00'::timestamptz`;
const CLOSED_EARLY = `'2026-10-20T00:00:00+07:00'::timestamptz`;
const unit = (code: string) => `(SELECT id FROM units WHERE code = '${code}')`;

/**
 * Province ZZ under TW: commune ZZ-A (open) with branches ZZ-A-1 and ZZ-A-2; commune ZZ-B and
 * its branch closed on 2026-10-20; commune ZZ-C and its branch closed exactly at End (so still
 * active at End).
 */
const HAND_MADE = [
  `INSERT INTO units (code, name, search_name, level, parent_id, valid_from, valid_to) VALUES
     ('ZZ', 'Tỉnh Thử', 'tinh thu', 'PROVINCE', ${unit('TW')}, ${OPENED}, NULL)`,
  `INSERT INTO units (code, name, search_name, level, parent_id, valid_from, valid_to) VALUES
     ('ZZ-A', 'Xã A', 'xa a', 'COMMUNE', ${unit('ZZ')}, ${OPENED}, NULL),
     ('ZZ-B', 'Xã B', 'xa b', 'COMMUNE', ${unit('ZZ')}, ${OPENED}, ${CLOSED_EARLY}),
     ('ZZ-C', 'Xã C', 'xa c', 'COMMUNE', ${unit('ZZ')}, ${OPENED}, ${END})`,
  `INSERT INTO units (code, name, search_name, level, parent_id, valid_from, valid_to) VALUES
     ('ZZ-A-1', 'Chi đoàn A1', 'chi doan a1', 'BRANCH', ${unit('ZZ-A')}, ${OPENED}, NULL),
     ('ZZ-A-2', 'Chi đoàn A2', 'chi doan a2', 'BRANCH', ${unit('ZZ-A')}, ${OPENED}, NULL),
     ('ZZ-B-1', 'Chi đoàn B1', 'chi doan b1', 'BRANCH', ${unit('ZZ-B')}, ${OPENED}, ${CLOSED_EARLY}),
     ('ZZ-C-1', 'Chi đoàn C1', 'chi doan c1', 'BRANCH', ${unit('ZZ-C')}, ${OPENED}, ${END})`,
  // zz-1 … zz-7: active at End are zz-1, zz-2, zz-3 (left exactly at End), zz-6 (moved out of
  // ZZ-C-1 exactly at End: still there at End) and zz-7 (moved from closed ZZ-B-1 into ZZ-A-1).
  `INSERT INTO members (external_id, unit_id, unit_since, joined_at, left_at, digitized_at, app_activated_at) VALUES
     ('zz-1', ${unit('ZZ-A-1')}, '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00', NULL, '2025-01-01T00:00:00+07:00', ${JUST_BEFORE}),
     ('zz-2', ${unit('ZZ-A-1')}, '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00', NULL, '2025-02-01T00:00:00+07:00', ${END}),
     ('zz-3', ${unit('ZZ-A-2')}, '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00', ${END}, ${END}, '2025-03-01T00:00:00+07:00'),
     ('zz-4', ${unit('ZZ-A-2')}, '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00', ${JUST_BEFORE}, '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00'),
     ('zz-5', ${unit('ZZ-A-2')}, ${END}, ${END}, NULL, ${END}, ${END}),
     ('zz-6', ${unit('ZZ-A-2')}, ${END}, '2025-01-01T00:00:00+07:00', NULL, '2024-06-01T00:00:00+07:00', NULL),
     ('zz-7', ${unit('ZZ-A-1')}, ${CLOSED_EARLY}, '2025-01-01T00:00:00+07:00', NULL, '2024-06-01T00:00:00+07:00', '2026-03-01T00:00:00+07:00')`,
  `INSERT INTO member_unit_history (member_id, unit_id, from_at, to_at) VALUES
     ((SELECT id FROM members WHERE external_id = 'zz-6'), ${unit('ZZ-C-1')}, '2025-01-01T00:00:00+07:00', ${END}),
     ((SELECT id FROM members WHERE external_id = 'zz-7'), ${unit('ZZ-B-1')}, '2025-01-01T00:00:00+07:00', ${CLOSED_EARLY})`,
  // 2026-10 reads the 2025 evaluations: zz-1 and zz-6 hold one recorded before End; zz-7's is recorded at End, zz-2's is for 2026.
  `INSERT INTO member_evaluations (member_id, year, recorded_at) VALUES
     ((SELECT id FROM members WHERE external_id = 'zz-1'), 2025, '2025-12-20T00:00:00+07:00'),
     ((SELECT id FROM members WHERE external_id = 'zz-6'), 2025, '2026-01-10T00:00:00+07:00'),
     ((SELECT id FROM members WHERE external_id = 'zz-7'), 2025, ${END}),
     ((SELECT id FROM members WHERE external_id = 'zz-2'), 2026, '2026-10-05T00:00:00+07:00')`,
  `INSERT INTO digital_models (external_id, unit_id, kind, established_at, effective_from, ended_at) VALUES
     ('zz-m1', ${unit('ZZ-A-1')}, 'demo', '2025-01-01T00:00:00+07:00', '2025-06-01T00:00:00+07:00', NULL),
     ('zz-m2', ${unit('ZZ-A-2')}, 'demo', '2025-01-01T00:00:00+07:00', NULL, NULL),
     ('zz-m3', ${unit('ZZ-C-1')}, 'demo', '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00', ${END}),
     ('zz-m4', ${unit('ZZ-B-1')}, 'demo', '2025-01-01T00:00:00+07:00', '2025-01-01T00:00:00+07:00', NULL)`,
  `INSERT INTO teams (external_id, unit_id, established_at, disbanded_at) VALUES
     ('zz-t1', ${unit('ZZ-A-1')}, '2025-01-01T00:00:00+07:00', NULL),
     ('zz-t2', ${unit('ZZ-C')}, '2025-01-01T00:00:00+07:00', ${JUST_BEFORE}),
     ('zz-t3', ${unit('ZZ-B')}, '2025-01-01T00:00:00+07:00', ${CLOSED_EARLY})`,
  `INSERT INTO team_roster (team_id, person, from_at, to_at) VALUES
     ((SELECT id FROM teams WHERE external_id = 'zz-t1'), 'p1', '2025-01-01T00:00:00+07:00', NULL),
     ((SELECT id FROM teams WHERE external_id = 'zz-t1'), 'p2', '2025-01-01T00:00:00+07:00', ${END}),
     ((SELECT id FROM teams WHERE external_id = 'zz-t1'), 'p3', '2025-01-01T00:00:00+07:00', ${JUST_BEFORE}),
     ((SELECT id FROM teams WHERE external_id = 'zz-t1'), 'p4', ${END}, NULL),
     ((SELECT id FROM teams WHERE external_id = 'zz-t2'), 'p1', '2025-01-01T00:00:00+07:00', NULL)`,
  `INSERT INTO startup_products (external_id, unit_id, name, listed_at, delisted_at) VALUES
     ('zz-s1', ${unit('ZZ-A')}, 'Chè', '2026-05-01T00:00:00+07:00', ${END}),
     ('zz-s2', ${unit('ZZ-A')}, 'Mật ong', ${END}, NULL),
     ('zz-s3', ${unit('ZZ-A')}, 'Miến', '2026-05-01T00:00:00+07:00', ${JUST_BEFORE}),
     ('zz-s4', ${unit('ZZ')}, 'Hồi', '2025-01-01T00:00:00+07:00', NULL)`,
  `INSERT INTO relics (external_id, unit_id, name, digitized_at) VALUES
     ('zz-r1', ${unit('ZZ-A-1')}, 'Đình A', '2024-01-01T00:00:00+07:00'),
     ('zz-r2', ${unit('ZZ-A-1')}, 'Chùa A', NULL),
     ('zz-r3', ${unit('ZZ-C-1')}, 'Đền C', ${JUST_BEFORE}),
     ('zz-r4', ${unit('ZZ-B-1')}, 'Miếu B', '2024-01-01T00:00:00+07:00')`,
  // Reports dated inside October count, in closed ZZ-B-1 too (before it closed); 30 September and 1 November do not.
  `INSERT INTO activity_reports (unit_id, kind, date, count) VALUES
     (${unit('ZZ-A-1')}, 'VNEID_INSTALLS', '2026-10-31', 7),
     (${unit('ZZ-A-1')}, 'VNEID_INSTALLS', '2026-11-01', 100),
     (${unit('ZZ-A')}, 'VNEID_INSTALLS', '2026-10-01', 5),
     (${unit('ZZ-A')}, 'VNEID_INSTALLS', '2026-09-30', 1000),
     (${unit('ZZ-B-1')}, 'VNEID_INSTALLS', '2026-10-19', 11),
     (${unit('ZZ-C-1')}, 'DIGITAL_SKILLS_TRAINED', '2026-10-31', 3)`,
];

const OCTOBER = monthPeriod(2026, 10);

type Parts = { numerator: number; denominator: number | null };
const plain = (m: DashboardParts) =>
  Object.fromEntries([...m].map(([code, byKpi]) => [code, Object.fromEntries([...byKpi].sort(([a], [b]) => a.localeCompare(b)))]));

describe('PostGraphile over the naive KPI view', () => {
  let handle: DbHandle;
  let server: Awaited<ReturnType<typeof startPostGraphile>> | undefined;

  beforeAll(async () => {
    const url = await createTestDatabase();
    handle = await openDb({ url, driver: 'pg' });
    await handle.migrate();
    await seedDemo(handle.db);
    for (const statement of HAND_MADE) await handle.db.execute(sql.raw(statement));
    await createKpiView(handle.db);
    server = await startPostGraphile(url);
  });
  afterAll(async () => {
    await server?.close();
    await handle?.close();
  });

  /** computeKpis for the children of a unit in 2026-10, as unit code → KPI id → parts. */
  async function expected(parentCode: string): Promise<DashboardParts> {
    const children = await rows<{ id: number; code: string }>(
      handle.db,
      sql`SELECT u.id, u.code FROM units u JOIN units p ON p.id = u.parent_id WHERE p.code = ${parentCode} ORDER BY u.code`,
    );
    const ids = children.map((c) => c.id);
    const results = await computeKpis(handle.db, KPI_IDS.map((kpi) => ({ kpi, period: OCTOBER, unitIds: ids })));
    return new Map(
      children.map((c) => [c.code, new Map<string, Parts>(KPI_IDS.map((kpi, i) => [kpi, results[i]!.get(c.id)!]))]),
    );
  }

  it.each([
    ['TW', 'the provinces (and the two that merged into Thái Nguyên in 2025)', 37],
    ['LS', "Lạng Sơn's communes and bloc", 66],
    ['ZZ', "the hand-made province's communes", 3],
  ])('gives every KPI of the children of %s (%s) in 2026-10 as computeKpis does', async (parentCode, _, count) => {
    const [got, want] = await Promise.all([postgraphileDashboard(server!.url, parentCode, '2026-10'), expected(parentCode)]);
    expect(want.size).toBe(count);
    expect(plain(got)).toEqual(plain(want));
  });

  it('counts the hand-made boundary cases as the contract words them', async () => {
    const zz = (await postgraphileDashboard(server!.url, 'TW', '2026-10')).get('ZZ')!;
    expect(Object.fromEntries(zz)).toEqual({
      // zz-1, zz-2, zz-3, zz-6, zz-7 active; the app activated before End by zz-1, zz-3, zz-7.
      APP_ADOPTION: { numerator: 3, denominator: 5 },
      // digitized before End: zz-1, zz-2, zz-6, zz-7 (zz-3 exactly at End).
      MEMBER_DATA_DIGITIZED: { numerator: 4, denominator: 5 },
      // a 2025 evaluation recorded before End: zz-1, zz-6.
      MEMBERS_EVALUATED: { numerator: 2, denominator: 5 },
      // branches ZZ-A-1, ZZ-A-2, ZZ-C-1; effective models in ZZ-A-1 and ZZ-C-1 (ended exactly at End).
      DIGITAL_MODEL_COVERAGE: { numerator: 2, denominator: 3 },
      // communes ZZ-A, ZZ-C; ZZ-A's team is on its branch, ZZ-C's was disbanded just before End.
      COMMUNE_TEAM_COVERAGE: { numerator: 1, denominator: 2 },
      // p1 and p2 (left exactly at End) on zz-t1.
      DIGITAL_TEAM_MEMBERS: { numerator: 2, denominator: null },
      // zz-s1 (delisted exactly at End) and zz-s4.
      STARTUP_PRODUCTS_LISTED: { numerator: 2, denominator: null },
      // zz-r1 and zz-r3 (zz-r4's branch closed before End).
      RELICS_DIGITIZED: { numerator: 2, denominator: null },
      VNEID_INSTALLS: { numerator: 7 + 5 + 11, denominator: null },
      VNEID_ACTIVATIONS: { numerator: 0, denominator: null },
      DIGITAL_ACCOUNTS: { numerator: 0, denominator: null },
      ECOMMERCE_PRODUCTS: { numerator: 0, denominator: null },
      DIGITAL_SKILLS_TRAINED: { numerator: 3, denominator: null },
    });
    const communes = await postgraphileDashboard(server!.url, 'ZZ', '2026-10');
    expect(communes.get('ZZ-A')!.get('APP_ADOPTION')).toEqual({ numerator: 3, denominator: 4 });
    expect(communes.get('ZZ-B')!.get('APP_ADOPTION')).toEqual({ numerator: 0, denominator: 0 });
    expect(communes.get('ZZ-B')!.get('VNEID_INSTALLS')).toEqual({ numerator: 11, denominator: null });
    expect(communes.get('ZZ-C')!.get('APP_ADOPTION')).toEqual({ numerator: 0, denominator: 1 });
  });
});
