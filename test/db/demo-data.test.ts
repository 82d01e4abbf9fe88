// The demo data set: deterministic, and shaped like the reported figures of DOMAIN.md.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client.js';
import { generate, plan } from '../../db/demo/generate.js';
import { PROVINCES } from '../../db/demo/places.js';
import { seedDemo } from '../../db/demo/seed.js';
import type { SeedStats } from '../../db/demo/seed.js';
import { openTestDb } from '../support/db.js';
import { graphqlClient } from '../support/graphql.js';

function digest(seed: number, count: number): string {
  const hash = createHash('sha256');
  let i = 0;
  for (const record of generate('demo', seed)) {
    hash.update(JSON.stringify(record));
    if (++i === count) break;
  }
  return hash.digest('hex');
}

describe('the generator', () => {
  it('gives the same records for the same seed, and others for another seed', () => {
    expect(digest(7, 20_000)).toBe(digest(7, 20_000));
    expect(digest(7, 20_000)).not.toBe(digest(8, 20_000));
  });

  it('has the 34 provinces and cities of July 2025 with their real names and 3,321 communes', () => {
    expect(PROVINCES).toHaveLength(34);
    expect(PROVINCES.reduce((a, p) => a + p.communes, 0)).toBe(3321);
    const names = PROVINCES.map((p) => p.name);
    expect(names).toContain('Thành phố Hà Nội');
    expect(names).toContain('Tỉnh Lạng Sơn');
    expect(names).toContain('Thành phố Hồ Chí Minh');
    expect(new Set(PROVINCES.map((p) => p.code)).size).toBe(34);
  });

  it('plans about 6 million members at national scale and 78,000 at demo scale', () => {
    expect(plan('national').members).toBeGreaterThan(5_900_000);
    expect(plan('national').members).toBeLessThan(6_100_000);
    expect(plan('demo').members).toBe(78_000); // Lạng Sơn 50,000 + Hà Nội 20,000 + Huế 5,000 + Thái Nguyên's reorganisation 3,000
  });
});

