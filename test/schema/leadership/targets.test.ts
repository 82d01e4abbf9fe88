// Targets, their allocation to children and progress towards them, through GraphQL, on a
// fixture small enough to redo every number by hand:
//
//   TW ── P9 ── X1 ── X1B   5 members (m1–m5) from 2025-01-01 08:00; on the app: m1 2025-03-01,
//          │                 m2 2025-11-01, m3 2026-03-01 (2 of 5 = 40 % at 2026-01-01, 3 of 5 = 60 % at 2026-07-01)
//          ├── X2 ── X2B   3 members (n1–n3) from 2025-01-01 08:00; none on the app
//          └── X3 ── X3B   2 members (o1–o2) from 2025-01-01 08:00; none on the app
//
// VNEID_INSTALLS reports: X1 10 on 2025-01-10, 30 on 2025-07-15, 12 on 2026-01-15, 8 on
// 2026-06-10; X2 20 on 2025-03-05. So in 2025: X1 40, X2 20, X3 0. DIGITAL_ACCOUNTS reports:
// X3 each month of 2025 (10, 12, 11, 9, 10, 13, 10, 11, 12, 10, 9, 11), then 11, 60 and 10 in 2026.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { CountingLogger, rows, type DbHandle } from '../../../db/client.js';
import { loadRecords } from '../../../db/import/run.js';
import type { ImportRecord } from '../../../db/records.js';
import { adminHeaders, tokenFor } from '../../support/auth.js';
import { openTestDb } from '../../support/db.js';
import { graphqlClient } from '../../support/graphql.js';

const OPEN = '2020-01-01T00:00:00+07:00';
const JOINED = '2025-01-01T08:00:00+07:00';
const member = (id: string, unit: string, app?: string): ImportRecord => ({ type: 'member', id, unit, joinedAt: JOINED, ...(app ? { appActivatedAt: `${app}T08:00:00+07:00` } : {}) });
const report = (unit: string, date: string, count: number): ImportRecord => ({ type: 'report', unit, kind: 'VNEID_INSTALLS', date, count });

const RECORDS: ImportRecord[] = [
  { type: 'unit', code: 'TW', name: 'Trung ương Đoàn', level: 'CENTRAL', validFrom: OPEN },
  { type: 'unit', code: 'P9', name: 'Tỉnh Chín', level: 'PROVINCE', parent: 'TW', validFrom: OPEN },
  ...['X1', 'X2', 'X3'].flatMap((c): ImportRecord[] => [
    { type: 'unit', code: c, name: `Xã ${c}`, level: 'COMMUNE', parent: 'P9', validFrom: OPEN },
    { type: 'unit', code: `${c}B`, name: `Chi đoàn ${c}`, level: 'BRANCH', parent: c, validFrom: OPEN },
  ]),
  member('m1', 'X1B', '2025-03-01'),
  member('m2', 'X1B', '2025-11-01'),
  member('m3', 'X1B', '2026-03-01'),
  member('m4', 'X1B'),
  member('m5', 'X1B'),
  ...['n1', 'n2', 'n3'].map((id) => member(id, 'X2B')),
  ...['o1', 'o2'].map((id) => member(id, 'X3B')),
  report('X1', '2025-01-10', 10),
  report('X1', '2025-07-15', 30),
  report('X1', '2026-01-15', 12),
  report('X1', '2026-06-10', 8),
  report('X2', '2025-03-05', 20),
  // X3's monthly DIGITAL_ACCOUNTS: a steady 9–13 through 2025, then 11, 60 (far outside), 10.
  ...[10, 12, 11, 9, 10, 13, 10, 11, 12, 10, 9, 11].map((count, i): ImportRecord => ({ type: 'report', unit: 'X3', kind: 'DIGITAL_ACCOUNTS', date: `2025-${String(i + 1).padStart(2, '0')}-05`, count })),
  ...[11, 60, 10].map((count, i): ImportRecord => ({ type: 'report', unit: 'X3', kind: 'DIGITAL_ACCOUNTS', date: `2026-0${i + 1}-05`, count, id: `x3-da-2026-0${i + 1}` })),
];

