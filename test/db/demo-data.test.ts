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

  it('plans about 6 million members at national scale and 75,000 at demo scale', () => {
    expect(plan('national').members).toBeGreaterThan(5_900_000);
    expect(plan('national').members).toBeLessThan(6_100_000);
    expect(plan('demo').members).toBe(75_000); // Lạng Sơn 50,000 + Hà Nội 20,000 + Huế 5,000
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
    expect(stats.rows.members).toBe(75_000);
    expect(stats.result.types.member).toBe(75_000);
    // 1 central + 34 provinces + 65 + 126 + 40 communes, 3 blocs, and their branches.
    const communes = 65 + 126 + 40;
    expect(stats.rows.units).toBeGreaterThan(1 + 34 + communes + 3 + 75_000 / 90);
    expect(stats.rows.activity_reports).toBe(communes * 34 * 5); // Jan 2024 – Oct 2026, 5 kinds, per commune
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
