// Mutations of the unit tree on the small tree (test/fixtures/small-tree.ts): a fresh copy
// for each test that writes, one shared copy for the refusals. KPI numbers are recomputed
// by hand in the comments.
import { describe, expect, it } from 'vitest';
import { kpi, mutation, type Tree, useTree } from './support.js';

let t: Tree;
const use = (tree: Tree) => {
  t = tree;
};

const UNIT = '{ code name level validFrom validTo parent { code } successor { code } }';
const createUnit = mutation('createUnit', `{ unit ${UNIT} }`);
const updateUnit = mutation('updateUnit', `{ unit ${UNIT} }`);
const closeUnit = mutation('closeUnit', `{ unit ${UNIT} closed { code validTo } }`);

const B31 = { code: 'B31', name: 'Chi đoàn Thôn Mới', level: 'BRANCH', parent: 'C3', validFrom: '2026-03-05T00:00:00+07:00' };

describe('createUnit', () => {
  useTree('each', use);

  it('opens a branch under a commune; it counts from its opening', async () => {
    const r = await createUnit(t, B31);
    expect(r).toEqual({
      __typename: 'CreateUnitSuccess',
      unit: { ...B31, level: 'BRANCH', parent: { code: 'C3' }, validTo: null, successor: null },
    });
    // DIGITAL_MODEL_COVERAGE, March: branches active at 1 April were B11 ✓ (dm1 effective) and B12 ✗: 1/2;
    // B31 adds one without a model: 1/3. C3 had no branch (null), now 0/1.
    expect(await kpi(t, 'P1', 'DIGITAL_MODEL_COVERAGE', '2026-03')).toEqual({ value: 100 / 3, numerator: 1, denominator: 3 });
    expect(await kpi(t, 'C3', 'DIGITAL_MODEL_COVERAGE', '2026-03')).toEqual({ value: 0, numerator: 0, denominator: 1 });
    // February ends before B31 opens: still B11 ✓, B12 ✗, B21 ✗ = 1/3.
    expect(await kpi(t, 'P1', 'DIGITAL_MODEL_COVERAGE', '2026-02')).toEqual({ value: 100 / 3, numerator: 1, denominator: 3 });
    expect((await t.data(`{ units(search: "thon moi") { nodes { code } } }`)).units.nodes).toEqual([{ code: 'B31' }]);
  });

  it('sent twice changes nothing the second time and writes one audit row', async () => {
    const first = await createUnit(t, B31);
    expect(await createUnit(t, B31)).toEqual(first);
    const audit = await t.audit();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'createUnit', entity: 'unit', entity_key: 'B31', before: null, after: { code: 'B31', parent: 'C3' } });
  });
});

describe('createUnit: refusals', () => {
  useTree('shared', use);

  it.each([
    ['a commune under a commune', { code: 'C9', name: 'Xã Mới', level: 'COMMUNE', parent: 'C3' }, 'parent', 'must be a PROVINCE: a COMMUNE sits under one (C3 is a COMMUNE)'],
    ['a branch under a province', { code: 'B9', name: 'Chi đoàn', level: 'BRANCH', parent: 'P1' }, 'parent', 'must be a COMMUNE or BLOC: a BRANCH sits under one (P1 is a PROVINCE)'],
    ['a branch without a parent', { code: 'B9', name: 'Chi đoàn', level: 'BRANCH', parent: null }, 'parent', 'is required: a BRANCH sits under a COMMUNE or BLOC'],
    ['under a closed commune', { code: 'B9', name: 'Chi đoàn', level: 'BRANCH', parent: 'C2' }, 'parent', 'C2 closed at 2026-03-15T00:00:00+07:00: open the unit under an open unit (its successor?)'],
    ['before its parent opened', { code: 'B9', name: 'Chi đoàn', level: 'BRANCH', parent: 'C3', validFrom: '2019-12-31T00:00:00+07:00' }, 'validFrom', 'must not be before C3 opened (2020-01-01T00:00:00+07:00)'],
    ['a code in use', { code: 'C1', name: 'Xã Khác', level: 'COMMUNE', parent: 'P1' }, 'code', 'is already used by COMMUNE C1 "Xã An Bình"'],
    ['a blank name', { code: 'B9', name: '  ', level: 'BRANCH', parent: 'C3' }, 'name', 'must not be blank'],
    ['a second Central Committee', { code: 'TW2', name: 'Trung ương', level: 'CENTRAL', parent: null }, 'level', 'CENTRAL is taken: TW is the Central Committee'],
  ])('refuses %s', async (_case, input, field, reason) => {
    const r = await createUnit(t, { validFrom: '2026-03-05T00:00:00+07:00', ...input });
    expect(r.__typename).toBe('ValidationError');
    expect(r.issues).toEqual([{ field, reason }]);
    expect(await t.audit()).toEqual([]);
  });

  it('names the field of an unknown parent', async () => {
    const r = await createUnit(t, { ...B31, parent: 'C9' });
    expect(r).toEqual({ __typename: 'NotFoundError', message: 'Not found: parent no unit has code "C9"', field: 'parent', reason: 'no unit has code "C9"' });
  });
});

