// Member mutations on the small tree (test/fixtures/small-tree.ts): a fresh copy for each
// test that writes, one shared copy for the refusals. March 2026 ends at
// 2026-04-01T00:00+07:00; the members active then are B11: m1, m2 and B12: m4, m5, m6, m9
// (m3 joins at April's first instant, m7 left mid-March, B21 closed).
import { describe, expect, it } from 'vitest';
import { kpi, mutation, type Tree, useTree } from './support.js';

let t: Tree;
const use = (tree: Tree) => {
  t = tree;
};

const MEMBER = '{ member { id unit { code } unitSince joinedAt leftAt digitizedAt appActivatedAt } }';
const upsertMember = mutation('upsertMember', MEMBER);
const recordEvaluation = mutation('recordEvaluation', '{ evaluation { member year recordedAt } }');
const recordAppActivation = mutation('recordAppActivation', MEMBER);
const recordProfileDigitized = mutation('recordProfileDigitized', MEMBER);

const M10 = { id: 'm10', unit: 'B12', joinedAt: '2026-03-05T09:00:00+07:00', appActivatedAt: '2026-03-06T10:00:00+07:00', birthYear: 2001, gender: 'FEMALE' };

describe('upsertMember', () => {
  useTree('each', use);

  it('creates a member, then updates what is sent and keeps what is left out', async () => {
    const created = await upsertMember(t, M10);
    expect(created).toEqual({
      __typename: 'UpsertMemberSuccess',
      member: {
        id: 'm10',
        unit: { code: 'B12' },
        unitSince: '2026-03-05T09:00:00+07:00',
        joinedAt: '2026-03-05T09:00:00+07:00',
        leftAt: null,
        digitizedAt: null,
        appActivatedAt: '2026-03-06T10:00:00+07:00',
      },
    });
    // APP_ADOPTION, March: B12 3/4 → 4/5 (m10 on the app); P1 4/6 → 5/7.
    expect(await kpi(t, 'B12', 'APP_ADOPTION', '2026-03')).toEqual({ value: 80, numerator: 4, denominator: 5 });
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-03')).toEqual({ value: 500 / 7, numerator: 5, denominator: 7 });

    // The same input again: nothing changes, no second audit row.
    expect(await upsertMember(t, M10)).toEqual(created);
    expect(await t.audit()).toHaveLength(1);

    // Leaving on 20 March (the app activation, left out, stays): back to 4/6 for P1.
    const left = await upsertMember(t, { id: 'm10', unit: 'B12', joinedAt: M10.joinedAt, leftAt: '2026-03-20T00:00:00+07:00' });
    expect(left.member).toMatchObject({ leftAt: '2026-03-20T00:00:00+07:00', appActivatedAt: '2026-03-06T10:00:00+07:00' });
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-03')).toEqual({ value: 400 / 6, numerator: 4, denominator: 6 });
    const audit = await t.audit();
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({
      action: 'upsertMember',
      entity: 'member',
      entity_key: 'm10',
      before: { leftAt: null, birthYear: 2001, gender: 'FEMALE' },
      after: { leftAt: '2026-03-20T00:00:00+07:00', birthYear: 2001, gender: 'FEMALE' },
    });
  });

  it('transfers a member from an instant: the old branch before it, the new one from it', async () => {
    const T = '2026-04-15T00:00:00+07:00';
    // Day 14 April ends at T; day 15 April ends a day later. Before the move, at both ends:
    // B11 m1 ✓, m2 ✗, m3 ✗ = 1/3; B12 m4 ✓, m5 ✓, m9 ✓ = 3/3 (m6 left on 1 April).
    for (const day of ['2026-04-14', '2026-04-15']) {
      expect(await kpi(t, 'B11', 'APP_ADOPTION', day)).toMatchObject({ numerator: 1, denominator: 3 });
      expect(await kpi(t, 'B12', 'APP_ADOPTION', day)).toMatchObject({ numerator: 3, denominator: 3 });
    }
    const r = await upsertMember(t, { id: 'm1', unit: 'B12', joinedAt: '2025-01-10T09:00:00+07:00', transferredAt: T });
    expect(r.member).toMatchObject({ unit: { code: 'B12' }, unitSince: T, joinedAt: '2025-01-10T09:00:00+07:00' });
    // At T (the end of 14 April) m1 still counts in B11; from T on in B12.
    expect(await kpi(t, 'B11', 'APP_ADOPTION', '2026-04-14')).toMatchObject({ numerator: 1, denominator: 3 });
    expect(await kpi(t, 'B12', 'APP_ADOPTION', '2026-04-14')).toMatchObject({ numerator: 3, denominator: 3 });
    expect(await kpi(t, 'B11', 'APP_ADOPTION', '2026-04-15')).toMatchObject({ numerator: 0, denominator: 2 });
    expect(await kpi(t, 'B12', 'APP_ADOPTION', '2026-04-15')).toMatchObject({ numerator: 4, denominator: 4 });
    // The commune and the province hold both branches: 4/6 throughout; March (m1 in B11: 1/2) is untouched.
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-04-15')).toMatchObject({ numerator: 4, denominator: 6 });
    expect(await kpi(t, 'B11', 'APP_ADOPTION', '2026-03')).toMatchObject({ numerator: 1, denominator: 2 });
    const [row] = await t.audit();
    expect(row).toMatchObject({ before: { unit: 'B11', unitSince: '2025-01-10T09:00:00+07:00' }, after: { unit: 'B12', unitSince: T } });
  });
});

