// Names over time and lineage: a unit found by a former name, a merged ward found as the
// ward that took it over, and `history` listing what happened to a unit with its dates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.js';
import { loadRecords } from '../../../db/import/run.js';
import type { ImportRecord } from '../../../db/records.js';
import { openTestDb } from '../../support/db.js';
import { graphqlClient } from '../../support/graphql.js';

const OPEN = '2020-01-01T00:00:00+07:00';
const MERGER = '2025-07-01T00:00:00+07:00';
// Hà Nội's Hàng Trống and Hàng Bạc wards merged into Hoàn Kiếm ward on 1 July 2025; Xã Cũ is renamed below.
const TREE: ImportRecord[] = [
  { type: 'unit', code: 'TW', name: 'Trung ương Đoàn', level: 'CENTRAL', validFrom: OPEN },
  { type: 'unit', code: 'HN', name: 'Thành đoàn Hà Nội', level: 'PROVINCE', parent: 'TW', validFrom: OPEN },
  { type: 'unit', code: 'HK', name: 'Phường Hoàn Kiếm', level: 'COMMUNE', parent: 'HN', validFrom: MERGER },
  { type: 'unit', code: 'HT', name: 'Phường Hàng Trống', level: 'COMMUNE', parent: 'HN', validFrom: OPEN, validTo: MERGER, successor: 'HK' },
  { type: 'unit', code: 'HB', name: 'Phường Hàng Bạc', level: 'COMMUNE', parent: 'HN', validFrom: OPEN, validTo: MERGER, successor: 'HK' },
  { type: 'unit', code: 'XC', name: 'Xã Cũ', level: 'COMMUNE', parent: 'HN', validFrom: OPEN },
];

describe('names over time and lineage', () => {
  let handle: DbHandle;
  let gql: ReturnType<typeof graphqlClient>;
  const search = async (text: string, includeClosed = false) => {
    const r = await gql(`query ($s: String) { units(search: $s, includeClosed: ${includeClosed}) { nodes { code name } } }`, { s: text });
    expect(r.errors).toBeUndefined();
    return r.data.units.nodes.map((u: { code: string; name: string }) => `${u.code} ${u.name}`);
  };
  const rename = (input: Record<string, unknown>) =>
    gql(
      `mutation ($input: UpdateUnitInput!) { updateUnit(input: $input) { __typename ... on UpdateUnitSuccess { unit { code name } } ... on ValidationError { issues { field reason } } } }`,
      { input },
    );

  beforeAll(async () => {
    handle = await openTestDb('postgres');
    await loadRecords(handle.db, TREE);
    gql = graphqlClient(handle.db);
  });
  afterAll(async () => handle?.close());

  it('finds a merged ward as the ward that took it over, and as itself on request', async () => {
    expect(await search('Phường Hàng Trống')).toEqual(['HK Phường Hoàn Kiếm']);
    expect(await search('hang')).toEqual(['HK Phường Hoàn Kiếm']);
    expect(await search('Hàng Trống', true)).toEqual(['HT Phường Hàng Trống']);
  });

  it('lists what happened to a unit, oldest first, with the units merged in', async () => {
    const r = await gql(`{
      hk: unit(code: "HK") { history { at kind name unit { code } } }
      ht: unit(code: "HT") { history { at kind name unit { code name } } names { name from to } }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.hk.history).toEqual([
      { at: MERGER, kind: 'OPENED', name: 'Phường Hoàn Kiếm', unit: null },
      { at: MERGER, kind: 'MERGED_IN', name: null, unit: { code: 'HB' } },
      { at: MERGER, kind: 'MERGED_IN', name: null, unit: { code: 'HT' } },
    ]);
    expect(r.data.ht.history).toEqual([
      { at: OPEN, kind: 'OPENED', name: 'Phường Hàng Trống', unit: null },
      { at: MERGER, kind: 'CLOSED', name: null, unit: { code: 'HK', name: 'Phường Hoàn Kiếm' } },
    ]);
    expect(r.data.ht.names).toEqual([{ name: 'Phường Hàng Trống', from: OPEN, to: null }]);
  });

  it('renames from a date: both names found, each with its dates, and the rename in the history', async () => {
    const r = await rename({ code: 'XC', name: 'Xã Mới', nameFrom: '2026-01-01T00:00:00+07:00' });
    expect(r.data.updateUnit).toEqual({ __typename: 'UpdateUnitSuccess', unit: { code: 'XC', name: 'Xã Mới' } });
    expect(await search('xa cu')).toEqual(['XC Xã Mới']);
    expect(await search('xa moi')).toEqual(['XC Xã Mới']);
    const u = await gql(`{ unit(code: "XC") { names { name from to } history { at kind name } } }`);
    expect(u.data.unit.names).toEqual([
      { name: 'Xã Cũ', from: OPEN, to: '2026-01-01T00:00:00+07:00' },
      { name: 'Xã Mới', from: '2026-01-01T00:00:00+07:00', to: null },
    ]);
    expect(u.data.unit.history).toEqual([
      { at: OPEN, kind: 'OPENED', name: 'Xã Cũ' },
      { at: '2026-01-01T00:00:00+07:00', kind: 'RENAMED', name: 'Xã Mới' },
    ]);
  });

  it('refuses a rename dated in the future or before the name it replaces, naming nameFrom', async () => {
    expect((await rename({ code: 'XC', name: 'Xã Sau', nameFrom: '2099-01-01T00:00:00+07:00' })).data.updateUnit).toEqual({
      __typename: 'ValidationError',
      issues: [{ field: 'nameFrom', reason: 'must not be in the future: a unit bears the name it has now' }],
    });
    expect((await rename({ code: 'XC', name: 'Xã Sau', nameFrom: '2025-12-31T00:00:00+07:00' })).data.updateUnit).toEqual({
      __typename: 'ValidationError',
      issues: [{ field: 'nameFrom', reason: 'must be after 2026-01-01T00:00:00+07:00, when the name "Xã Mới" took effect' }],
    });
    expect((await rename({ code: 'XC', name: 'Xã Mới', nameFrom: '2026-02-01T00:00:00+07:00' })).data.updateUnit).toEqual({
      __typename: 'ValidationError',
      issues: [{ field: 'nameFrom', reason: 'dates a new name: send it with a name other than the current one' }],
    });
  });

  it('dates a rename sent by the import at the moment it is written', async () => {
    const before = Date.now();
    await loadRecords(handle.db, [{ ...TREE[5]!, name: 'Xã Mới Hơn' } as ImportRecord]);
    const u = await gql(`{ unit(code: "XC") { names { name from } } }`);
    const names = u.data.unit.names as { name: string; from: string }[];
    expect(names.map((n) => n.name)).toEqual(['Xã Cũ', 'Xã Mới', 'Xã Mới Hơn']);
    expect(new Date(names[2]!.from).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(await search('xa cu')).toEqual(['XC Xã Mới Hơn']);
  });
});
