// Units through GraphQL: lookup, tree, search without diacritics, pagination, bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.js';
import { searchForm } from '../../../domain/names.js';
import { loadSmallTree } from '../../fixtures/small-tree.js';
import { openTestDb } from '../../support/db.js';
import { graphqlClient } from '../../support/graphql.js';

let handle: DbHandle;
let query: ReturnType<typeof graphqlClient>;

beforeAll(async () => {
  handle = await openTestDb('postgres');
  await loadSmallTree(handle.db);
  query = graphqlClient(handle.db);
});
afterAll(async () => handle?.close());

describe('searchForm', () => {
  it.each([
    ['Xã Thanh Oai', 'xa thanh oai'],
    ['Phường Đồng Đăng', 'phuong dong dang'],
    ['  Đoàn   Thanh niên ', 'doan thanh nien'],
    ['Chi đoàn Khu phố Đông', 'chi doan khu pho dong'],
    ['Thủy Nguyên', 'thuy nguyen'],
    // Punctuation and repeated spaces do not matter.
    ['dong-dang', 'dong dang'],
    ['Bà Rịa – Vũng Tàu', 'ba ria vung tau'],
    ['  dong,  dang. ', 'dong dang'],
  ])('%s → %s', (name, form) => expect(searchForm(name)).toBe(form));
});

describe('search ignores punctuation', () => {
  it.each(['dong-dang', 'Đồng  Đăng', 'dong_dang', '"dong dang"'])('%s finds Phường Đồng Đăng', async (text) => {
    const r = await query(`query ($q: String!) { units(search: $q, includeClosed: true) { nodes { code } } }`, { q: text });
    expect(r.data.units.nodes).toEqual([{ code: 'C2' }]);
  });
});

describe('pages backwards', () => {
  it('asks for `before` when `last` comes alone', async () => {
    const r = await query('{ units(last: 5) { nodes { code } } }');
    expect(r.data.units).toBeNull();
    expect(r.errors![0]).toMatchObject({
      message: 'Invalid argument "last": pages backwards from a cursor: pass `before` (a `startCursor` this connection returned) with it, or use `first`',
      extensions: { code: 'BAD_USER_INPUT', argument: 'last' },
    });
  });

  it('pages back from a cursor it gave', async () => {
    const page = await query('{ units(first: 3, level: COMMUNE, includeClosed: true) { nodes { code } pageInfo { endCursor } } }');
    const back = await query(`{ units(last: 2, before: "${page.data.units.pageInfo.endCursor}", level: COMMUNE, includeClosed: true) { nodes { code } } }`);
    expect([page.data.units.nodes, back.data.units.nodes]).toEqual([[{ code: 'C1' }, { code: 'C2' }, { code: 'C3' }], [{ code: 'C1' }, { code: 'C2' }]]);
  });
});

describe('unit', () => {
  it('finds a unit by code with its parent, ancestors, children and successor', async () => {
    const r = await query(`{ unit(code: "C2") {
      code name level validFrom validTo
      parent { code } ancestors { code } successor { code name }
      children(includeClosed: true) { nodes { code } }
    } }`);
    expect(r.errors).toBeUndefined();
    expect(r.data.unit).toEqual({
      code: 'C2',
      name: 'Phường Đồng Đăng',
      level: 'COMMUNE',
      validFrom: '2020-01-01T00:00:00+07:00',
      validTo: '2026-03-15T00:00:00+07:00',
      parent: { code: 'P1' },
      ancestors: [{ code: 'TW' }, { code: 'P1' }],
      successor: { code: 'C1', name: 'Xã An Bình' },
      children: { nodes: [{ code: 'B21' }] },
    });
  });

  it('lists open children only, unless closed ones are asked for', async () => {
    const r = await query(`{ unit(code: "P1") { open: children { nodes { code } } all: children(includeClosed: true) { nodes { code } } } }`);
    expect(r.data.unit.open.nodes.map((n: { code: string }) => n.code)).toEqual(['C1', 'C3']);
    expect(r.data.unit.all.nodes.map((n: { code: string }) => n.code)).toEqual(['C1', 'C2', 'C3']);
  });

  it('names the argument when the code is unknown', async () => {
    const r = await query(`{ unit(code: "NOPE") { name } }`);
    expect(r.status).toBe(200);
    expect(r.data).toEqual({ unit: null });
    expect(r.errors).toEqual([
      expect.objectContaining({
        message: 'Not found "code": no unit has code "NOPE"',
        extensions: expect.objectContaining({ code: 'NOT_FOUND', argument: 'code' }),
      }),
    ]);
  });
});