let handle: DbHandle;
const logger = new CountingLogger();
let admin: ReturnType<typeof graphqlClient>;

beforeAll(async () => {
  handle = await openTestDb('postgres', { logger });
  await loadRecords(handle.db, RECORDS);
  admin = graphqlClient(handle.db, await adminHeaders());
});
afterAll(async () => handle?.close());

const SET = `mutation S($i: SetTargetInput!) { setTarget(input: $i) { __typename ... on SetTargetSuccess { target { unit { code } kpi { id } period { id } value } } ... on ValidationError { issues { field reason } } } }`;
const ALLOCATE = `mutation A($i: AllocateTargetInput!) { allocateTarget(input: $i) { __typename
  ... on AllocateTargetSuccess { allocation { target allocated gap childrenWithoutTarget children { unit { code } target weight } } }
  ... on ValidationError { issues { field reason } } } }`;

async function setTarget(unit: string, kpi: string, period: string, value: number) {
  const r = await admin(SET, { i: { unit, kpi, period, value } });
  expect(r.errors).toBeUndefined();
  return r.data.setTarget;
}
async function allocate(input: Record<string, unknown>) {
  const r = await admin(ALLOCATE, { i: input });
  expect(r.errors).toBeUndefined();
  return r.data.allocateTarget;
}
const parts = (a: any) => Object.fromEntries(a.allocation.children.map((c: any) => [c.unit.code, c.target]));

