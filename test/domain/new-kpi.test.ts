// A new KPI is one catalogue entry. This file adds two to the catalogue (domain/catalogue.ts)
// for itself only, on records the catalogue already knows (members), and reads them through
// GraphQL, the roll-ups kept by writes, a rebuild from the base tables, and the values
// computed directly (branches, a mid-month End):
//   MEMBERS_ONBOARDED  a stock: members active at End whose profile was digitized and who
//                      activated the Vietnam Youth app, both before End;
//   APP_ACTIVATIONS    a flow: app activations inside the period, at the unit that held
//                      the member then (an activation outside the membership counts nowhere).
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { rows, type DbHandle } from '../../db/client.js';
import { rebuildRollups, rollupSnapshot } from '../../db/rollup.js';
import * as writes from '../../db/writes.js';
import type { KpiEntry } from '../../domain/catalogue.js';
import { graphqlClient } from '../support/graphql.js';
import { openTestDb } from '../support/db.js';

const added = vi.hoisted(
  (): KpiEntry[] => [
    {
      id: 'MEMBERS_ONBOARDED',
      nameVi: 'Số đoàn viên đã số hóa dữ liệu và dùng ứng dụng',
      nameEn: 'Members digitized and on the app',
      description: 'Members active at the end of the period whose profile was digitized and who activated the Vietnam Youth app, both before the end (stock).',
      kind: 'STOCK',
      source: 'members',
      numerator: 'members active at End, digitized and on the app before End',
      counts: { type: 'STOCK', records: 'members', from: ['digitizedAt', 'appActivatedAt'] },
    },
    {
      id: 'APP_ACTIVATIONS',
      nameVi: 'Số lượt kích hoạt ứng dụng Thanh niên Việt Nam',
      nameEn: 'Vietnam Youth app activations',
      description: 'Members who activated the Vietnam Youth app during the period, at the unit that held them then (flow).',
      kind: 'FLOW',
      source: 'members',
      numerator: 'app activations inside the period by members held by the unit then',
      counts: { type: 'FLOW', records: 'members', on: 'appActivatedAt' },
    },
  ],
);

vi.mock('../../domain/catalogue.js', async (importOriginal) => {
  const catalogue = await importOriginal<typeof import('../../domain/catalogue.js')>();
  return { ...catalogue, ...catalogue.defineCatalogue([...catalogue.ENTRIES, ...added]) };
});

const at = (s: string) => new Date(s);
const OPEN = at('2020-01-01T00:00:00+07:00');