describe('units', () => {
  const codes = (r: { data: { units: { nodes: { code: string }[] } } }) => r.data.units.nodes.map((n) => n.code);

  it.each([
    ['thanh oai', ['C3']],
    ['THANH OAI', ['C3']],
    ['Thanh Oai', ['C3']],
    ['dong dang', ['C2']],
    ['Đồng Đăng', ['C2']],
    ['đông', ['C2', 'B21']],
    ['thon', ['B11', 'B12']],
  ])('search "%s" finds %j (closed units included on request)', async (search, expected) => {
    const r = await query(`query ($s: String) { units(search: $s, includeClosed: true) { nodes { code } } }`, { s: search });
    expect(r.errors).toBeUndefined();
    expect(codes(r as any)).toEqual(expected);
  });

  it('lists a closed unit found by its name as the unit it merged into, by default', async () => {
    // C2 closed on 15 March 2026 and merged into C1; B21, closed with it, names no successor.
    const r = await query(`{ units(search: "dong dang") { nodes { code } } }`);
    expect(codes(r as any)).toEqual(['C1']);
    expect(codes((await query(`{ units(search: "khu pho dong") { nodes { code } } }`)) as any)).toEqual([]);
  });

  it('filters by level, in tree order', async () => {
    const r = await query(`{ units(level: COMMUNE, includeClosed: true) { nodes { code } } }`);
    expect(codes(r as any)).toEqual(['C1', 'C2', 'C3']);
  });

  it('pages with first and after', async () => {
    const page1 = await query(`{ units(level: BRANCH, first: 2, includeClosed: true) { nodes { code } pageInfo { hasNextPage endCursor } } }`);
    expect(codes(page1 as any)).toEqual(['B11', 'B12']);
    expect(page1.data.units.pageInfo.hasNextPage).toBe(true);
    const page2 = await query(`query ($after: String) { units(level: BRANCH, first: 2, after: $after, includeClosed: true) { nodes { code } pageInfo { hasNextPage } } }`, {
      after: page1.data.units.pageInfo.endCursor,
    });
    expect(codes(page2 as any)).toEqual(['B21']);
    expect(page2.data.units.pageInfo.hasNextPage).toBe(false);
  });

  it.each([
    [`{ units(first: -1) { nodes { code } } }`, 'first', 'must be between 0 and 500 (got -1)'],
    [`{ units(first: 501) { nodes { code } } }`, 'first', 'must be between 0 and 500 (got 501)'],
    [`{ units(search: "  ") { nodes { code } } }`, 'search', 'must contain a letter or digit'],
    [`{ unit(code: "P1") { children(first: -5) { nodes { code } } } }`, 'first', 'must be between 0 and 500 (got -5)'],
  ])('rejects %s naming "%s"', async (q, argument, reason) => {
    const r = await query(q);
    expect(r.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument, reason }) })]);
  });
});

describe('Unit.kpi bad input', () => {
  it.each([
    ['2026-13', 'month must be 01–12 (got 13)'],
    ['2026-Q5', 'quarter must be Q1–Q4 (got Q5)'],
    ['abc', 'expected one of'],
  ])('period "%s" is a clear BAD_USER_INPUT error', async (period, reason) => {
    const r = await query(`query ($p: String!) { unit(code: "P1") { kpi(id: APP_ADOPTION, period: $p) { value } } }`, { p: period });
    expect(r.status).toBe(200);
    expect(r.errors).toHaveLength(1);
    const [error] = r.errors!;
    expect(error!.message).toContain(`Invalid argument "period": "${period}" is not a valid period`);
    expect(error!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'period' });
    expect(String(error!.extensions!.reason)).toContain(reason);
    expect(JSON.stringify(r)).not.toMatch(/stack|at .*\.ts/);
  });

  it('an unknown KPI id is a validation error naming the enum', async () => {
    const r = await query(`{ unit(code: "P1") { kpi(id: NOT_A_KPI, period: "2026") { value } } }`);
    expect(r.errors![0]!.message).toContain('Value "NOT_A_KPI" does not exist in "KpiId" enum');
  });
});
