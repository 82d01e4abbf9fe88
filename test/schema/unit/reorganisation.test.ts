// History across a reorganisation, in both views, on a tree a person can follow by hand:
//
//   before                         after 1 July 2025 (and the split of 1 October)
//   TW ─ PA ─ CA1 ─ BA1 (m1 m2)    TW ─ PN ─ CN ─ BA1, BA2       (wards CA1 + CA2 merged into CN)
//      │    ├ CA2 ─ BA2 (m3)             ├ CM ─ BM1               (CM: under PA, then PB from 1 March 2025)
//      │    └ CM  ─ BM1 (m6)             ├ CS1 ─ BB1              (CB1 split on 1 October 2025:
//      └ PB ─ CB1 ─ BB1 (m4 m5)          └ CS2                     BB1 to CS1, CB1's own history to CS2)
//   PA + PB merged into PN on 1 July 2025.
//
// Members (none leaves): m1, m2 in BA1, m3 in BA2, m4 in BB1 (joined 2024), m5 in BB1
// (joined 1 Aug 2025), m6 in BM1. App activated: m1 2024-06-01, m3 2024-03-01, m6
// 2024-01-15, m5 2025-08-01, m4 2025-09-01; m2 never.
// VNeID installs reported: CA1 10 on 2024-05-10; CM 4 on 2025-02-15 and 6 on 2025-03-15;
// CB1 3 on 2025-03-01; CA2 5 on 2025-06-30; CN 7 on 2025-08-01.
// A startup product p1 held by CB1 itself, listed 2024-02-01.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.js';
import { importSource, loadRecords } from '../../../db/import/run.js';
import { ndjsonText, recordList } from '../../../db/import/source.js';
import type { ImportRecord } from '../../../db/records.js';
import { rebuildRollups, rollupSnapshot } from '../../../db/rollup.js';
import { openTestDb } from '../../support/db.js';
import { graphqlClient } from '../../support/graphql.js';

const OPEN = '2020-01-01T00:00:00+07:00';
const MOVE = '2025-03-01T00:00:00+07:00';
const MERGER = '2025-07-01T00:00:00+07:00';
const SPLIT = '2025-10-01T00:00:00+07:00';
const unit = (code: string, level: string, parent: string | null, validFrom = OPEN): ImportRecord =>
  ({ type: 'unit', code, name: `Đơn vị ${code}`, level, ...(parent ? { parent } : {}), validFrom }) as ImportRecord;
const member = (id: string, branch: string, joinedAt: string, appActivatedAt: string | null): ImportRecord => ({ type: 'member', id, unit: branch, joinedAt, appActivatedAt });
const installs = (unitCode: string, date: string, count: number): ImportRecord => ({ type: 'report', id: `${unitCode}-${date}`, unit: unitCode, kind: 'VNEID_INSTALLS', date, count });

const RECORDS: ImportRecord[] = [
  unit('TW', 'CENTRAL', null),
  unit('PA', 'PROVINCE', 'TW'),
  unit('PB', 'PROVINCE', 'TW'),
  unit('PN', 'PROVINCE', 'TW', MERGER),
  unit('CA1', 'COMMUNE', 'PA'),
  unit('CA2', 'COMMUNE', 'PA'),
  unit('CM', 'COMMUNE', 'PA'),
  unit('CB1', 'COMMUNE', 'PB'),
  unit('CN', 'COMMUNE', 'PN', MERGER),
  unit('CS1', 'COMMUNE', 'PN', SPLIT),
  unit('CS2', 'COMMUNE', 'PN', SPLIT),
  unit('BA1', 'BRANCH', 'CA1'),
  unit('BA2', 'BRANCH', 'CA2'),
  unit('BM1', 'BRANCH', 'CM'),
  unit('BB1', 'BRANCH', 'CB1'),
  member('m1', 'BA1', '2024-01-01T00:00:00+07:00', '2024-06-01T00:00:00+07:00'),
  member('m2', 'BA1', '2024-01-01T00:00:00+07:00', null),
  member('m3', 'BA2', '2024-01-01T00:00:00+07:00', '2024-03-01T00:00:00+07:00'),
  member('m4', 'BB1', '2024-01-01T00:00:00+07:00', '2025-09-01T00:00:00+07:00'),
  member('m5', 'BB1', '2025-08-01T00:00:00+07:00', '2025-08-01T00:00:00+07:00'),
  member('m6', 'BM1', '2024-01-01T00:00:00+07:00', '2024-01-15T00:00:00+07:00'),
  installs('CA1', '2024-05-10', 10),
  installs('CM', '2025-02-15', 4),
  installs('CM', '2025-03-15', 6),
  installs('CB1', '2025-03-01', 3),
  installs('CA2', '2025-06-30', 5),
  installs('CN', '2025-08-01', 7),
  { type: 'product', id: 'p1', unit: 'CB1', name: 'Trà Shan tuyết', listedAt: '2024-02-01T00:00:00+07:00' },
];

