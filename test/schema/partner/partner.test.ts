// Partner pulls on the small tree (test/fixtures/small-tree.ts): incremental changes since
// a cursor, and the streamed open-data export. Aggregates only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../../db/client.js';
import { upsertReport } from '../../../db/writes.js';
import { adminHeaders, testYoga } from '../../support/auth.js';
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

const CHANGES = `query ($since: String, $first: Int) {
  changes(since: $since, period: "2026-03", kpis: [APP_ADOPTION, VNEID_INSTALLS], first: $first) {
    values { unit { code } kpi { id } value numerator denominator } cursor hasMore } }`;

type Value = { unit: { code: string }; kpi: { id: string }; value: number | null; numerator: number; denominator: number | null };
const byKey = (values: Value[]) => [...values].sort((a, b) => `${a.unit.code}${a.kpi.id}`.localeCompare(`${b.unit.code}${b.kpi.id}`));

const get = async (path: string) => (await testYoga(handle.db)).fetch(`http://test${path}`, { headers: await adminHeaders() });

describe('changes', () => {
  it('gives every commune value the first time, zeros included, nothing when nothing changed, then only what changed', async () => {
    const first = await query(CHANGES);
    expect(first.errors).toBeUndefined();
    // C3 has no members and no reports: nothing was ever recorded under it, and a full sync still gives its zeros.
    expect(byKey(first.data.changes.values)).toEqual([
      { unit: { code: 'C1' }, kpi: { id: 'APP_ADOPTION' }, value: 400 / 6, numerator: 4, denominator: 6 },
      { unit: { code: 'C1' }, kpi: { id: 'VNEID_INSTALLS' }, value: 13, numerator: 13, denominator: null },
      { unit: { code: 'C2' }, kpi: { id: 'APP_ADOPTION' }, value: null, numerator: 0, denominator: 0 },
      { unit: { code: 'C2' }, kpi: { id: 'VNEID_INSTALLS' }, value: 7, numerator: 7, denominator: null },
      { unit: { code: 'C3' }, kpi: { id: 'APP_ADOPTION' }, value: null, numerator: 0, denominator: 0 },
      { unit: { code: 'C3' }, kpi: { id: 'VNEID_INSTALLS' }, value: 0, numerator: 0, denominator: null },
    ]);
    expect(first.data.changes.hasMore).toBe(false);

    const none = await query(CHANGES, { since: first.data.changes.cursor });
    expect(none.data.changes).toEqual({ values: [], cursor: first.data.changes.cursor, hasMore: false });

    const [c3] = await handle.db.query.units.findMany({ where: (u, { eq }) => eq(u.code, 'C3') });
    await upsertReport(handle.db, { unitId: c3!.id, kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 6 });
    const next = await query(CHANGES, { since: first.data.changes.cursor });
    expect(next.data.changes.values).toEqual([{ unit: { code: 'C3' }, kpi: { id: 'VNEID_INSTALLS' }, value: 6, numerator: 6, denominator: null }]);
    expect(next.data.changes.cursor).not.toBe(first.data.changes.cursor);
  });

  it('pages with first and the cursor, until hasMore is false', async () => {
    const seen: Value[] = [];
    let since: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await query(CHANGES, { since, first: 1 });
      seen.push(...r.data.changes.values);
      since = r.data.changes.cursor;
      if (!r.data.changes.hasMore) break;
    }
    const keys = new Set(seen.map((v) => `${v.unit.code} ${v.kpi.id}`));
    expect([...keys].sort()).toEqual(['C1 APP_ADOPTION', 'C1 VNEID_INSTALLS', 'C2 APP_ADOPTION', 'C2 VNEID_INSTALLS', 'C3 APP_ADOPTION', 'C3 VNEID_INSTALLS']);
  });

  it('gives in a full sync what the export lists, and after it what changed while it ran', async () => {
    const all = `query ($since: String) { changes(since: $since, period: "2026-03", level: BRANCH, first: 13) { values { unit { code } kpi { id } numerator } cursor hasMore } }`;
    const page1 = await query(all);
    // 13 KPIs a unit: one branch a page, by code.
    expect(new Set(page1.data.changes.values.map((v: Value) => v.unit.code))).toEqual(new Set(['B11']));
    expect(page1.data.changes.hasMore).toBe(true);
    // A change while the full sync runs: B11's report comes again afterwards.
    const [b11] = await handle.db.query.units.findMany({ where: (u, { eq }) => eq(u.code, 'B11') });
    await upsertReport(handle.db, { unitId: b11!.id, kind: 'DIGITAL_SKILLS_TRAINED', date: '2026-03-03', count: 2 });
    const seen = [...page1.data.changes.values];
    let cursor = page1.data.changes.cursor;
    for (let more = true; more; ) {
      const r = await query(all, { since: cursor });
      seen.push(...r.data.changes.values);
      cursor = r.data.changes.cursor;
      more = r.data.changes.hasMore;
    }
    const csv = (await (await get('/export/kpis.csv?period=2026-03&level=BRANCH')).text()).trim().split('\n').slice(1);
    const changed = 'B11 DIGITAL_SKILLS_TRAINED';
    const rowsSeen = seen.map((v) => `${v.unit.code} ${v.kpi.id} ${v.numerator}`);
    const rowsExported = csv.map((l) => l.split(',')).map((c) => `${c[0]} ${c[4]} ${c[7]}`);
    // Every value the export lists (3 branches × 13 KPIs), B11's changed one as it was before the change.
    expect(rowsSeen).toHaveLength(39);
    expect(rowsSeen.filter((r) => !r.startsWith(changed)).sort()).toEqual(rowsExported.filter((r) => !r.startsWith(changed)).sort());
    expect([rowsSeen.find((r) => r.startsWith(changed)), rowsExported.find((r) => r.startsWith(changed))]).toEqual([`${changed} 0`, `${changed} 2`]);
    const after = await query(all, { since: cursor });
    expect(after.data.changes.values.filter((v: Value) => v.kpi.id === 'DIGITAL_SKILLS_TRAINED')).toEqual([{ unit: { code: 'B11' }, kpi: { id: 'DIGITAL_SKILLS_TRAINED' }, numerator: 2 }]);
  });

  it('refuses a cursor it did not give', async () => {
    const r = await query(CHANGES, { since: 'bm90LWEtY3Vyc29y' });
    expect(r.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'since' });
  });
});