describe('upsertMember: refusals', () => {
  useTree('shared', use);

  it.each([
    ['a transfer without its instant', { id: 'm1', unit: 'B12', joinedAt: '2025-01-10T09:00:00+07:00' }, 'transferredAt',
      'is required: m1 is in B11 since 2025-01-10T09:00:00+07:00; give the instant they moved to B12'],
    ['a transfer before the last one', { id: 'm9', unit: 'B11', joinedAt: '2025-01-01T08:00:00+07:00', transferredAt: '2026-03-05T00:00:00+07:00' }, 'transferredAt',
      'must be after m9 came into B12 (2026-03-10T00:00:00+07:00)'],
    ['a transfer into a closed branch', { id: 'm1', unit: 'B21', joinedAt: '2025-01-10T09:00:00+07:00', transferredAt: '2026-04-15T00:00:00+07:00' }, 'transferredAt',
      'is at or after the closing of B21 (2026-03-15T00:00:00+07:00): nothing of a unit can happen once it has closed'],
    ['another instant for the branch the member is in', { id: 'm9', unit: 'B12', joinedAt: '2025-01-01T08:00:00+07:00', transferredAt: '2026-03-11T00:00:00+07:00' }, 'transferredAt',
      'must be left out: m9 is in B12 since 2026-03-10T00:00:00+07:00 already'],
    ['joining after the member came into their branch', { id: 'm9', unit: 'B12', joinedAt: '2026-03-12T00:00:00+07:00' }, 'joinedAt',
      'must not be after m9 came into B12 (2026-03-10T00:00:00+07:00)'],
    ['leaving before joining', { ...M10, leftAt: '2026-03-01T00:00:00+07:00' }, 'leftAt', 'must be after joinedAt'],
    ['a commune for a unit', { ...M10, unit: 'C1' }, 'unit', 'must be a BRANCH: members belong to grassroots branches (C1 is a COMMUNE)'],
    ['a birth year out of range', { ...M10, birthYear: 1800 }, 'birthYear', 'must be between 1900 and 2100'],
    ['a blank id', { ...M10, id: ' ' }, 'id', 'must not be blank'],
    ['transferredAt for a new member', { ...M10, transferredAt: '2026-03-06T00:00:00+07:00' }, 'transferredAt',
      'is only for a member recorded in another branch: a new member is in their branch from joinedAt'],
    ['joining a closed branch', { ...M10, unit: 'B21', joinedAt: '2026-03-15T00:00:00+07:00', appActivatedAt: null }, 'joinedAt',
      'is at or after the closing of B21 (2026-03-15T00:00:00+07:00): nothing of a unit can happen once it has closed'],
  ])('refuses %s', async (_case, input, field, reason) => {
    const r = await upsertMember(t, input);
    expect(r.issues).toEqual([{ field, reason }]);
    expect(await t.audit()).toEqual([]);
  });

  it('lists every problem of the input at once', async () => {
    const r = await upsertMember(t, { ...M10, id: '', leftAt: '2026-03-01T00:00:00+07:00', birthYear: 3000 });
    expect(r.issues).toEqual([
      { field: 'id', reason: 'must not be blank' },
      { field: 'birthYear', reason: 'must be between 1900 and 2100' },
      { field: 'leftAt', reason: 'must be after joinedAt' },
    ]);
  });

  it('names the field of an unknown branch', async () => {
    expect(await upsertMember(t, { ...M10, unit: 'B99' })).toMatchObject({ __typename: 'NotFoundError', field: 'unit', reason: 'no unit has code "B99"' });
  });
});