describe('updateUnit', () => {
  useTree('each', use);

  it('renames in place: history stays, search finds the new name and the old one, the audit row keeps the old one', async () => {
    const r = await updateUnit(t, { code: 'C3', name: 'Phường Tam Hưng' }, { actor: 'ban-to-chuc@hanoi' });
    expect(r.unit).toMatchObject({ code: 'C3', name: 'Phường Tam Hưng', level: 'COMMUNE', parent: { code: 'P1' } });
    expect((await t.data(`{ units(search: "tam hung") { nodes { code name } } }`)).units.nodes).toEqual([{ code: 'C3', name: 'Phường Tam Hưng' }]);
    // The former name still finds it (Unit.names keeps it).
    expect((await t.data(`{ units(search: "thanh oai") { nodes { code name } } }`)).units.nodes).toEqual([{ code: 'C3', name: 'Phường Tam Hưng' }]);
    const [row] = await t.audit();
    expect(row).toMatchObject({
      actor: 'user:ban-to-chuc@hanoi',
      action: 'updateUnit',
      entity: 'unit',
      entity_key: 'C3',
      before: { code: 'C3', name: 'Xã Thanh Oai', parent: 'P1', validFrom: '2020-01-01T00:00:00+07:00', validTo: null },
      after: { code: 'C3', name: 'Phường Tam Hưng', parent: 'P1', validFrom: '2020-01-01T00:00:00+07:00', validTo: null },
    });
  });

  it('accepts the current parent restated', async () => {
    expect((await updateUnit(t, { code: 'B11', parent: 'C1', name: 'Chi đoàn Thôn Một' })).unit).toMatchObject({ name: 'Chi đoàn Thôn Một', parent: { code: 'C1' } });
  });
});

describe('updateUnit: refusals', () => {
  useTree('shared', use);

  it('refuses another parent here: reparentUnit moves a unit from a date', async () => {
    const r = await updateUnit(t, { code: 'B11', parent: 'C3' });
    expect(r.issues).toEqual([
      { field: 'parent', reason: 'cannot change here (B11 is under C1): reparentUnit moves a unit from a date' },
    ]);
  });

  it('names the field of an unknown unit', async () => {
    expect(await updateUnit(t, { code: 'X1', name: 'Xã' })).toMatchObject({ __typename: 'NotFoundError', field: 'code' });
  });
});

const MERGE = { code: 'C1', at: '2026-04-15T00:00:00+07:00', successor: 'C3' };

