// What a dashboard developer reads off a value about its period: whether it is complete,
// the instant it holds for, and (for MEMBERS_EVALUATED) which evaluation year it reads;
// and what the API refuses about periods and instants, in words that say what is wrong.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kpi, mutation, useTree, type Tree } from '../ingest/support.js';

let t: Tree;
useTree('shared', (tree) => (t = tree));

const VALUE = `query ($p: String!) { unit(code: "P1") { kpi(id: VNEID_INSTALLS, period: $p) { value complete valueAt period { end } } } }`;

describe('a period still under way', () => {
  it('is marked complete: false, with the instant its value holds for (now)', async () => {
    const before = Date.now();
    const r = await t.data(VALUE, { p: '2026' });
    const after = Date.now();
    // 2026 so far: C1 10 + 5, C2 7, B11 3 = 25; more may come before the year ends.
    expect(r.unit.kpi).toMatchObject({ value: 25, complete: false, period: { end: '2027-01-01T00:00:00+07:00' } });
    const at = Date.parse(r.unit.kpi.valueAt);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(after + 1000);
  });

  it('is complete once its End has passed, and holds for its End', async () => {
    expect((await t.data(VALUE, { p: '2026-03' })).unit.kpi).toEqual({ value: 20, complete: true, valueAt: '2026-04-01T00:00:00+07:00', period: { end: '2026-04-01T00:00:00+07:00' } });
  });
});

describe('reports dated after today', () => {
  it('are refused, naming the field and today in Vietnam time', async () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const r = await mutation('recordReport', '{ report { date } }')(t, { unit: 'C1', kind: 'VNEID_INSTALLS', date: '2030-01-01', count: 5 });
    expect(r).toEqual({
      __typename: 'ValidationError',
      message: `Invalid input: date must not be after today (${today}, Vietnam time): a report counts what was done`,
      issues: [{ field: 'date', reason: `must not be after today (${today}, Vietnam time): a report counts what was done` }],
    });
    // Nothing was written: C1's 2026 is still 10 + 5 + B11's 3.
    expect((await kpi(t, 'C1', 'VNEID_INSTALLS', '2026')).numerator).toBe(18);
  });
});

describe('MEMBERS_EVALUATED', () => {
  it('says in the API and in docs/kpis.md which evaluation year a period reads', async () => {
    const r = await t.data('{ kpiDefinition(id: MEMBERS_EVALUATED) { description } }');
    const rule = '"2026-10" and "2026-Q3" read the 2025 evaluations; "2026", "2026-Q4", "2026-H2" and "2026-12" read the 2026 ones';
    expect(r.kpiDefinition.description).toContain(rule);
    expect(readFileSync(new URL('../../../docs/kpis.md', import.meta.url), 'utf8')).toContain(rule);
  });

  it('reads those years: P1 in 2026-03 reads 2025 (m1 and m4 evaluated; m4 only from 1 April)', async () => {
    // End 2026-04-01: active m1, m2, m4, m5, m6, m9 = 6; 2025 evaluations recorded before End: m1 (m4's is at End) = 1.
    expect(await kpi(t, 'P1', 'MEMBERS_EVALUATED', '2026-03')).toEqual({ value: 100 / 6, numerator: 1, denominator: 6 });
  });
});

describe('instants', () => {
  it('name the part at fault: a month 13 is not "without an offset"', async () => {
    const r = await t.gql('mutation ($i: UpsertMemberInput!) { upsertMember(input: $i) { __typename } }', {
      i: { id: 'm-new', unit: 'B11', joinedAt: '2026-13-01T00:00:00+07:00' },
    });
    expect(r.errors![0]!.message).toContain('DateTime "2026-13-01T00:00:00+07:00": month must be 01–12 (got 13)');
    expect(r.errors![0]!.extensions).toMatchObject({ code: expect.any(String), requestId: expect.any(String) });
  });
});
