// Models, teams and rosters, products and relics on the small tree
// (test/fixtures/small-tree.ts): a fresh copy for each test that writes, one shared copy
// for the refusals. March 2026 ends at 2026-04-01T00:00+07:00; C2 and B21 closed on
// 2026-03-15T00:00+07:00.
import { describe, expect, it } from 'vitest';
import { kpi, mutation, type Tree, useTree } from './support.js';

let t: Tree;
const use = (tree: Tree) => {
  t = tree;
};

const upsertModel = mutation('upsertModel', '{ model { id unit { code } kind establishedAt effectiveFrom endedAt } }');
const upsertTeam = mutation('upsertTeam', '{ team { id unit { code } establishedAt disbandedAt } }');
const setRosterEntry = mutation('setRosterEntry', '{ entry { team person from to } }');
const upsertProduct = mutation('upsertProduct', '{ product { id unit { code } name listedAt delistedAt } }');
const upsertRelic = mutation('upsertRelic', '{ relic { id unit { code } name digitizedAt } }');

const CLOSED = 'is at or after the closing of C2 (2026-03-15T00:00:00+07:00): nothing of a unit can happen once it has closed';

describe('upsertModel', () => {
  useTree('each', use);

  it('adds an effective model to a branch', async () => {
    const input = { id: 'dm3', unit: 'B12', kind: 'Chi đoàn số', establishedAt: '2026-02-01T08:00:00+07:00', effectiveFrom: '2026-03-01T00:00:00+07:00' };
    expect(await upsertModel(t, input)).toEqual({ __typename: 'UpsertModelSuccess', model: { ...input, unit: { code: 'B12' }, endedAt: null } });
    // DIGITAL_MODEL_COVERAGE, March: B11 ✓ and now B12 ✓ = 2/2. February ends exactly when dm3 became effective: still 1/3.
    expect(await kpi(t, 'P1', 'DIGITAL_MODEL_COVERAGE', '2026-03')).toEqual({ value: 100, numerator: 2, denominator: 2 });
    expect(await kpi(t, 'P1', 'DIGITAL_MODEL_COVERAGE', '2026-02')).toMatchObject({ numerator: 1, denominator: 3 });
  });

  it('ends a model, keeping what is left out', async () => {
    const r = await upsertModel(t, { id: 'dm1', unit: 'B11', kind: 'Chi đoàn số', establishedAt: '2025-05-01T08:00:00+07:00', endedAt: '2026-03-20T00:00:00+07:00' });
    expect(r.model).toMatchObject({ effectiveFrom: '2025-08-01T08:00:00+07:00', endedAt: '2026-03-20T00:00:00+07:00' });
    // B11's only model ended on 20 March: 0/2 at March's End.
    expect(await kpi(t, 'P1', 'DIGITAL_MODEL_COVERAGE', '2026-03')).toEqual({ value: 0, numerator: 0, denominator: 2 });
  });
});

describe('upsertModel: refusals', () => {
  useTree('shared', use);

  it.each([
    ['assessed before it was established', { id: 'dm3', unit: 'B12', establishedAt: '2026-02-01T08:00:00+07:00', effectiveFrom: '2026-01-01T00:00:00+07:00' }, 'effectiveFrom', 'must be at or after establishedAt'],
    ['ended before it was assessed', { id: 'dm3', unit: 'B12', establishedAt: '2026-02-01T08:00:00+07:00', effectiveFrom: '2026-03-01T00:00:00+07:00', endedAt: '2026-02-15T00:00:00+07:00' }, 'endedAt', 'must be after effectiveFrom'],
    // dm1 was assessed effective on 1 August 2025: an end before then is out of order with the stored value.
    ['ended before its stored assessment', { id: 'dm1', unit: 'B11', establishedAt: '2025-05-01T08:00:00+07:00', endedAt: '2025-07-01T00:00:00+07:00' }, 'endedAt', 'must be after effectiveFrom'],
    ['on a commune', { id: 'dm3', unit: 'C1', establishedAt: '2026-02-01T08:00:00+07:00' }, 'unit', 'must be a BRANCH: model coverage counts grassroots branches (C1 is a COMMUNE)'],
    ['established after its branch closed', { id: 'dm3', unit: 'B21', establishedAt: '2026-03-15T00:00:00+07:00' }, 'establishedAt', CLOSED.replaceAll('C2', 'B21')],
  ])('refuses a model %s', async (_case, input, field, reason) => {
    expect((await upsertModel(t, { kind: 'Chi đoàn số', ...input })).issues).toEqual([{ field, reason }]);
  });
});