describe('history across a reorganisation', () => {
  let handle: DbHandle;
  let gql: ReturnType<typeof graphqlClient>;
  const change = async (mutation: string, input: Record<string, unknown>) => {
    const r = await gql(`mutation ($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { __typename ... on ValidationError { issues { field reason } } } }`, { input });
    expect(r.errors).toBeUndefined();
    return r.data[mutation];
  };
  /** numerator/denominator (or the count) of a KPI, in a view. */
  const value = async (code: string, kpi: string, period: string, view = 'AS_OF_THEN') => {
    const r = await gql(`query ($c: String!, $p: String!) { unit(code: $c) { kpi(id: ${kpi}, period: $p, view: ${view}) { numerator denominator } } }`, { c: code, p: period });
    expect(r.errors).toBeUndefined();
    const v = r.data.unit.kpi;
    return v.denominator === null ? v.numerator : `${v.numerator}/${v.denominator}`;
  };

  beforeAll(async () => {
    handle = await openTestDb('postgres');
    await loadRecords(handle.db, RECORDS);
    gql = graphqlClient(handle.db);
    expect(await change('reparentUnit', { code: 'CM', parent: 'PB', at: MOVE })).toEqual({ __typename: 'ReparentUnitSuccess' });
    expect(await change('mergeUnits', { codes: ['CA1', 'CA2'], into: 'CN', at: MERGER })).toEqual({ __typename: 'MergeUnitsSuccess' });
    expect(await change('mergeUnits', { codes: ['PA', 'PB'], into: 'PN', at: MERGER })).toEqual({ __typename: 'MergeUnitsSuccess' });
    expect(await change('splitUnit', { code: 'CB1', children: [{ code: 'BB1', parent: 'CS1' }], successor: 'CS2', at: SPLIT })).toEqual({ __typename: 'SplitUnitSuccess' });
  });
  afterAll(async () => handle?.close());

  it('leaves today’s tree as the operations say', async () => {
    const r = await gql(`{ unit(code: "PN") { children { nodes { code children { nodes { code } } } } } }`);
    expect(r.data.unit.children.nodes).toEqual([
      { code: 'CM', children: { nodes: [{ code: 'BM1' }] } },
      { code: 'CN', children: { nodes: [{ code: 'BA1' }, { code: 'BA2' }] } },
      { code: 'CS1', children: { nodes: [{ code: 'BB1' }] } },
      { code: 'CS2', children: { nodes: [] } },
    ]);
  });

  it('lists the moves and mergers in the units’ history', async () => {
    const r = await gql(`{
      cm: unit(code: "CM") { history { at kind unit { code } } }
      cn: unit(code: "CN") { history { at kind unit { code } } }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.cm.history).toEqual([
      { at: OPEN, kind: 'OPENED', unit: null },
      { at: MOVE, kind: 'MOVED', unit: { code: 'PB' } },
      { at: MERGER, kind: 'MOVED', unit: { code: 'PN' } },
    ]);
    expect(r.data.cn.history).toEqual([
      { at: MERGER, kind: 'OPENED', unit: null },
      { at: MERGER, kind: 'MERGED_IN', unit: { code: 'CA1' } },
      { at: MERGER, kind: 'MERGED_IN', unit: { code: 'CA2' } },
    ]);
  });

  it('moves a re-parented commune’s counts from one province to the other exactly on its date', async () => {
    // Period ending on 1 March (the move's day): CM still in PA. PA: m1 m2 m3 m6, app m1 m3 m6 = 3/4; PB: m4, no app = 0/1.
    expect(await value('PA', 'APP_ADOPTION', '2025-02')).toBe('3/4');
    expect(await value('PB', 'APP_ADOPTION', '2025-02')).toBe('0/1');
    expect(await value('PA', 'APP_ADOPTION', '2025-02-28')).toBe('3/4');
    // The day after: CM in PB. PA: m1 m2 m3, app m1 m3 = 2/3; PB: m4 m6, app m6 = 1/2.
    expect(await value('PA', 'APP_ADOPTION', '2025-03-01')).toBe('2/3');
    expect(await value('PB', 'APP_ADOPTION', '2025-03-01')).toBe('1/2');
    expect(await value('PA', 'APP_ADOPTION', '2025-03')).toBe('2/3');
    expect(await value('PB', 'APP_ADOPTION', '2025-03')).toBe('1/2');
    // Flows count where CM stood on their date: PA 2025 = CM 4 (15 Feb) + CA2 5 = 9; PB 2025 = CM 6 (15 Mar) + CB1 3 = 9.
    expect(await value('PA', 'VNEID_INSTALLS', '2025')).toBe(9);
    expect(await value('PB', 'VNEID_INSTALLS', '2025')).toBe(9);
    expect(await value('PB', 'VNEID_INSTALLS', '2025-02')).toBe(0);
    expect(await value('PA', 'VNEID_INSTALLS', '2025-02')).toBe(4);
  });

  it('gives a series across the merger in both views', async () => {
    const series = async (code: string, view: string) => {
      const r = await gql(`{ unit(code: "${code}") { series(kpi: APP_ADOPTION, from: "2025-05", to: "2025-08", grain: MONTH, view: ${view}) { period { id } numerator denominator } } }`);
      expect(r.errors).toBeUndefined();
      return r.data.unit.series.map((v: { period: { id: string }; numerator: number; denominator: number }) => `${v.period.id} ${v.numerator}/${v.denominator}`);
    };
    // AS_OF_THEN: PN exists from 1 July. July: m1 m2 m3 m4 m6 (m5 joins on 1 Aug), app m1 m3 m6; August: + m5 (app 1 Aug) = 4/6.
    expect(await series('PN', 'AS_OF_THEN')).toEqual(['2025-05 0/0', '2025-06 0/0', '2025-07 3/5', '2025-08 4/6']);
    // CURRENT_TREE: PA's and PB's members are PN's all along.
    expect(await series('PN', 'CURRENT_TREE')).toEqual(['2025-05 3/5', '2025-06 3/5', '2025-07 3/5', '2025-08 4/6']);
    // A merged ward: CN had no members in 2024 (it did not exist); today's CN restates CA1 and CA2: m1 m2 m3, app m1 m3.
    expect(await value('CN', 'APP_ADOPTION', '2024')).toBe('0/0');
    expect(await value('CN', 'APP_ADOPTION', '2024', 'CURRENT_TREE')).toBe('2/3');
    expect(await value('CN', 'APP_ADOPTION', '2024-12-31', 'CURRENT_TREE')).toBe('2/3');
    expect(await value('CA1', 'APP_ADOPTION', '2024')).toBe('1/2');
    expect(await value('CA1', 'APP_ADOPTION', '2025-09')).toBe('0/0');
    expect(await value('CN', 'APP_ADOPTION', '2025-09-15')).toBe('2/3');
    // PN in 2024: nothing as it stood; today's tree: m1 m2 m3 m4 m6, app m1 m3 m6.
    expect(await value('PN', 'APP_ADOPTION', '2024')).toBe('0/0');
    expect(await value('PN', 'APP_ADOPTION', '2024', 'CURRENT_TREE')).toBe('3/5');
    // A closed unit has nothing of its own in today's tree.
    expect(await value('PA', 'APP_ADOPTION', '2024', 'CURRENT_TREE')).toBe('0/0');
    expect(await value('PA', 'APP_ADOPTION', '2024')).toBe('3/4');
  });

  it('counts each member once on every day, in both views', async () => {
    // End 1 July 2025: PA and PB still count (closed at End), PN not yet: 3 + 2 = 5 members, 3 on the app.
    expect(await value('TW', 'APP_ADOPTION', '2025-06')).toBe('3/5');
    expect(await value('PA', 'APP_ADOPTION', '2025-06')).toBe('2/3');
    expect(await value('PB', 'APP_ADOPTION', '2025-06')).toBe('1/2');
    expect(await value('PN', 'APP_ADOPTION', '2025-06')).toBe('0/0');
    expect(await value('TW', 'APP_ADOPTION', '2025-06', 'CURRENT_TREE')).toBe('3/5');
    // End 1 October 2025: all six under PN (m4's app on 1 Sep): 5/6, in both views.
    for (const view of ['AS_OF_THEN', 'CURRENT_TREE']) {
      expect(await value('TW', 'APP_ADOPTION', '2025-09', view)).toBe('5/6');
      expect(await value('PN', 'APP_ADOPTION', '2025-09', view)).toBe('5/6');
    }
  });

  it('keeps every count whole through a split, and gives the successor the unit’s own history', async () => {
    // p1, held by CB1: in PB in 2024, in PN in September 2025, in CS2 (the successor) from the split on.
    expect(await value('PB', 'STARTUP_PRODUCTS_LISTED', '2024')).toBe(1);
    expect(await value('CB1', 'STARTUP_PRODUCTS_LISTED', '2025-09')).toBe(1);
    expect(await value('CB1', 'STARTUP_PRODUCTS_LISTED', '2025-10')).toBe(0);
    expect(await value('CS2', 'STARTUP_PRODUCTS_LISTED', '2025-10')).toBe(1);
    expect(await value('PN', 'STARTUP_PRODUCTS_LISTED', '2025-09')).toBe(1);
    expect(await value('PN', 'STARTUP_PRODUCTS_LISTED', '2025-10')).toBe(1);
    expect(await value('CS2', 'STARTUP_PRODUCTS_LISTED', '2024')).toBe(0);
    expect(await value('CS2', 'STARTUP_PRODUCTS_LISTED', '2024', 'CURRENT_TREE')).toBe(1);
    // BB1's members: CB1's in September, CS1's from October; CS1 in today's tree had m4 at the end of 2024.
    expect(await value('CB1', 'APP_ADOPTION', '2025-09')).toBe('2/2');
    expect(await value('CS1', 'APP_ADOPTION', '2025-10')).toBe('2/2');
    expect(await value('CS1', 'APP_ADOPTION', '2024', 'CURRENT_TREE')).toBe('0/1');
    // CB1's report of 1 March goes to CS2 in today's tree.
    expect(await value('CS2', 'VNEID_INSTALLS', '2025')).toBe(0);
    expect(await value('CS2', 'VNEID_INSTALLS', '2025', 'CURRENT_TREE')).toBe(3);
  });

  it('sums flows where they happened (AS_OF_THEN) or onto today’s units (CURRENT_TREE)', async () => {
    // 2025: CM 4 + 6, CB1 3, CA2 5, CN 7 = 25 in both views for TW; PN holds only CN's 7 as it stood.
    expect(await value('TW', 'VNEID_INSTALLS', '2025')).toBe(25);
    expect(await value('TW', 'VNEID_INSTALLS', '2025', 'CURRENT_TREE')).toBe(25);
    expect(await value('PN', 'VNEID_INSTALLS', '2025')).toBe(7);
    expect(await value('PN', 'VNEID_INSTALLS', '2025', 'CURRENT_TREE')).toBe(25);
    // CN in today's tree: CA2's 5 and its own 7 in 2025; CA1's 10 in 2024.
    expect(await value('CN', 'VNEID_INSTALLS', '2025', 'CURRENT_TREE')).toBe(12);
    expect(await value('CN', 'VNEID_INSTALLS', '2024', 'CURRENT_TREE')).toBe(10);
    expect(await value('CN', 'VNEID_INSTALLS', '2024')).toBe(0);
    expect(await value('PA', 'VNEID_INSTALLS', '2024')).toBe(10);
  });

  it('breaks a province down into the communes under it then, or today', async () => {
    const codes = async (code: string, period: string, view: string) => {
      const r = await gql(`{ unit(code: "${code}") { breakdown(kpi: APP_ADOPTION, period: "${period}", orderBy: CODE, view: ${view}) { nodes { unit { code } numerator denominator } } } }`);
      expect(r.errors).toBeUndefined();
      return r.data.unit.breakdown.nodes.map((v: { unit: { code: string }; numerator: number; denominator: number }) => `${v.unit.code} ${v.numerator}/${v.denominator}`);
    };
    expect(await codes('PA', '2025-02', 'AS_OF_THEN')).toEqual(['CA1 1/2', 'CA2 1/1', 'CM 1/1']);
    expect(await codes('PA', '2025-04', 'AS_OF_THEN')).toEqual(['CA1 1/2', 'CA2 1/1']);
    expect(await codes('PB', '2025-04', 'AS_OF_THEN')).toEqual(['CB1 0/1', 'CM 1/1']);
    expect(await codes('PN', '2024', 'CURRENT_TREE')).toEqual(['CM 1/1', 'CN 2/3', 'CS1 0/1', 'CS2 0/0']);
  });

  it('keeps roll-ups equal to a rebuild from the base tables', async () => {
    const kept = await rollupSnapshot(handle.db);
    await rebuildRollups(handle.db);
    expect(await rollupSnapshot(handle.db)).toEqual(kept);
    expect(kept.some((k) => k.split('|')[4] === '1')).toBe(true);
  });

  it('refuses what the tree cannot do, naming the field', async () => {
    const issues = async (mutation: string, input: Record<string, unknown>) => (await change(mutation, input)).issues;
    expect(await issues('reparentUnit', { code: 'BM1', parent: 'CN', at: '2025-11-01T10:00:00+07:00' })).toEqual([
      { field: 'at', reason: 'must be a Vietnam midnight (00:00+07:00): the tree changes from one day to the next' },
    ]);
    expect(await issues('reparentUnit', { code: 'BM1', parent: 'CN', at: '2099-01-01T00:00:00+07:00' })).toEqual([
      { field: 'at', reason: 'must not be in the future: the tree changes once it has changed' },
    ]);
    expect(await issues('reparentUnit', { code: 'BM1', parent: 'PN', at: '2025-11-01T00:00:00+07:00' })).toEqual([
      { field: 'parent', reason: 'must be a COMMUNE or BLOC: a BRANCH sits under one (PN is a PROVINCE)' },
    ]);
    expect(await issues('reparentUnit', { code: 'BM1', parent: 'CA1', at: '2025-11-01T00:00:00+07:00' })).toEqual([
      { field: 'parent', reason: 'CA1 is not open at 2025-11-01T00:00:00+07:00' },
    ]);
    expect(await issues('mergeUnits', { codes: ['CM'], into: 'BA1', at: '2025-11-01T00:00:00+07:00' })).toEqual([
      { field: 'into', reason: 'must be a COMMUNE like CM (BA1 is a BRANCH)' },
    ]);
    expect(await issues('mergeUnits', { codes: ['CN'], into: 'CM', at: '2025-07-15T00:00:00+07:00' })).toEqual([
      { field: 'at', reason: 'must be after everything of CN: a report is dated 2025-08-01' },
    ]);
    expect(await issues('splitUnit', { code: 'CN', children: [{ code: 'BM1', parent: 'CM' }], successor: 'CM', at: '2025-11-01T00:00:00+07:00' })).toEqual([
      { field: 'children.0.code', reason: 'BM1 is not directly below CN' },
    ]);
  });
});

describe('the import’s reorganisation records', () => {
  const REORGANISATIONS: ImportRecord[] = [
    { type: 'reorganisation', change: 'reparent', unit: 'CM', parent: 'PB', at: MOVE },
    { type: 'reorganisation', change: 'merge', units: ['CA1', 'CA2'], into: 'CN', at: MERGER },
    { type: 'reorganisation', change: 'merge', units: ['PA', 'PB'], into: 'PN', at: MERGER },
    { type: 'reorganisation', change: 'split', unit: 'CB1', children: [{ unit: 'BB1', parent: 'CS1' }], into: 'CS2', at: SPLIT },
  ];
  let handle: DbHandle;
  let gql: ReturnType<typeof graphqlClient>;

  beforeAll(async () => {
    handle = await openTestDb('postgres');
    gql = graphqlClient(handle.db);
  });
  afterAll(async () => handle?.close());

  const values = async () => {
    const r = await gql(`{
      pa: unit(code: "PA") { feb: kpi(id: APP_ADOPTION, period: "2025-02") { numerator denominator } mar: kpi(id: APP_ADOPTION, period: "2025-03") { numerator denominator } }
      pn: unit(code: "PN") { then: kpi(id: APP_ADOPTION, period: "2024") { numerator denominator } now: kpi(id: APP_ADOPTION, period: "2024", view: CURRENT_TREE) { numerator denominator } }
      cs2: unit(code: "CS2") { kpi(id: STARTUP_PRODUCTS_LISTED, period: "2024", view: CURRENT_TREE) { numerator } }
    }`);
    expect(r.errors).toBeUndefined();
    return r.data;
  };

  it('applies them right after the units, as the mutations do, and a second import changes nothing', async () => {
    const first = await loadRecords(handle.db, [...RECORDS, ...REORGANISATIONS]);
    expect(first.status).toBe('imported');
    const expected = {
      pa: { feb: { numerator: 3, denominator: 4 }, mar: { numerator: 2, denominator: 3 } },
      pn: { then: { numerator: 0, denominator: 0 }, now: { numerator: 3, denominator: 5 } },
      cs2: { kpi: { numerator: 1 } },
    };
    expect(await values()).toEqual(expected);
    const kept = await rollupSnapshot(handle.db);
    // The same records again, the units as the software knows them now (under their old parents, or closed by the mergers).
    const again = await importSource(handle.db, ndjsonText([...RECORDS.filter((r) => r.type !== 'unit'), ...REORGANISATIONS].map((r) => JSON.stringify(r)).join('\n'), 'again.ndjson'), {
      mode: 'per-batch',
    });
    expect(again.problems).toEqual([]);
    expect(again.status).toBe('imported');
    expect(await rollupSnapshot(handle.db)).toEqual(kept);
    expect(await values()).toEqual(expected);
    await rebuildRollups(handle.db);
    expect(await rollupSnapshot(handle.db)).toEqual(kept);
  });

  it('refuses a reorganisation the tree cannot take, naming its line and field, and writes nothing', async () => {
    const empty = await openTestDb('postgres');
    try {
      const bad: ImportRecord[] = [...RECORDS, { type: 'reorganisation', change: 'merge', units: ['CM'], into: 'BA1', at: MERGER }];
      const r = await importSource(empty.db, recordList(() => bad));
      expect(r.status).toBe('stopped');
      expect(r.problems).toEqual([{ file: null, line: RECORDS.length + 1, field: 'into', reason: 'must be a COMMUNE like CM (BA1 is a BRANCH)' }]);
      const badDay = await importSource(empty.db, ndjsonText(JSON.stringify({ type: 'reorganisation', change: 'reparent', unit: 'CM', parent: 'PB', at: '2025-03-01T08:00:00+07:00' }), 'day.ndjson'));
      expect(badDay.status).toBe('invalid');
      expect(badDay.problems).toEqual([{ file: null, line: 1, field: 'at', reason: 'must be a Vietnam midnight (00:00+07:00): the tree changes from one day to the next (got "2025-03-01T08:00:00+07:00")' }]);
    } finally {
      await empty.close();
    }
  });
});