describe('targets', () => {
  it('are set, read back, replaced and removed, each change in the audit log', async () => {
    expect(await setTarget('X1', 'VNEID_INSTALLS', '2026', 50)).toEqual({
      __typename: 'SetTargetSuccess',
      target: { unit: { code: 'X1' }, kpi: { id: 'VNEID_INSTALLS' }, period: { id: '2026' }, value: 50 },
    });
    await setTarget('X1', 'VNEID_INSTALLS', '2026', 60);
    await setTarget('X1', 'APP_ADOPTION', '2025/2030', 95);
    const read = await admin(`{ unit(code: "X1") { y: targets(period: "2026") { kpi { id } value } term: targets(period: "2025/2030") { kpi { id } value } } }`);
    expect(read.data.unit).toEqual({ y: [{ kpi: { id: 'VNEID_INSTALLS' }, value: 60 }], term: [{ kpi: { id: 'APP_ADOPTION' }, value: 95 }] });
    const removed = await admin(`mutation { removeTarget(input: { unit: "X1", kpi: APP_ADOPTION, period: "2025/2030" }) { ... on RemoveTargetSuccess { target { value } } } }`);
    expect(removed.data.removeTarget).toEqual({ target: { value: 95 } });
    const after = await admin(`{ unit(code: "X1") { targets(period: "2025/2030") { value } } }`);
    expect(after.data.unit.targets).toEqual([]);
    const audit = await rows<{ action: string; entity_key: string; before: string | null; after: string | null; actor: string }>(
      handle.db,
      sql`SELECT action, entity_key, before->>'value' AS before, after->>'value' AS after, actor FROM audit_log WHERE entity = 'target' ORDER BY id`,
    );
    expect(audit).toEqual([
      { action: 'setTarget', entity_key: 'X1/VNEID_INSTALLS/2026', before: null, after: '50', actor: 'user:admin@TW' },
      { action: 'setTarget', entity_key: 'X1/VNEID_INSTALLS/2026', before: '50', after: '60', actor: 'user:admin@TW' },
      { action: 'setTarget', entity_key: 'X1/APP_ADOPTION/2025/2030', before: null, after: '95', actor: 'user:admin@TW' },
      { action: 'removeTarget', entity_key: 'X1/APP_ADOPTION/2025/2030', before: '95', after: null, actor: 'user:admin@TW' },
    ]);
  });

  it('refuse, naming the field, a count that is not whole, a percentage above 100, a week, and a unit closed or unknown', async () => {
    const issues = async (i: Record<string, unknown>) => (await admin(SET, { i })).data.setTarget;
    expect(await issues({ unit: 'X1', kpi: 'VNEID_INSTALLS', period: '2026', value: 10.5 })).toEqual({
      __typename: 'ValidationError',
      issues: [{ field: 'value', reason: 'must be a whole number: VNEID_INSTALLS is a count' }],
    });
    expect((await issues({ unit: 'X1', kpi: 'APP_ADOPTION', period: '2026', value: 101 })).issues).toEqual([{ field: 'value', reason: 'must be at most 100: APP_ADOPTION is a percentage' }]);
    expect((await issues({ unit: 'X1', kpi: 'APP_ADOPTION', period: '2026-W05', value: 50 })).issues).toEqual([
      { field: 'period', reason: 'must be a year (2026), a half (2026-H1), a quarter (2026-Q1), a month (2026-03) or a congress term (2025/2030); 2026-W05 is a week' },
    ]);
    expect((await admin(SET, { i: { unit: 'NOPE', kpi: 'APP_ADOPTION', period: '2026', value: 50 } })).data.setTarget.__typename).toBe('NotFoundError');
    // A KPI the catalogue does not hold is the variable's error, not a cost.
    const unknown = await admin(SET, { i: { unit: 'X1', kpi: 'PRODUCTS_LISTED', period: '2026', value: 5 } });
    expect(unknown.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_USER_INPUT', 'Variable "$i" got invalid value "PRODUCTS_LISTED" at "i.kpi"; Value "PRODUCTS_LISTED" does not exist in "KpiId" enum.'],
    ]);
  });

  it('are set only by the unit’s admins and those above it', async () => {
    const as = async (role: string, unit: string) =>
      (await graphqlClient(handle.db, { authorization: `Bearer ${await tokenFor(role as never, unit)}` })(SET, { i: { unit: 'X2', kpi: 'VNEID_INSTALLS', period: '2026-Q1', value: 5 } }));
    expect((await as('UNIT_ADMIN', 'X2')).data.setTarget.__typename).toBe('SetTargetSuccess');
    expect((await as('UNIT_ADMIN', 'P9')).data.setTarget.__typename).toBe('SetTargetSuccess');
    expect((await as('UNIT_ADMIN', 'X1')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await as('LEADER', 'X2')).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('allocating P9’s target to X1, X2 and X3', () => {
  it('EQUAL: 100 installs in whole parts 34, 33, 33 (the one left over goes to the first by code); the gap is 0', async () => {
    await setTarget('P9', 'VNEID_INSTALLS', '2026', 100);
    const a = await allocate({ unit: 'P9', kpi: 'VNEID_INSTALLS', period: '2026', method: 'EQUAL' });
    expect(parts(a)).toEqual({ X1: 34, X2: 33, X3: 33 });
    expect(a.allocation).toMatchObject({ target: 100, allocated: 100, gap: 0, childrenWithoutTarget: 0 });
  });

  it('MEMBERS: in proportion to the members at 2026-01-01 (5, 3, 2): 50, 30, 20', async () => {
    const a = await allocate({ unit: 'P9', kpi: 'VNEID_INSTALLS', period: '2026', method: 'MEMBERS' });
    expect(parts(a)).toEqual({ X1: 50, X2: 30, X3: 20 });
  });

  it('MEMBERS at 2025-01-01 (before anyone joined): nothing to allocate in proportion to', async () => {
    const a = await allocate({ unit: 'P9', kpi: 'VNEID_INSTALLS', period: '2026', method: 'MEMBERS', membersAt: '2025-01-01' });
    expect(a).toEqual({ __typename: 'ValidationError', issues: [{ field: 'method', reason: 'the children’s members add up to 0: there is nothing to allocate in proportion to' }] });
  });

  it('LAST_YEAR: in proportion to 2025’s installs (40, 20, 0): 66.67 → 67, 33.33 → 33, 0', async () => {
    const a = await allocate({ unit: 'P9', kpi: 'VNEID_INSTALLS', period: '2026', method: 'LAST_YEAR' });
    expect(parts(a)).toEqual({ X1: 67, X2: 33, X3: 0 });
    expect(a.allocation).toMatchObject({ allocated: 100, gap: 0 });
  });

  it('MANUAL: X1 60 and X2 25 by hand, X3 keeps its 0; the gap is 100 − 85 = 15', async () => {
    const a = await allocate({ unit: 'P9', kpi: 'VNEID_INSTALLS', period: '2026', method: 'MANUAL', values: [{ unit: 'X1', value: 60 }, { unit: 'X2', value: 25 }] });
    expect(parts(a)).toEqual({ X1: 60, X2: 25, X3: 0 });
    expect(a.allocation).toMatchObject({ target: 100, allocated: 85, gap: 15 });
  });

  it('a ratio: MANUAL 90 % and 70 % weigh by the children’s members (5 and 3): (90×5 + 70×3) ÷ 8 = 82.5, a gap of 80 − 82.5 = −2.5', async () => {
    await setTarget('P9', 'APP_ADOPTION', '2026', 80);
    const a = await allocate({ unit: 'P9', kpi: 'APP_ADOPTION', period: '2026', method: 'MANUAL', values: [{ unit: 'X1', value: 90 }, { unit: 'X2', value: 70 }] });
    expect(a.allocation).toEqual({
      target: 80,
      allocated: 82.5,
      gap: -2.5,
      childrenWithoutTarget: 1,
      children: [
        { unit: { code: 'X1' }, target: 90, weight: 5 },
        { unit: { code: 'X2' }, target: 70, weight: 3 },
        { unit: { code: 'X3' }, target: null, weight: 2 },
      ],
    });
  });

  it('a ratio: EQUAL gives every child the same 80 %, and the gap is 0; MEMBERS is refused', async () => {
    const a = await allocate({ unit: 'P9', kpi: 'APP_ADOPTION', period: '2026', method: 'EQUAL' });
    expect(parts(a)).toEqual({ X1: 80, X2: 80, X3: 80 });
    expect(a.allocation).toMatchObject({ allocated: 80, gap: 0 });
    expect((await allocate({ unit: 'P9', kpi: 'APP_ADOPTION', period: '2026', method: 'MEMBERS' })).issues[0].field).toBe('method');
  });

  it('refuses without the parent’s target, or with a unit that is not a child', async () => {
    expect((await allocate({ unit: 'P9', kpi: 'STARTUP_PRODUCTS_LISTED', period: '2026', method: 'EQUAL' })).issues).toEqual([
      { field: 'unit', reason: 'P9 has no target for STARTUP_PRODUCTS_LISTED in 2026: set it first (setTarget)' },
    ]);
    expect((await allocate({ unit: 'P9', kpi: 'VNEID_INSTALLS', period: '2026', method: 'MANUAL', values: [{ unit: 'X1B', value: 1 }] })).issues).toEqual([
      { field: 'values.0.unit', reason: 'X1B is not a child of P9 standing at the end of 2026' },
    ]);
  });
});

describe('progress on 2026-06-30 (the end of day 181 of 365)', () => {
  const PROGRESS = (kpis: string) => `{ unit(code: "X1") { targetProgress(period: "2026", today: "2026-06-30") {
    today asOf elapsed kpis { kpi { id } target actual baseline percentAchieved expectedLinear expectedSeasonal lastYearShare projectedLinear projectedSeasonal pace status } } } }`.replace('KPIS', kpis);
  const item = (data: any, id: string) => data.unit.targetProgress.kpis.find((k: any) => k.kpi.id === id);

  it('a flow with history: 20 installs of 60, against last year’s pace (10 of 40 by 1 July = 0.25): ON_TRACK', async () => {
    await setTarget('X1', 'VNEID_INSTALLS', '2026', 60);
    const r = await admin(PROGRESS(''));
    expect(r.errors).toBeUndefined();
    expect(r.data.unit.targetProgress).toMatchObject({ today: '2026-06-30', asOf: '2026-07-01T00:00:00+07:00', elapsed: 181 / 365 });
    expect(item(r.data, 'VNEID_INSTALLS')).toEqual({
      kpi: { id: 'VNEID_INSTALLS' },
      target: 60,
      actual: 20, // 12 + 8
      baseline: null,
      percentAchieved: (100 * 20) / 60,
      expectedLinear: (60 * 181) / 365,
      expectedSeasonal: 15, // 60 × 0.25
      lastYearShare: 0.25,
      projectedLinear: 20 / (181 / 365),
      projectedSeasonal: 80, // 20 ÷ 0.25
      pace: 'SEASONAL',
      status: 'ON_TRACK', // 20 made of 15 asked
    });
  });

  it('a ratio without history (nobody was a member on 2025-01-01): 40 % → 60 % of a 100 % target, on a linear pace: BEHIND', async () => {
    await setTarget('X1', 'APP_ADOPTION', '2026', 100);
    const r = await admin(PROGRESS(''));
    const expected = 40 + (60 * 181) / 365; // 69.75…: 20 points made of 29.75 asked = 0.67 < 0.7
    expect(item(r.data, 'APP_ADOPTION')).toEqual({
      kpi: { id: 'APP_ADOPTION' },
      target: 100,
      actual: 60,
      baseline: 40,
      percentAchieved: 60,
      expectedLinear: expected,
      expectedSeasonal: null,
      lastYearShare: null,
      projectedLinear: 40 + 20 / (181 / 365),
      projectedSeasonal: null,
      pace: 'LINEAR',
      status: 'BEHIND',
    });
    expect(item(r.data, 'STARTUP_PRODUCTS_LISTED')).toMatchObject({ target: null, actual: 0, status: 'NO_TARGET', pace: null });
  });

  it('costs the same statements for one KPI with a target or thirteen', async () => {
    const count = async () => {
      await admin('{ viewer { kind } }');
      logger.reset();
      const r = await admin(PROGRESS(''));
      expect(r.errors).toBeUndefined();
      return logger.count;
    };
    const before = await count();
    for (const kpi of ['STARTUP_PRODUCTS_LISTED', 'RELICS_DIGITIZED', 'DIGITAL_ACCOUNTS', 'DIGITAL_SKILLS_TRAINED']) await setTarget('X1', kpi, '2026', 10);
    // The unit, its targets, and every KPI value (now, at the start, last year) in one statement: 1 July is a month's first day, which the roll-ups hold.
    expect(before).toBe(3);
    expect(await count()).toBe(3);
  });
});

describe('who lags, who reports, and the ranking (2026, as of 2026-06-30)', () => {
  // The targets as the tests above left them: VNEID_INSTALLS X1 60, X2 25, X3 0 (P9 100);
  // APP_ADOPTION X1 100, X2 80, X3 80 (P9 80).
  it('lags on VNEID_INSTALLS: X2 (0 of the 25 last year’s pace asks: BEHIND, and no report in June), then X3 (on target at 0, but no report in June); X1 is on pace and reported', async () => {
    const r = await admin(`{ unit(code: "P9") { lagging(kpi: VNEID_INSTALLS, period: "2026", today: "2026-06-30") { unit { code } reasons progress { status paceShare expectedSeasonal } } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.unit.lagging).toEqual([
      { unit: { code: 'X2' }, reasons: ['BEHIND_PACE', 'NO_REPORT_THIS_MONTH'], progress: { status: 'BEHIND', paceShare: 0, expectedSeasonal: 25 } },
      { unit: { code: 'X3' }, reasons: ['NO_REPORT_THIS_MONTH'], progress: { status: 'ACHIEVED', paceShare: null, expectedSeasonal: null } },
    ]);
  });

  it('tells the reporting rate: X1 reported in 2 of the 6 months begun (January, June); P9’s three communes in 2 of 18', async () => {
    const q = (unit: string) => `{ unit(code: "${unit}") { targetProgress(period: "2026", today: "2026-06-30") { kpis { kpi { id } reportingRate { expected reported rate } } } } }`;
    const rate = (data: any) => data.unit.targetProgress.kpis.find((k: any) => k.kpi.id === 'VNEID_INSTALLS').reportingRate;
    expect(rate((await admin(q('X1'))).data)).toEqual({ expected: 6, reported: 2, rate: (100 * 2) / 6 });
    expect(rate((await admin(q('P9'))).data)).toEqual({ expected: 18, reported: 2, rate: (100 * 2) / 18 });
    expect((await admin(q('X1'))).data.unit.targetProgress.kpis.find((k: any) => k.kpi.id === 'APP_ADOPTION').reportingRate).toBeNull();
  });

  it('ranks X1, X2 and X3 on a framework: X1 38.89 = (2 × 33.33 + 1 × 50) ÷ 3; X2 and X3 tie at 0 and share rank 2', async () => {
    const defined = await admin(`mutation { defineEmulationFramework(input: { name: "thi-dua-2026", description: "Thi đua chuyển đổi số 2026", criteria: [
      { kpi: VNEID_INSTALLS, weight: 2, method: PERCENT_OF_TARGET },
      { kpi: APP_ADOPTION, weight: 1, method: BANDS, bands: [{ from: 0, points: 0 }, { from: 50, points: 50 }, { from: 80, points: 100 }] } ] })
      { __typename ... on DefineEmulationFrameworkSuccess { framework { name version criteria { kpi { id } weight method bands { from points } } } } } }`);
    expect(defined.data.defineEmulationFramework.framework).toMatchObject({ name: 'thi-dua-2026', version: 1 });
    const r = await admin(`{ unit(code: "P9") { ranking(framework: "thi-dua-2026", period: "2026", today: "2026-06-30") { framework { version } entries { rank unit { code } score criteria { kpi { id } value target percentAchieved points } } } } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.unit.ranking.entries).toEqual([
      {
        rank: 1,
        unit: { code: 'X1' },
        score: 38.89,
        criteria: [
          { kpi: { id: 'VNEID_INSTALLS' }, value: 20, target: 60, percentAchieved: 100 / 3, points: 100 / 3 },
          { kpi: { id: 'APP_ADOPTION' }, value: 60, target: 100, percentAchieved: 60, points: 50 },
        ],
      },
      {
        rank: 2,
        unit: { code: 'X2' },
        score: 0,
        criteria: [
          { kpi: { id: 'VNEID_INSTALLS' }, value: 0, target: 25, percentAchieved: 0, points: 0 },
          { kpi: { id: 'APP_ADOPTION' }, value: 0, target: 80, percentAchieved: 0, points: 0 },
        ],
      },
      {
        rank: 2,
        unit: { code: 'X3' },
        score: 0,
        criteria: [
          // A target of 0 has no % achieved: no points.
          { kpi: { id: 'VNEID_INSTALLS' }, value: 0, target: 0, percentAchieved: null, points: 0 },
          { kpi: { id: 'APP_ADOPTION' }, value: 0, target: 80, percentAchieved: 0, points: 0 },
        ],
      },
    ]);
    // Defined again: version 2, and version 1 still ranks as it did.
    await admin(`mutation { defineEmulationFramework(input: { name: "thi-dua-2026", criteria: [{ kpi: APP_ADOPTION, weight: 1, method: PERCENT_OF_TARGET }] }) { __typename } }`);
    const v1 = await admin(`{ unit(code: "P9") { ranking(framework: "thi-dua-2026", version: 1, period: "2026", today: "2026-06-30") { entries { score } } } }`);
    expect(v1.data.unit.ranking.entries.map((e: any) => e.score)).toEqual([38.89, 0, 0]);
    const versions = await admin(`{ emulationFrameworks(name: "thi-dua-2026") { version } }`);
    expect(versions.data.emulationFrameworks).toEqual([{ version: 2 }, { version: 1 }]);
  });

  it('refuses a framework with a KPI twice, bands out of order, or a weight of 0, naming the field; only a CENTRAL_ADMIN defines one', async () => {
    const r = await admin(`mutation { defineEmulationFramework(input: { name: "x", criteria: [
      { kpi: APP_ADOPTION, weight: 0, method: PERCENT_OF_TARGET },
      { kpi: APP_ADOPTION, weight: 1, method: BANDS, bands: [{ from: 5, points: 10 }, { from: 5, points: 20 }] } ] }) { ... on ValidationError { issues { field reason } } } }`);
    expect(r.data.defineEmulationFramework.issues).toEqual([
      { field: 'criteria.0.weight', reason: 'must be above 0' },
      { field: 'criteria.1.bands.1.from', reason: 'bands must be in ascending order of `from`' },
      { field: 'criteria.1.kpi', reason: 'APP_ADOPTION is a criterion already' },
    ]);
    const asAdmin = graphqlClient(handle.db, { authorization: `Bearer ${await tokenFor('UNIT_ADMIN', 'P9')}` });
    expect((await asAdmin(`mutation { defineEmulationFramework(input: { name: "y", criteria: [{ kpi: APP_ADOPTION, weight: 1, method: PERCENT_OF_TARGET }] }) { __typename } }`)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('puts it on one screen: X1’s progress, its rank among its siblings, and P9’s most lagging children', async () => {
    const x1 = await admin(`{ unit(code: "X1") { targetProgress(period: "2026", today: "2026-06-30") { rank(framework: "thi-dua-2026", version: 1) { rank of score } } } }`);
    expect(x1.data.unit.targetProgress.rank).toEqual({ rank: 1, of: 3, score: 38.89 });
    const p9 = await admin(`{ unit(code: "P9") { targetProgress(period: "2026", today: "2026-06-30") { laggingChildren { unit { code } kpi { id } reasons progress { paceShare } } } } }`);
    expect(p9.errors).toBeUndefined();
    // Each child on its KPI furthest behind: X2 and X3 made nothing of what APP_ADOPTION’s pace asks (0), X1 made 20 of 29.75 points (0.67).
    expect(p9.data.unit.targetProgress.laggingChildren).toEqual([
      { unit: { code: 'X2' }, kpi: { id: 'APP_ADOPTION' }, reasons: ['BEHIND_PACE'], progress: { paceShare: 0 } },
      { unit: { code: 'X3' }, kpi: { id: 'APP_ADOPTION' }, reasons: ['BEHIND_PACE'], progress: { paceShare: 0 } },
      { unit: { code: 'X1' }, kpi: { id: 'APP_ADOPTION' }, reasons: ['BEHIND_PACE'], progress: { paceShare: expect.closeTo(20 / ((60 * 181) / 365), 12) } },
    ]);
  });
});

describe('the leadership screen in SQL statements', () => {
  const LAGGING = `{ unit(code: "P9") { targetProgress(period: "2026", today: "2026-06-30") {
    kpis { kpi { id } target actual status reportingRate { rate } openFlags } laggingChildren { unit { code } reasons } } } }`;
  const RANK = `{ unit(code: "X1") { targetProgress(period: "2026", today: "2026-06-30") { kpis { status } rank { rank of } } } }`;
  const count = async (query: string) => {
    await admin('{ viewer { kind } }');
    logger.reset();
    const r = await admin(query);
    expect(r.errors).toBeUndefined();
    return { statements: logger.count, data: r.data.unit.targetProgress };
  };

  it('are as many with 3 children (or siblings) as with 6', async () => {
    const [lagging3, rank3] = [await count(LAGGING), await count(RANK)];
    await loadRecords(handle.db, ['X4', 'X5', 'X6'].map((c): ImportRecord => ({ type: 'unit', code: c, name: `Xã ${c}`, level: 'COMMUNE', parent: 'P9', validFrom: OPEN })));
    const [lagging6, rank6] = [await count(LAGGING), await count(RANK)];
    expect([lagging3.data.laggingChildren.length, lagging6.data.laggingChildren.length]).toEqual([3, 5]); // five of six
    expect([rank3.data.rank, rank6.data.rank]).toEqual([{ rank: 1, of: 3 }, { rank: 1, of: 6 }]);
    // The unit, its targets, its KPI values, the reporting rates, the open flags; then the
    // children, their targets and reports this month (side by side), their KPI values.
    expect([lagging3.statements, lagging6.statements]).toEqual([9, 9]);
    // The unit, its targets, its KPI values; the framework, the parent, its children, their targets, their KPI values.
    expect([rank3.statements, rank6.statements]).toEqual([8, 8]);
  });
});

describe('data-quality flags', () => {
  const FLAGS = `{ unit(code: "P9") { reportFlags(period: "2026") { unit { code } kpi { id } month { id } total history median mad score reason open review { decision note reviewedBy } } } }`;

  it('flag X3’s 60 of February 2026: median 11 and MAD 1 of the 12 months before, z = 0.6745 × 49 = 33.05; January (11) and March (10) are not', async () => {
    const r = await admin(FLAGS);
    expect(r.errors).toBeUndefined();
    expect(r.data.unit.reportFlags).toEqual([
      {
        unit: { code: 'X3' },
        kpi: { id: 'DIGITAL_ACCOUNTS' },
        month: { id: '2026-02' },
        total: 60,
        history: [12, 11, 9, 10, 13, 10, 11, 12, 10, 9, 11, 11],
        median: 11,
        mad: 1,
        score: 0.6745 * 49,
        reason: '60 is far above the median 11 of the 12 months before (modified z-score 33.1, flagged above 3.5)',
        open: true,
        review: null,
      },
    ]);
    const progress = await admin(`{ unit(code: "P9") { targetProgress(period: "2026", today: "2026-06-30") { kpis { kpi { id } openFlags } } } }`);
    const open = Object.fromEntries(progress.data.unit.targetProgress.kpis.map((k: any) => [k.kpi.id, k.openFlags]));
    expect(open).toMatchObject({ DIGITAL_ACCOUNTS: 1, VNEID_INSTALLS: 0, APP_ADOPTION: null });
  });

  it('are for the unit’s admins: a LEADER is refused the list', async () => {
    const leader = graphqlClient(handle.db, { authorization: `Bearer ${await tokenFor('LEADER', 'P9')}` });
    expect((await leader(FLAGS)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('close when confirmed (audited), reopen when the month changes, and go when it is corrected', async () => {
    const review = (month: string, decision: string) =>
      admin(`mutation { reviewReportFlag(input: { unit: "X3", kpi: DIGITAL_ACCOUNTS, month: "${month}", decision: ${decision}, note: "Ngày hội số" }) {
        __typename ... on ReviewReportFlagSuccess { flag { open review { decision note } } } ... on ValidationError { issues { field reason } } } }`);
    expect((await review('2026-02', 'CONFIRMED')).data.reviewReportFlag).toEqual({ __typename: 'ReviewReportFlagSuccess', flag: { open: false, review: { decision: 'CONFIRMED', note: 'Ngày hội số' } } });
    expect((await review('2026-01', 'CONFIRMED')).data.reviewReportFlag.issues).toEqual([{ field: 'month', reason: 'the DIGITAL_ACCOUNTS reports of X3 in 2026-01 are not flagged' }]);
    expect((await admin(FLAGS)).data.unit.reportFlags.map((f: any) => f.open)).toEqual([false]);
    // Another count for February: the review was of 60, so the flag is open again.
    const record = (count: number) => admin(`mutation { recordReport(input: { unit: "X3", kind: DIGITAL_ACCOUNTS, date: "2026-02-05", count: ${count}, id: "x3-da-2026-02" }) { __typename } }`);
    await record(70);
    expect((await admin(FLAGS)).data.unit.reportFlags.map((f: any) => [f.total, f.open])).toEqual([[70, true]]);
    // Corrected to 12: z = 0.6745 × (12 − 11) ÷ 1 = 0.67, no longer flagged.
    await record(12);
    expect((await admin(FLAGS)).data.unit.reportFlags).toEqual([]);
    const audit = await rows<{ entity_key: string }>(handle.db, sql`SELECT entity_key FROM audit_log WHERE action = 'reviewReportFlag'`);
    expect(audit).toEqual([{ entity_key: 'X3/DIGITAL_ACCOUNTS/2026-02' }]);
  });
});