describe('upsertTeam and setRosterEntry', () => {
  useTree('each', use);

  it('adds a team to a commune', async () => {
    const r = await upsertTeam(t, { id: 't3', unit: 'C3', establishedAt: '2026-03-01T08:00:00+07:00' });
    expect(r.team).toEqual({ id: 't3', unit: { code: 'C3' }, establishedAt: '2026-03-01T08:00:00+07:00', disbandedAt: null });
    // COMMUNE_TEAM_COVERAGE, March: C1 ✓ (t1) and C3 ✓ (t3) of C1, C3 = 2/2 (C2 closed).
    expect(await kpi(t, 'P1', 'COMMUNE_TEAM_COVERAGE', '2026-03')).toEqual({ value: 100, numerator: 2, denominator: 2 });
  });

  it('puts a person on a team and ends the entry', async () => {
    // DIGITAL_TEAM_MEMBERS, March: t1 has p1 and p2 (who leaves exactly at End) = 2; t2's commune closed.
    const entry = { team: 't1', person: 'p9', from: '2026-03-01T08:00:00+07:00' };
    expect((await setRosterEntry(t, entry)).entry).toEqual({ ...entry, to: null });
    expect(await kpi(t, 'P1', 'DIGITAL_TEAM_MEMBERS', '2026-03')).toMatchObject({ numerator: 3 });
    expect((await setRosterEntry(t, { ...entry, to: '2026-03-20T00:00:00+07:00' })).entry.to).toBe('2026-03-20T00:00:00+07:00');
    expect(await kpi(t, 'P1', 'DIGITAL_TEAM_MEMBERS', '2026-03')).toMatchObject({ numerator: 2 });
    expect((await t.audit()).map((a) => [a.entity_key, a.before?.to ?? null, a.after.to])).toEqual([
      ['t1/p9/2026-03-01T08:00:00+07:00', null, null],
      ['t1/p9/2026-03-01T08:00:00+07:00', null, '2026-03-20T00:00:00+07:00'],
    ]);
  });
});

describe('upsertTeam and setRosterEntry: refusals', () => {
  useTree('shared', use);

  it.each([
    ['a team on a province', upsertTeam, { id: 't3', unit: 'P1', establishedAt: '2026-03-01T08:00:00+07:00' }, 'unit',
      'must be a COMMUNE or a unit under one: a team counts for its commune (P1 is a PROVINCE under none)'],
    ['a team disbanded before it was established', upsertTeam, { id: 't3', unit: 'C3', establishedAt: '2026-03-01T08:00:00+07:00', disbandedAt: '2026-02-01T08:00:00+07:00' },
      'disbandedAt', 'must be after establishedAt'],
    ['a person twice on a team at once', setRosterEntry, { team: 't1', person: 'p1', from: '2026-01-01T08:00:00+07:00' }, 'from',
      'p1 is already on team t1 from 2025-09-01T08:00:00+07:00: entries of one person must not overlap'],
    ['an entry before the team', setRosterEntry, { team: 't1', person: 'p9', from: '2025-08-01T08:00:00+07:00' }, 'from',
      'must not be before team t1 was established (2025-09-01T08:00:00+07:00)'],
    ['an entry ending before it starts', setRosterEntry, { team: 't1', person: 'p9', from: '2026-03-01T08:00:00+07:00', to: '2026-02-01T08:00:00+07:00' }, 'to', 'must be after from'],
    ['an entry after the team’s commune closed', setRosterEntry, { team: 't2', person: 'p5', from: '2026-03-20T08:00:00+07:00' }, 'from', CLOSED],
  ])('refuses %s', async (_case, send, input, field, reason) => {
    expect((await send(t, input)).issues).toEqual([{ field, reason }]);
  });

  it('names the field of an unknown team', async () => {
    expect(await setRosterEntry(t, { team: 't9', person: 'p9', from: '2026-03-01T08:00:00+07:00' })).toMatchObject({ __typename: 'NotFoundError', field: 'team' });
  });
});