describe('two KPIs added by one catalogue entry each', () => {
  let handle: DbHandle;
  let gql: ReturnType<typeof graphqlClient>;

  beforeAll(async () => {
    handle = await openTestDb('postgres');
    const db = handle.db;
    const tw = await writes.createUnit(db, { code: 'TW', name: 'Trung ương Đoàn', level: 'CENTRAL', parentId: null, validFrom: OPEN });
    const p1 = await writes.createUnit(db, { code: 'P1', name: 'Tỉnh Thử Nghiệm', level: 'PROVINCE', parentId: tw, validFrom: OPEN });
    const c1 = await writes.createUnit(db, { code: 'C1', name: 'Xã An Bình', level: 'COMMUNE', parentId: p1, validFrom: OPEN });
    const b1 = await writes.createUnit(db, { code: 'B1', name: 'Chi đoàn Thôn 1', level: 'BRANCH', parentId: c1, validFrom: OPEN });
    const b2 = await writes.createUnit(db, { code: 'B2', name: 'Chi đoàn Thôn 2', level: 'BRANCH', parentId: c1, validFrom: OPEN });
    const member = (externalId: string, unitId: number, joinedAt: string, rest: { digitizedAt?: string; appActivatedAt?: string; leftAt?: string }) =>
      writes.upsertMember(db, {
        externalId,
        birthYear: null,
        gender: null,
        unitId,
        joinedAt: at(joinedAt),
        digitizedAt: rest.digitizedAt ? at(rest.digitizedAt) : null,
        appActivatedAt: rest.appActivatedAt ? at(rest.appActivatedAt) : null,
        leftAt: rest.leftAt ? at(rest.leftAt) : null,
      });
    // a: digitized long ago, activates the app on 10 March in B1.
    await member('a', b1, '2025-01-01T08:00:00+07:00', { digitizedAt: '2025-02-01T08:00:00+07:00', appActivatedAt: '2026-03-10T09:00:00+07:00' });
    // b: activates the app on 15 February in B1, never digitized.
    await member('b', b1, '2025-01-01T08:00:00+07:00', { appActivatedAt: '2026-02-15T09:00:00+07:00' });
    // c: joins B2 on 5 March, digitized then, activates at 23:59 on 31 March (Vietnam time): in March.
    await member('c', b2, '2026-03-05T08:00:00+07:00', { digitizedAt: '2026-03-05T08:00:00+07:00', appActivatedAt: '2026-03-31T16:59:00Z' });
    // d: activates exactly at April's first instant: April, and not on the app before March's End.
    await member('d', b2, '2025-06-01T08:00:00+07:00', { digitizedAt: '2025-06-01T08:00:00+07:00', appActivatedAt: '2026-04-01T00:00:00+07:00' });
    // e: onboarded since July 2025, leaves B2 on 20 March.
    await member('e', b2, '2025-06-01T08:00:00+07:00', { digitizedAt: '2025-07-01T08:00:00+07:00', appActivatedAt: '2025-07-01T08:00:00+07:00', leftAt: '2026-03-20T08:00:00+07:00' });
    // f: activated the app on 1 March, before joining B1 on 25 March (no activation in any unit), digitized on 26 March.
    await member('f', b1, '2026-03-25T08:00:00+07:00', { digitizedAt: '2026-03-26T08:00:00+07:00', appActivatedAt: '2026-03-01T08:00:00+07:00' });
    // g: digitized in B1, moves to B2 on 15 March, activates the app there on 20 March.
    const g = await member('g', b1, '2025-01-01T08:00:00+07:00', { digitizedAt: '2025-01-01T08:00:00+07:00' });
    await writes.transferMember(db, g, b2, at('2026-03-15T00:00:00+07:00'));
    await writes.updateMember(db, g, { appActivatedAt: at('2026-03-20T08:00:00+07:00') });
    gql = graphqlClient(db);
  });
  afterAll(async () => handle?.close());

  /** [MEMBERS_ONBOARDED, APP_ACTIVATIONS] of each unit for a period, through GraphQL. */
  async function values(period: string): Promise<Record<string, [number, number]>> {
    const field = (code: string) =>
      `${code}: unit(code: "${code}") { onboarded: kpi(id: MEMBERS_ONBOARDED, period: $period) { value } activations: kpi(id: APP_ACTIVATIONS, period: $period) { value } }`;
    const response = await gql(`query($period: String!) { ${['TW', 'P1', 'C1', 'B1', 'B2'].map(field).join(' ')} }`, { period });
    expect(response.errors).toBeUndefined();
    return Object.fromEntries(Object.entries(response.data as Record<string, { onboarded: { value: number }; activations: { value: number } }>).map(([code, v]) => [code, [v.onboarded.value, v.activations.value]]));
  }

  async function expectHandCounts(): Promise<void> {
    // March 2026, End 2026-04-01T00:00+07:00. Onboarded at End: a, f (B1); c, g (B2). Not b (never
    // digitized), d (on the app exactly at End), e (left on 20 March). Activations in March: a (B1);
    // c, g (B2, where g was on 20 March). Not f (before joining), d (April), b (February).
    expect(await values('2026-03')).toEqual({ TW: [4, 3], P1: [4, 3], C1: [4, 3], B1: [2, 1], B2: [2, 2] });
    // February, End 2026-03-01: onboarded only e (B2); activations: b (B1).
    expect(await values('2026-02')).toEqual({ TW: [1, 1], P1: [1, 1], C1: [1, 1], B1: [0, 1], B2: [1, 0] });
    // The first quarter sums its months' activations: a, b (B1); c, g (B2). Its End is March's.
    expect(await values('2026-Q1')).toEqual({ TW: [4, 4], P1: [4, 4], C1: [4, 4], B1: [2, 2], B2: [2, 2] });
    // April: d's activation; d joins the onboarded at April's first instant, e is gone.
    expect(await values('2026-04')).toEqual({ TW: [5, 1], P1: [5, 1], C1: [5, 1], B1: [2, 0], B2: [3, 1] });
    // 1–15 March, End 2026-03-16T00:00+07:00 (daily roll-ups above communes, direct below):
    // onboarded a (B1), e (B2); activations: a.
    expect(await values('2026-03-01..2026-03-15')).toEqual({ TW: [2, 1], P1: [2, 1], C1: [2, 1], B1: [1, 1], B2: [1, 0] });
  }

  it('lists them in the KpiId enum, with the catalogue’s thirteen', async () => {
    const response = await gql(`{ __type(name: "KpiId") { enumValues { name description } } }`);
    const values = (response.data as { __type: { enumValues: { name: string; description: string }[] } }).__type.enumValues;
    expect(values).toHaveLength(15);
    expect(values.find((v) => v.name === 'APP_ACTIVATIONS')?.description).toBe(
      'Vietnam Youth app activations (Số lượt kích hoạt ứng dụng Thanh niên Việt Nam). Members who activated the Vietnam Youth app during the period, at the unit that held them then (flow).',
    );
    expect(values.map((v) => v.name)).toContain('MEMBERS_ONBOARDED');
  });

  it('gives the hand-counted values from the roll-ups the writes kept', async () => {
    // The writes stepped the new series too: C1's March steps of each.
    const month = await rows<{ series: string; delta: string }>(
      handle.db,
      sql`SELECT r.series, sum(r.delta) AS delta FROM kpi_rollup_month r JOIN units u ON u.id = r.unit_id
           WHERE u.code = 'C1' AND r.month = '2026-03-01' AND r.series IN ('MEMBERS_ONBOARDED', 'APP_ACTIVATIONS') GROUP BY 1 ORDER BY 1`,
    );
    // Activations: a, c, g. Onboarded: +a (10 Mar), +f (26 Mar), +c (31 Mar), +g (20 Mar), −e (20 Mar).
    expect(month.map((r) => [r.series, Number(r.delta)])).toEqual([
      ['APP_ACTIVATIONS', 3],
      ['MEMBERS_ONBOARDED', 3],
    ]);
    await expectHandCounts();
  });

  it('gives the same roll-ups and values after a rebuild from the base tables', async () => {
    const kept = await rollupSnapshot(handle.db);
    expect(kept.filter((k) => k.includes('|APP_ACTIVATIONS|')).length).toBeGreaterThan(0);
    await rebuildRollups(handle.db);
    expect(await rollupSnapshot(handle.db)).toEqual(kept);
    await expectHandCounts();
  });
});