describe('closeUnit', () => {
  useTree('each', use);

  it('closes a commune with its branches into a successor; what it held stops counting, its flows stay', async () => {
    // Before: APP_ADOPTION of P1 in April (End 1 May): B11 1/3 (m1 ✓, m2 ✗, m3 ✗) + B12 3/3 (m4, m5, m9) = 4/6;
    // COMMUNE_TEAM_COVERAGE: C1 (t1) and C3 open, C1 with a team = 1/2; DIGITAL_TEAM_MEMBERS: t1 has p1 and p3 = 2.
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-04')).toEqual({ value: 400 / 6, numerator: 4, denominator: 6 });
    const r = await closeUnit(t, MERGE);
    expect(r.unit).toEqual({
      code: 'C1',
      name: 'Xã An Bình',
      level: 'COMMUNE',
      validFrom: '2020-01-01T00:00:00+07:00',
      validTo: '2026-04-15T00:00:00+07:00',
      parent: { code: 'P1' },
      successor: { code: 'C3' },
    });
    expect(r.closed).toEqual([
      { code: 'C1', validTo: '2026-04-15T00:00:00+07:00' },
      { code: 'B11', validTo: '2026-04-15T00:00:00+07:00' },
      { code: 'B12', validTo: '2026-04-15T00:00:00+07:00' },
    ]);
    // After: nothing of C1 is active on 1 May: 0/0 (null); only C3 is open, without a team: 0/1; no roster counts.
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-04')).toEqual({ value: null, numerator: 0, denominator: 0 });
    expect(await kpi(t, 'P1', 'COMMUNE_TEAM_COVERAGE', '2026-04')).toEqual({ value: 0, numerator: 0, denominator: 1 });
    expect(await kpi(t, 'P1', 'DIGITAL_TEAM_MEMBERS', '2026-04')).toMatchObject({ numerator: 0 });
    // A period ending exactly at the closing still sees C1 (closed at End is still active at End): 4/6, as before.
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-04-14')).toEqual({ value: 400 / 6, numerator: 4, denominator: 6 });
    // March is untouched: B11 1/2 + B12 3/4 = 4/6.
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-03')).toEqual({ value: 400 / 6, numerator: 4, denominator: 6 });
    // Flows before the closing still count, for C1 and above it: April 5 (C1's report of 1 April); 2026: 10 + 7 + 3 + 5 = 25.
    expect(await kpi(t, 'P1', 'VNEID_INSTALLS', '2026-04')).toMatchObject({ numerator: 5 });
    expect(await kpi(t, 'P1', 'VNEID_INSTALLS', '2026')).toMatchObject({ numerator: 25 });
    expect(await kpi(t, 'C1', 'VNEID_INSTALLS', '2026-04')).toMatchObject({ numerator: 5 });
    // A closed unit leaves the default listings, where its name finds its successor, and keeps its name.
    expect((await t.data(`{ units(search: "an binh") { nodes { code } } }`)).units.nodes).toEqual([{ code: 'C3' }]);
    expect((await t.data(`{ units(search: "an binh", includeClosed: true) { nodes { code successor { code } } } }`)).units.nodes).toEqual([
      { code: 'C1', successor: { code: 'C3' } },
    ]);
  });

  it('is idempotent: sent again it returns the same result and writes nothing', async () => {
    const first = await closeUnit(t, MERGE, { key: 'merge-c1' });
    expect(await closeUnit(t, MERGE, { key: 'merge-c1' })).toEqual(first);
    expect(await closeUnit(t, MERGE)).toEqual(first);
    const audit = await t.audit();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      idempotency_key: 'merge-c1',
      before: { unit: { validTo: null, successor: null }, closed: [] },
      after: { unit: { validTo: '2026-04-15T00:00:00+07:00', successor: 'C3' }, closed: ['C1', 'B11', 'B12'] },
    });
  });

  it('names a successor for a unit already closed at that instant', async () => {
    const r = await closeUnit(t, { code: 'C2', at: '2026-03-15T00:00:00+07:00', successor: 'C3' });
    expect(r.unit.successor).toEqual({ code: 'C3' });
    expect(r.closed.map((u: { code: string }) => u.code)).toEqual(['C2', 'B21']);
  });
});

describe('closeUnit: refusals', () => {
  useTree('shared', use);

  it.each([
    ['the Central Committee', { code: 'TW', at: '2026-04-15T00:00:00+07:00' }, 'code', 'the Central Committee does not close'],
    ['before it opened', { code: 'C3', at: '2019-01-01T00:00:00+07:00' }, 'at', 'must be after C3 opened (2020-01-01T00:00:00+07:00)'],
    ['a unit already closed at another instant', { code: 'C2', at: '2026-04-15T00:00:00+07:00' }, 'at', 'C2 already closed at 2026-03-15T00:00:00+07:00'],
    ['a successor of another level', { ...MERGE, successor: 'P1' }, 'successor', 'must be a COMMUNE like C1 (P1 is a PROVINCE)'],
    ['a successor below the unit', { code: 'P1', at: '2026-04-15T00:00:00+07:00', successor: 'C3' }, 'successor', 'must not be P1 or a unit below it'],
    ['itself as successor', { ...MERGE, successor: 'C1' }, 'successor', 'must not be C1 or a unit below it'],
    ['a closed successor', { ...MERGE, successor: 'C2' }, 'successor', 'C2 is not open at 2026-04-15T00:00:00+07:00'],
    // C1 reported for 31 March, and members came into B11 on 31 March and 1 April: none of that may follow the closing.
    ['with something dated after it', { code: 'C1', at: '2026-03-20T00:00:00+07:00' }, 'at', 'must be after everything of C1: a report is dated 2026-03-31T00:00:00+07:00'],
  ])('refuses %s', async (_case, input, field, reason) => {
    const r = await closeUnit(t, input);
    expect(r.issues).toEqual([{ field, reason }]);
    expect(await t.audit()).toEqual([]);
  });

  it('names the field of an unknown successor', async () => {
    expect(await closeUnit(t, { ...MERGE, successor: 'C9' })).toMatchObject({ __typename: 'NotFoundError', field: 'successor', reason: 'no unit has code "C9"' });
  });
});
