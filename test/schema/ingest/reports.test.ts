// Activity reports, and what every mutation shares (idempotency, the audit log, refusals
// by the database, nothing half-written), on the small tree (test/fixtures/small-tree.ts):
// a fresh copy for each test that writes, one shared copy for the refusals.
// VNEID_INSTALLS of P1 for March 2026: C1 10 (31 March) + C2 7 (10 March, before it
// closed) + B11 3 (1 March) = 20.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rows } from '../../../db/client.js';
import { rollupSnapshot } from '../../../db/rollup.js';
import { ERRORS, kpi, mutation, type Tree, useTree } from './support.js';

let t: Tree;
const use = (tree: Tree) => {
  t = tree;
};

const recordReport = mutation('recordReport', '{ report { id unit { code } kind date count } }');
const C3_MARCH = { unit: 'C3', kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 6 };
const installs = async (unit = 'P1', period = '2026-03') => (await kpi(t, unit, 'VNEID_INSTALLS', period)).numerator;

describe('recordReport', () => {
  useTree('each', use);

  it('adds a unit’s report to every unit above it on the next query', async () => {
    expect(await installs()).toBe(20);
    const r = await recordReport(t, C3_MARCH);
    expect(r).toEqual({ __typename: 'RecordReportSuccess', report: { id: null, unit: { code: 'C3' }, kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 6 } });
    // 20 + 6 = 26 for P1 (and for TW above it); C3 alone: 6; the first quarter: 26; April: still C1's 5.
    expect(await installs()).toBe(26);
    expect(await installs('TW')).toBe(26);
    expect(await installs('C3')).toBe(6);
    expect(await installs('P1', '2026-Q1')).toBe(26);
    expect(await installs('P1', '2026-04')).toBe(5);
  });

  it('replaces a report sent again: it never adds', async () => {
    await recordReport(t, C3_MARCH);
    await recordReport(t, { ...C3_MARCH, count: 9 });
    // 20 + 9 = 29, not 20 + 6 + 9.
    expect(await installs()).toBe(29);
    const audit = await t.audit();
    expect(audit.map((a) => [a.before?.count ?? null, a.after.count])).toEqual([
      [null, 6],
      [6, 9],
    ]);
  });

  it('keys a report by the sender’s id when it has one', async () => {
    await recordReport(t, { ...C3_MARCH, id: 'c3-2026-03-a' });
    // The same id names the same report, even for another day: it moves, 6 → 4 on 21 March.
    const r = await recordReport(t, { ...C3_MARCH, date: '2026-03-21', count: 4, id: 'c3-2026-03-a' });
    expect(r.report).toMatchObject({ id: 'c3-2026-03-a', date: '2026-03-21', count: 4 });
    expect(await installs()).toBe(24);
  });
});

describe('recordReport: refusals', () => {
  useTree('shared', use);

  it.each([
    [{ ...C3_MARCH, count: -1 }, 'count', 'must be ≥ 0'],
    [{ ...C3_MARCH, unit: ' ' }, 'unit', 'must not be blank'],
    // The database's trigger refuses a day at or after the unit's closing (C2 closed at 00:00 on 15 March).
    [{ ...C3_MARCH, unit: 'C2', date: '2026-03-15' }, 'date', 'report dated 2026-03-15 lies outside the life of unit C2'],
    [{ ...C3_MARCH, unit: 'C2', date: '2019-12-31' }, 'date', 'report dated 2019-12-31 lies outside the life of unit C2'],
  ])('refuses %o', async (input, field, reason) => {
    const r = await recordReport(t, input);
    expect(r).toMatchObject({ __typename: 'ValidationError', issues: [{ field, reason }] });
    expect(r.message).toBe(`Invalid input: ${field} ${reason}`);
  });

  it('names the field of an unknown unit', async () => {
    expect(await recordReport(t, { ...C3_MARCH, unit: 'C9' })).toEqual({
      __typename: 'NotFoundError',
      message: 'Not found: unit no unit has code "C9"',
      field: 'unit',
      reason: 'no unit has code "C9"',
    });
  });

  it('leaves a day that is not in the calendar to the Date scalar, which names what is wrong', async () => {
    const r = await t.gql(`mutation { recordReport(input: { unit: "C3", kind: VNEID_INSTALLS, date: "2026-02-30", count: 6 }) { __typename } }`);
    expect(r.errors![0]!.message).toContain('Date "2026-02-30": day must be 01–28 in 2026-02 (got 30)');
    expect(r.errors![0]!.extensions).toMatchObject({ code: expect.any(String) });
  });

  it('leaves an unknown kind and an instant without offset to GraphQL itself', async () => {
    const kind = await t.gql(`mutation { recordReport(input: { unit: "C3", kind: VNEID, date: "2026-03-20", count: 1 }) { __typename } }`);
    expect(kind.errors![0]!.message).toMatch(/Value "VNEID" does not exist in "ReportKind" enum/);
    const at = await t.gql(`mutation ($input: CloseUnitInput!) { closeUnit(input: $input) { __typename } }`, { input: { code: 'C3', at: '2026-04-01T00:00:00' } });
    expect(at.errors![0]!.message).toMatch(/DateTime "2026-04-01T00:00:00": has no offset: end it with Z or \+07:00/);
  });
});