describe('recordEvaluation', () => {
  useTree('each', use);

  it('records and replaces a yearly evaluation', async () => {
    // MEMBERS_EVALUATED, March 2026 (year 2025, recorded before 1 April): m1 only of 6 = 1/6.
    expect(await kpi(t, 'P1', 'MEMBERS_EVALUATED', '2026-03')).toMatchObject({ numerator: 1, denominator: 6 });
    const r = await recordEvaluation(t, { member: 'm9', year: 2025, recordedAt: '2026-01-10T09:00:00+07:00' });
    expect(r).toEqual({ __typename: 'RecordEvaluationSuccess', evaluation: { member: 'm9', year: 2025, recordedAt: '2026-01-10T09:00:00+07:00' } });
    expect(await kpi(t, 'P1', 'MEMBERS_EVALUATED', '2026-03')).toMatchObject({ numerator: 2, denominator: 6 });
    // Sent again recorded in April, it replaces the first: not before March's End, so 1/6 again.
    await recordEvaluation(t, { member: 'm9', year: 2025, recordedAt: '2026-04-05T09:00:00+07:00' });
    expect(await kpi(t, 'P1', 'MEMBERS_EVALUATED', '2026-03')).toMatchObject({ numerator: 1, denominator: 6 });
    expect((await t.audit()).map((a) => [a.entity_key, a.before?.recordedAt ?? null, a.after.recordedAt])).toEqual([
      ['m9/2025', null, '2026-01-10T09:00:00+07:00'],
      ['m9/2025', '2026-01-10T09:00:00+07:00', '2026-04-05T09:00:00+07:00'],
    ]);
  });
});

describe('recordEvaluation: refusals', () => {
  useTree('shared', use);

  it.each([
    [{ member: 'm9', year: 1949, recordedAt: '2026-01-10T09:00:00+07:00' }, 'year', 'must be between 1950 and 2100'],
    [{ member: 'm9', year: 2025, recordedAt: '2024-12-31T23:59:00+07:00' }, 'recordedAt', 'must not be before the year it evaluates (2025)'],
  ])('refuses %o', async (input, field, reason) => {
    expect((await recordEvaluation(t, input)).issues).toEqual([{ field, reason }]);
  });

  it('names the field of an unknown member', async () => {
    expect(await recordEvaluation(t, { member: 'x1', year: 2025, recordedAt: '2026-01-10T09:00:00+07:00' })).toMatchObject({
      __typename: 'NotFoundError',
      field: 'member',
      reason: 'no member has id "x1" in the units this caller may write',
    });
  });
});

describe('recordAppActivation and recordProfileDigitized', () => {
  useTree('each', use);

  it('record when a member activated the app', async () => {
    const r = await recordAppActivation(t, { member: 'm2', at: '2026-03-20T08:00:00+07:00' });
    expect(r.member).toMatchObject({ id: 'm2', appActivatedAt: '2026-03-20T08:00:00+07:00' });
    // APP_ADOPTION, March: B11 1/2 → 2/2; P1 4/6 → 5/6.
    expect(await kpi(t, 'P1', 'APP_ADOPTION', '2026-03')).toEqual({ value: 500 / 6, numerator: 5, denominator: 6 });
  });

  it('record when a member’s profile was digitized', async () => {
    // MEMBER_DATA_DIGITIZED, March: m1 and m4 (a second before April) = 2/6; m5 on 2 March makes 3/6.
    expect(await kpi(t, 'P1', 'MEMBER_DATA_DIGITIZED', '2026-03')).toMatchObject({ numerator: 2, denominator: 6 });
    const r = await recordProfileDigitized(t, { member: 'm5', at: '2026-03-02T08:00:00+07:00' });
    expect(r.member).toMatchObject({ id: 'm5', digitizedAt: '2026-03-02T08:00:00+07:00' });
    expect(await kpi(t, 'P1', 'MEMBER_DATA_DIGITIZED', '2026-03')).toEqual({ value: 50, numerator: 3, denominator: 6 });
  });
});

describe('recordAppActivation and recordProfileDigitized: refusals', () => {
  useTree('shared', use);

  it('name the field of an unknown member', async () => {
    expect(await recordAppActivation(t, { member: 'x1', at: '2026-03-20T08:00:00+07:00' })).toMatchObject({ __typename: 'NotFoundError', field: 'member' });
  });
});