describe('export', () => {
  it('streams commune-level KPIs as CSV', async () => {
    const response = await get('/export/kpis.csv?period=2025-12&kpis=APP_ADOPTION,DIGITAL_ACCOUNTS');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text()).trimEnd().split('\n');
    // End 2026-01-01: C1 has m1, m4–m7, m9 (m9 in B11): app m1, m6, m7, m9 = 4/6; C2 has m8 ✓ = 1/1.
    // DIGITAL_ACCOUNTS: C1 reported 4 on 31 December 2025.
    expect(lines[0]).toBe('unit_code,unit_name,level,parent_code,kpi,period,value,numerator,denominator,as_of,suppressed');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 9).join(','))).toEqual([
      `C1,Xã An Bình,COMMUNE,P1,APP_ADOPTION,2025-12,${400 / 6},4,6`,
      'C1,Xã An Bình,COMMUNE,P1,DIGITAL_ACCOUNTS,2025-12,4,4,',
      'C2,Phường Đồng Đăng,COMMUNE,P1,APP_ADOPTION,2025-12,100,1,1',
      'C2,Phường Đồng Đăng,COMMUNE,P1,DIGITAL_ACCOUNTS,2025-12,0,0,',
      'C3,Xã Thanh Oai,COMMUNE,P1,APP_ADOPTION,2025-12,,0,0',
      'C3,Xã Thanh Oai,COMMUNE,P1,DIGITAL_ACCOUNTS,2025-12,0,0,',
    ]);
  });

  it('streams NDJSON, under a unit and at another level', async () => {
    const response = await get('/export/kpis.ndjson?period=2026-03&level=BRANCH&under=C1&kpis=APP_ADOPTION');
    const records = (await response.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.unit_code, r.parent_code, r.numerator, r.denominator, r.value])).toEqual([
      ['B11', 'C1', 1, 2, 50],
      ['B12', 'C1', 3, 4, 75],
    ]);
  });

  it.each([
    ['/export/kpis.csv', 'period', 'is required, e.g. period=2026-10'],
    ['/export/kpis.csv?period=2026-13', 'period', '"2026-13" is not a valid period: month must be 01–12 (got 13)'],
    ['/export/kpis.csv?period=2026&kpis=APP_ADOPTION,NOPE', 'kpis', 'unknown KPI NOPE'],
    ['/export/kpis.csv?period=2026&level=DISTRICT', 'level', 'must be one of CENTRAL, PROVINCE, COMMUNE, BLOC, BRANCH'],
    ['/export/kpis.csv?period=2026&under=HN', 'under', 'no unit has code "HN"'],
  ])('%s is a 400 naming "%s"', async (path, argument, reason) => {
    const response = await get(path);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ argument, reason });
  });
});