describe('the demo data set in Postgres', () => {
  let handle: DbHandle;
  let stats: SeedStats;
  beforeAll(async () => {
    handle = await openTestDb('postgres');
    stats = await seedDemo(handle.db);
  });
  afterAll(async () => handle?.close());

  it('loads units, members and activity', () => {
    expect(stats.rows.members).toBe(78_000);
    expect(stats.result.types.member).toBe(78_000);
    // 1 central + 34 provinces + 65 + 126 + 40 communes, 3 blocs, and their branches; the 2 old provinces and 13 communes of Thái Nguyên's reorganisation.
    const communes = 65 + 126 + 40;
    expect(stats.rows.units).toBeGreaterThan(1 + 34 + communes + 3 + 75_000 / 90 + 2 + 13);
    // Jan 2024 – Oct 2026 (34 months), 5 kinds, per commune; in Thái Nguyên 6 communes all along, 4 closed on
    // 1 July 2025 (18 months) and 3 opened then (16 months).
    expect(stats.rows.activity_reports).toBe((communes * 34 + 6 * 34 + 4 * 18 + 3 * 16) * 5);
    expect(stats.result.types.reorganisation).toBe(3);
  });

  it('holds Thái Nguyên’s reorganisation of 1 July 2025, read in both views', async () => {
    const query = graphqlClient(handle.db);
    const app = (code: string, period: string, view = 'AS_OF_THEN') => `${code.replace('-', '_')}_${period.replace('-', '_')}_${view}: unit(code: "${code}") { kpi(id: APP_ADOPTION, period: "${period}", view: ${view}) { numerator denominator } }`;
    const installs = (code: string, view = 'AS_OF_THEN') => `${code.replace('-', '_')}_q2_${view}: unit(code: "${code}") { kpi(id: VNEID_INSTALLS, period: "2025-Q2", view: ${view}) { numerator } }`;
    const r = await query(`{
      ${app('TN', '2025-06')} ${app('TN', '2025-06', 'CURRENT_TREE')} ${app('TNC', '2025-06')} ${app('BK', '2025-06')}
      ${app('TN', '2025-08')} ${app('TN', '2025-08', 'CURRENT_TREE')}
      ${installs('TN-0001')} ${installs('TN-0001', 'CURRENT_TREE')} ${installs('TNC-0001')} ${installs('TNC-0002')} ${installs('TNC-0003')}
    }`);
    expect(r.errors).toBeUndefined();
    const v = (key: string) => r.data[key].kpi;
    // The new province did not exist at the end of June 2025; today's tree restates the two old ones onto it.
    expect(v('TN_2025_06_AS_OF_THEN')).toEqual({ numerator: 0, denominator: 0 });
    expect(v('TN_2025_06_CURRENT_TREE')).toEqual({
      numerator: v('TNC_2025_06_AS_OF_THEN').numerator + v('BK_2025_06_AS_OF_THEN').numerator,
      denominator: v('TNC_2025_06_AS_OF_THEN').denominator + v('BK_2025_06_AS_OF_THEN').denominator,
    });
    expect(v('TN_2025_06_CURRENT_TREE').denominator).toBeGreaterThan(2_000);
    // After the merger the two views agree.
    expect(v('TN_2025_08_CURRENT_TREE')).toEqual(v('TN_2025_08_AS_OF_THEN'));
    // Phường Phan Đình Phùng: nothing before it opened; in today's tree, what its three wards reported.
    expect(v('TN_0001_q2_AS_OF_THEN').numerator).toBe(0);
    const wards = ['TNC_0001', 'TNC_0002', 'TNC_0003'].reduce((a, c) => a + v(`${c}_q2_AS_OF_THEN`).numerator, 0);
    expect(wards).toBeGreaterThan(0);
    expect(v('TN_0001_q2_CURRENT_TREE').numerator).toBe(wards);
  });

  it('matches the reported orders of magnitude', async () => {
    const query = graphqlClient(handle.db);
    const r = await query(`{
      ls: unit(code: "LS") {
        digitized: kpi(id: MEMBER_DATA_DIGITIZED, period: "2026-10") { value denominator }
        app: kpi(id: APP_ADOPTION, period: "2026-10") { value }
        evaluated: kpi(id: MEMBERS_EVALUATED, period: "2025") { value }
        teamMembers: kpi(id: DIGITAL_TEAM_MEMBERS, period: "2026-10") { value }
      }
      hn: unit(code: "HN") {
        teams: kpi(id: COMMUNE_TEAM_COVERAGE, period: "2026-10") { numerator denominator }
        teamMembers: kpi(id: DIGITAL_TEAM_MEMBERS, period: "2026-10") { value }
        relics: kpi(id: RELICS_DIGITIZED, period: "2026-11") { value }
      }
    }`);
    expect(r.errors).toBeUndefined();
    const { ls, hn } = r.data;
    expect(ls.digitized.denominator).toBeGreaterThan(40_000); // ≈ 50,000 members, less those who left
    expect(ls.digitized.value).toBeGreaterThan(98.4); // reported 98.7 %
    expect(ls.digitized.value).toBeLessThan(99);
    expect(ls.app.value).toBeGreaterThan(97.5); // reported 98 %
    expect(ls.app.value).toBeLessThan(98.5);
    // Reported 100 %: all but those who joined in December, after the year-end review.
    expect(ls.evaluated.value).toBeGreaterThan(98.5);
    expect(ls.teamMembers.value).toBeGreaterThanOrEqual(1_600); // reported 1,600+
    expect(hn.teams).toEqual({ numerator: 126, denominator: 126 }); // 126 communes and wards with teams
    expect(hn.teamMembers.value).toBeGreaterThanOrEqual(5_000); // 5,000+ young people
    expect(hn.relics.value).toBe(322); // 322 relics digitized
  });
});