describe('upsertProduct and upsertRelic', () => {
  useTree('each', use);

  it('lists a product', async () => {
    const r = await upsertProduct(t, { id: 'sp2', unit: 'C3', name: 'Gạo nếp cái hoa vàng', listedAt: '2026-03-10T08:00:00+07:00' });
    expect(r.product).toEqual({ id: 'sp2', unit: { code: 'C3' }, name: 'Gạo nếp cái hoa vàng', listedAt: '2026-03-10T08:00:00+07:00', delistedAt: null });
    // STARTUP_PRODUCTS_LISTED, March: sp1 (delisted exactly at End) and sp2 = 2; April: sp2 only.
    expect(await kpi(t, 'P1', 'STARTUP_PRODUCTS_LISTED', '2026-03')).toMatchObject({ numerator: 2 });
    expect(await kpi(t, 'P1', 'STARTUP_PRODUCTS_LISTED', '2026-04')).toMatchObject({ numerator: 1 });
  });

  it('digitizes a relic', async () => {
    // RELICS_DIGITIZED, March: r1 (23:59 on 31 March) = 1; r2 digitized on 5 March makes 2. A relic not yet digitized adds nothing.
    const r = await upsertRelic(t, { id: 'r2', unit: 'C1', name: 'Chùa Hưng Phúc', digitizedAt: '2026-03-05T08:00:00+07:00' });
    expect(r.relic).toEqual({ id: 'r2', unit: { code: 'C1' }, name: 'Chùa Hưng Phúc', digitizedAt: '2026-03-05T08:00:00+07:00' });
    await upsertRelic(t, { id: 'r3', unit: 'C3', name: 'Đình Thanh Oai' });
    expect(await kpi(t, 'P1', 'RELICS_DIGITIZED', '2026-03')).toMatchObject({ numerator: 2 });
  });
});

describe('upsertProduct and upsertRelic: refusals', () => {
  useTree('shared', use);

  it.each([
    ['a product delisted before it was listed', upsertProduct, { id: 'sp2', unit: 'C3', name: 'Gạo', listedAt: '2026-03-10T08:00:00+07:00', delistedAt: '2026-03-01T08:00:00+07:00' },
      'delistedAt', 'must be after listedAt'],
    ['a product listed after its unit closed', upsertProduct, { id: 'sp2', unit: 'C2', name: 'Gạo', listedAt: '2026-03-20T08:00:00+07:00' }, 'listedAt', CLOSED],
    ['a product without a name', upsertProduct, { id: 'sp2', unit: 'C3', name: '', listedAt: '2026-03-10T08:00:00+07:00' }, 'name', 'must not be blank'],
    ['a relic digitized after its unit closed', upsertRelic, { id: 'r3', unit: 'C2', name: 'Đình', digitizedAt: '2026-03-15T00:00:00+07:00' }, 'digitizedAt', CLOSED],
  ])('refuses %s', async (_case, send, input, field, reason) => {
    expect((await send(t, input)).issues).toEqual([{ field, reason }]);
  });

  it('names the field of an unknown unit', async () => {
    expect(await upsertRelic(t, { id: 'r3', unit: 'C9', name: 'Đình' })).toMatchObject({ __typename: 'NotFoundError', field: 'unit' });
  });
});