describe('nothing is half-written', () => {
  useTree('each', use);

  it('a write the database refuses leaves the base tables, the roll-ups and the audit log as they were', async () => {
    await recordReport(t, { id: 'c2-a', unit: 'C2', kind: 'VNEID_INSTALLS', date: '2026-03-12', count: 5 });
    const state = async () => ({
      rollups: await rollupSnapshot(t.db),
      reports: await rows(t.db, sql`SELECT * FROM activity_reports ORDER BY id`),
      audit: await t.audit(),
    });
    const before = await state();
    // Moving the report past C2's closing is refused by the trigger after the report's steps were taken away.
    const r = await recordReport(t, { id: 'c2-a', unit: 'C2', kind: 'VNEID_INSTALLS', date: '2026-03-16', count: 5 });
    expect(r.issues).toEqual([{ field: 'date', reason: 'report dated 2026-03-16 lies outside the life of unit C2' }]);
    expect(await state()).toEqual(before);
    // 20 + 5.
    expect(await installs()).toBe(25);
  });
});

describe('idempotency', () => {
  useTree('each', use);

  it('the same input twice without a key has one effect and one audit row', async () => {
    const first = await recordReport(t, C3_MARCH);
    expect(await recordReport(t, C3_MARCH)).toEqual(first);
    expect(await installs()).toBe(26);
    expect(await t.audit()).toHaveLength(1);
  });

  it('the same key twice has one effect, one audit row, and returns the stored result', async () => {
    const first = await recordReport(t, C3_MARCH, { key: 'c3-march-1' });
    expect(await recordReport(t, C3_MARCH, { key: 'c3-march-1' })).toEqual(first);
    expect(await installs()).toBe(26);
    // Another request changes the report; a repeat of the keyed one returns what it returned then, and writes nothing.
    await recordReport(t, { ...C3_MARCH, count: 9 });
    expect(await recordReport(t, C3_MARCH, { key: 'c3-march-1' })).toEqual(first);
    expect(await installs()).toBe(29);
    const audit = await t.audit();
    expect(audit.filter((a) => a.idempotency_key === 'c3-march-1')).toHaveLength(1);
    expect(audit).toHaveLength(2);
  });

  it('requests sent at once with one key write once', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => recordReport(t, C3_MARCH, { key: 'c3-march-burst' })));
    for (const r of results) expect(r).toEqual(results[0]);
    expect(await installs()).toBe(26);
    expect(await t.audit()).toHaveLength(1);
  });

  it('the same report sent at once without a key counts once', async () => {
    await Promise.all(Array.from({ length: 5 }, () => recordReport(t, C3_MARCH)));
    expect(await installs()).toBe(26);
    expect(await t.audit()).toHaveLength(1);
  });

  it('a key names one change: used for another, it is refused', async () => {
    await recordReport(t, C3_MARCH, { key: 'k-1' });
    const r = await recordReport(t, { ...C3_MARCH, unit: 'C1' }, { key: 'k-1' });
    expect(r.issues).toEqual([{ field: 'idempotencyKey', reason: 'was already used for recordReport of report C3/VNEID_INSTALLS/2026-03-20' }]);
    const other = await t.data(`mutation { recordEvaluation(input: { member: "m9", year: 2025, recordedAt: "2026-01-10T09:00:00+07:00" }, idempotencyKey: "k-1") {
      __typename ${ERRORS} } }`);
    expect(other.recordEvaluation.issues[0].field).toBe('idempotencyKey');
    expect(await installs()).toBe(26);
  });

  it('a key names one request: the same report with another count (or an invalid unit) under it is refused, not answered as the first', async () => {
    const first = await recordReport(t, C3_MARCH, { key: 'k-2' });
    expect(await recordReport(t, { ...C3_MARCH }, { key: 'k-2' })).toEqual(first);
    for (const input of [{ ...C3_MARCH, count: 7 }, { ...C3_MARCH, unit: 'C9' }]) {
      const r = await recordReport(t, input, { key: 'k-2' });
      expect(r.issues).toEqual([{ field: 'idempotencyKey', reason: expect.stringMatching(/^was already used for /) }]);
    }
    expect((await recordReport(t, { ...C3_MARCH, count: 7 }, { key: 'k-2' })).issues[0].reason).toBe(
      'was already used for another recordReport of report C3/VNEID_INSTALLS/2026-03-20: a new request needs a new key',
    );
    expect(await installs()).toBe(26);
  });
});

describe('idempotency: refusals', () => {
  useTree('shared', use);

  it('refuses a blank key', async () => {
    expect((await recordReport(t, C3_MARCH, { key: ' ' })).issues).toEqual([{ field: 'idempotencyKey', reason: 'must not be blank' }]);
  });
});

describe('audit log', () => {
  useTree('each', use);

  it('records the actor from the verified token (never from a header), the entity, and before and after as JSON', async () => {
    await recordReport(t, C3_MARCH, { actor: 'doan-xa-thanh-oai', key: 'r-1' });
    await recordReport(t, { ...C3_MARCH, count: 8 });
    const audit = await t.audit();
    expect(audit).toEqual([
      {
        actor: 'user:doan-xa-thanh-oai',
        action: 'recordReport',
        entity: 'report',
        entity_key: 'C3/VNEID_INSTALLS/2026-03-20',
        before: null,
        after: { id: null, unit: 'C3', kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 6 },
        idempotency_key: 'r-1',
      },
      {
        actor: 'user:admin@TW',
        action: 'recordReport',
        entity: 'report',
        entity_key: 'C3/VNEID_INSTALLS/2026-03-20',
        before: { id: null, unit: 'C3', kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 6 },
        after: { id: null, unit: 'C3', kind: 'VNEID_INSTALLS', date: '2026-03-20', count: 8 },
        idempotency_key: null,
      },
    ]);
    // Written in the transaction of the change, stamped with its time.
    const [stamp] = await rows<{ recent: boolean; tx: boolean }>(t.db, sql`SELECT bool_and(at > now() - interval '1 minute') AS recent, bool_and(tx_id IS NOT NULL) AS tx FROM audit_log`);
    expect(stamp).toEqual({ recent: true, tx: true });
  });
});
