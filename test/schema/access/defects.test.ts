// The defects measured on the open API, each reproduced as it was reported: they must stay gone.
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { CountingLogger, openDb, rows } from '../../../db/client.js';
import { loadRecords } from '../../../db/import/run.js';
import type { ImportRecord } from '../../../db/records.js';
import { LIMITS } from '../../../schema/limits.js';
import { adminHeaders, testYoga, tokenFor } from '../../support/auth.js';
import { createTestDatabase } from '../../support/db.js';
import { codes, useWorld, type World } from './support.js';

const logger = new CountingLogger();
let w: World;
useWorld((world) => (w = world), { logger });
beforeEach(() => logger.reset());

describe('costly queries are refused before any statement is sent', () => {
  // 1.1 KB: children → parent fifteen times, two children a level.
  const deep = `{ unit(code: "TW") { ${'children(first: 2) { nodes { code name level parent { code name level '.repeat(15)}validFrom${' } } }'.repeat(15)} } }`;
  // 500 aliases of a national branch breakdown, a thousand a page.
  const aliases = `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-03", level: BRANCH, first: 1000) { nodes { value } } }`).join(' ')} }`;
  // The same within the alias limit: refused for what it costs.
  const costly = `{ ${Array.from({ length: 30 }, (_, i) => `a${i}: unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-03", level: BRANCH, first: 1000) { nodes { value } } }`).join(' ')} }`;

  it.each([
    ['children → parent fifteen times', deep, /depth limit of 12 exceeded/i, 'QUERY_TOO_LARGE'],
    ['500 aliases of a national branch breakdown', aliases, /token limit of 4000 exceeded/i, 'QUERY_TOO_LARGE'],
    ['30 national branch breakdowns of 1,000', costly, /complexity of \d+ exceeds max complexity of 150000/, 'QUERY_TOO_COSTLY'],
  ])('%s', async (_, query, message, code) => {
    expect(Buffer.byteLength(deep)).toBeGreaterThan(1000);
    const r = await w.gql('CENTRAL_ADMIN', query);
    expect(r.data ?? null).toBeNull();
    expect(r.errors![0]!.message).toMatch(message);
    expect(codes(r)).toEqual([code]);
    // The caller's home unit is read once per server instance: nothing else ran.
    expect(logger.statements.filter((s) => !/from "units" where "units"\."code" = \$1/.test(s))).toEqual([]);
  });

  it('answers a trivial query sent while refused ones are being refused', async () => {
    const refused = Array.from({ length: 20 }, () => w.gql('CENTRAL_ADMIN', deep));
    const trivial = w.gql('CENTRAL_ADMIN', '{ unit(code: "C1") { kpi(id: APP_ADOPTION, period: "2026-03") { numerator denominator } } }');
    expect((await trivial).data).toEqual({ unit: { kpi: { numerator: 4, denominator: 6 } } });
    for (const r of await Promise.all(refused)) expect(codes(r)).toEqual(['QUERY_TOO_LARGE']);
  });

  it('counts a breakdown of 1,000 branches as more than one KPI', async () => {
    const one = await w.gql('CENTRAL_ADMIN', '{ unit(code: "TW") { kpi(id: APP_ADOPTION, period: "2026-03") { value } } }');
    expect(one.errors).toBeUndefined();
    const r = await w.gql('CENTRAL_ADMIN', `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-03", level: BRANCH, first: 1000) { nodes { value } } }`).join(' ')} }`);
    expect(codes(r)).toEqual(['QUERY_TOO_COSTLY']);
    expect(r.errors![0]!.extensions).toMatchObject({ limits: { cost: LIMITS.cost } });
  });
});

describe('report counts and wide sums', () => {
  it('refuses recordReport(count: 2147483647) naming the field, and writes nothing', async () => {
    const before = await rows<{ n: number }>(w.db, sql`SELECT count(*)::int AS n FROM activity_reports`);
    const r = await w.gql('CENTRAL_ADMIN', `mutation { recordReport(input: { unit: "C1", kind: VNEID_INSTALLS, date: "2026-03-03", count: 2147483647 }) {
      __typename ... on ValidationError { issues { field reason } } } }`);
    expect(r.data.recordReport).toEqual({ __typename: 'ValidationError', issues: [{ field: 'count', reason: 'must be at most 1,000,000: one report counts what one unit did in one day' }] });
    expect(await rows<{ n: number }>(w.db, sql`SELECT count(*)::int AS n FROM activity_reports`)).toEqual(before);
  });

  it('refuses a count over 1,000,000 in the database too (a CHECK), for writers that skip the API', async () => {
    await expect(w.db.execute(sql`UPDATE activity_reports SET count = 1000001 WHERE unit_id = (SELECT id FROM units WHERE code = 'C4')`)).rejects.toMatchObject({
      cause: { constraint: 'activity_reports_count_bounded' },
    });
  });

  it('sums past 2^31 exactly: 2,200 reports of 1,000,000 installs under one province, through kpi, changes and the export', async () => {
    // A throwaway tree: TW → PX → CX, with a report of 1,000,000 on each of 2,200 days from 2020-01-01.
    const url = await createTestDatabase();
    const handle = await openDb({ url, driver: 'pg' });
    try {
      await handle.migrate();
      const day = (i: number) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
      const records: ImportRecord[] = [
        { type: 'unit', code: 'TW', name: 'Trung ương', level: 'CENTRAL', validFrom: '2019-01-01T00:00:00+07:00' },
        { type: 'unit', code: 'PX', name: 'Tỉnh X', level: 'PROVINCE', parent: 'TW', validFrom: '2019-01-01T00:00:00+07:00' },
        { type: 'unit', code: 'CX', name: 'Xã X', level: 'COMMUNE', parent: 'PX', validFrom: '2019-01-01T00:00:00+07:00' },
        ...Array.from({ length: 2200 }, (_, i): ImportRecord => ({ type: 'report', unit: 'CX', kind: 'VNEID_INSTALLS', date: day(i), count: 1_000_000 })),
      ];
      await loadRecords(handle.db, records);
      const yoga = await testYoga(handle.db);
      const post = async (query: string) =>
        (await yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...(await adminHeaders()) }, body: JSON.stringify({ query }) })).json();
      // 2,200 × 1,000,000 = 2,200,000,000 > 2,147,483,647.
      const range = `"2020-01-01..${day(2199)}"`;
      const read = await post(`{ unit(code: "TW") { kpi(id: VNEID_INSTALLS, period: ${range}) { value numerator } } }`);
      expect(read).toEqual({ data: { unit: { kpi: { value: 2_200_000_000, numerator: 2_200_000_000 } } } });
      const feed = await post(`{ changes(period: ${range}, level: PROVINCE, kpis: [VNEID_INSTALLS]) { values { unit { code } numerator } } }`);
      expect(feed).toEqual({ data: { changes: { values: [{ unit: { code: 'PX' }, numerator: 2_200_000_000 }] } } });
      const csv = await (await yoga.fetch(`http://test/export/kpis.csv?period=2020-01-01..${day(2199)}&level=PROVINCE&kpis=VNEID_INSTALLS`, { headers: await adminHeaders() })).text();
      expect(csv.trim().split('\n')[1]).toMatch(/^PX,Tỉnh X,PROVINCE,TW,VNEID_INSTALLS,2020-01-01\.\.2026-01-08,2200000000,2200000000,,/);
    } finally {
      await handle.close();
    }
  });
});

describe('personal data in replies', () => {
  it('answers an anonymous upsertMember of someone else’s member with no branch and no date', async () => {
    const r = await w.gql('ANONYMOUS', `mutation { upsertMember(input: { id: "q1", unit: "B11", joinedAt: "2026-01-01T00:00:00+07:00" }) {
      __typename ... on UpsertMemberSuccess { member { unit { code } unitSince } } ... on ValidationError { issues { field reason } } } }`);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    const text = JSON.stringify(r);
    for (const secret of ['B41', '2025-01-01', 'since']) expect(text).not.toContain(secret);
  });

  it('does not reveal, to another admin, what another caller did with the same idempotency key', async () => {
    const k = 'shared-key-1';
    const first = await w.gql('UNIT_ADMIN', `mutation { upsertMember(input: { id: "m1", unit: "B11", joinedAt: "2025-01-10T09:00:00+07:00", birthYear: 2001 }, idempotencyKey: "${k}") { __typename } }`);
    expect(first.data.upsertMember.__typename).toBe('UpsertMemberSuccess');
    const other = { authorization: `Bearer ${await tokenFor('UNIT_ADMIN', 'C4', 'admin@C4')}` };
    const yoga = await testYoga(w.db);
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...other },
      body: JSON.stringify({ query: `mutation { recordReport(input: { unit: "C4", kind: DIGITAL_ACCOUNTS, date: "2026-04-02", count: 2 }, idempotencyKey: "${k}") { __typename ... on RecordReportSuccess { report { unit { code } count } } ... on ValidationError { issues { field reason } } } }` }),
    });
    const r = await response.json();
    // The second caller's own change is made; nothing of the first caller's shows.
    expect(r).toEqual({ data: { recordReport: { __typename: 'RecordReportSuccess', report: { unit: { code: 'C4' }, count: 2 } } } });
    expect(JSON.stringify(r)).not.toContain('m1');
    const keyed = await rows<{ actor: string; action: string }>(w.db, sql`SELECT actor, action FROM audit_log WHERE idempotency_key = ${k} ORDER BY id`);
    expect(keyed).toEqual([
      { actor: 'user:unit_admin@C1', action: 'upsertMember' },
      { actor: 'user:admin@C4', action: 'recordReport' },
    ]);
  });
});

describe('cursors', () => {
  const forged = Buffer.from('OffsetConnection:-50').toString('base64');
  it.each([
    ['a forged negative offset', forged],
    ['garbage', 'garbage'],
    ['a huge offset', Buffer.from('OffsetConnection:99999999999').toString('base64')],
  ])('%s is a BAD_USER_INPUT naming `after`, and no statement runs for it', async (_, cursor) => {
    const lines: string[] = [];
    const yoga = await testYoga(w.db, { logger: pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) })) });
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
      body: JSON.stringify({ query: `{ unit(code: "P1") { children(first: 2, after: "${cursor}") { nodes { code } } } }` }),
    });
    const r = await response.json();
    expect(r.data).toEqual({ unit: { children: null } });
    expect(r.errors[0]).toMatchObject({
      message: 'Invalid argument "after": is not a cursor of this connection: pass a `cursor` or `endCursor` it returned',
      extensions: { code: 'BAD_USER_INPUT', argument: 'after', requestId: expect.any(String) },
    });
    // Nothing went wrong on our side: the only log line is the request's own.
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['request']);
    expect(logger.statements.some((s) => /offset/i.test(s))).toBe(false);
  });

  it('still pages with the cursors it gives', async () => {
    const first = await w.gql('CENTRAL_ADMIN', '{ unit(code: "P1") { children(first: 1, includeClosed: true) { nodes { code } pageInfo { endCursor } } } }');
    const next = await w.gql('CENTRAL_ADMIN', `{ unit(code: "P1") { children(first: 1, includeClosed: true, after: "${first.data.unit.children.pageInfo.endCursor}") { nodes { code } } } }`);
    expect([first.data.unit.children.nodes, next.data.unit.children.nodes]).toEqual([[{ code: 'C1' }], [{ code: 'C2' }]]);
  });
});

describe('one bad argument', () => {
  it('nulls its own field only, with its error; the five valid aliases come back', async () => {
    const valid = ['2026-01', '2026-02', '2026-03', '2026-Q1', '2026'].map((p, i) => `v${i}: kpi(id: VNEID_INSTALLS, period: "${p}") { value }`).join(' ');
    const r = await w.gql('CENTRAL_ADMIN', `{ unit(code: "P1") { ${valid} bad: kpi(id: VNEID_INSTALLS, period: "2999") { value } } }`);
    // P1's installs: C1 10 on 31 March, 5 on 1 April; C2 7 on 10 March; B11 3 on 1 March.
    expect(r.data).toEqual({ unit: { v0: { value: 0 }, v1: { value: 0 }, v2: { value: 20 }, v3: { value: 20 }, v4: { value: 25 }, bad: null } });
    expect(r.errors).toEqual([expect.objectContaining({ path: ['unit', 'bad'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'period' }) })]);
  });
});

describe('unexpected errors', () => {
  it('are masked with the request id, which the log line carries, without the SQL or its parameters', async () => {
    const url = await createTestDatabase();
    const handle = await openDb({ url, driver: 'pg' });
    try {
      await handle.migrate();
      await loadRecords(handle.db, [{ type: 'unit', code: 'TW', name: 'Trung ương', level: 'CENTRAL', validFrom: '2019-01-01T00:00:00+07:00' }]);
      // A broken database: the roll-ups are gone.
      await handle.db.execute(sql`DROP TABLE kpi_rollup_year CASCADE`);
      const lines: string[] = [];
      const yoga = await testYoga(handle.db, { production: true, logger: pino({ level: 'info' }, new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) })) });
      const response = await yoga.fetch('http://test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'req-12345678', ...(await adminHeaders()) },
        body: JSON.stringify({ query: '{ unit(code: "TW") { name kpi(id: VNEID_INSTALLS, period: "2026-03") { value } } }' }),
      });
      const r = await response.json();
      expect(response.headers.get('x-request-id')).toBe('req-12345678');
      expect(r).toEqual({
        data: { unit: { name: 'Trung ương', kpi: null } },
        errors: [{ message: 'Unexpected error.', path: ['unit', 'kpi'], locations: expect.any(Array), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-12345678' } }],
      });
      const errors = lines.filter((l) => JSON.parse(l).msg !== 'request');
      expect(errors).toHaveLength(1);
      const line = JSON.parse(errors[0]!);
      expect(line).toMatchObject({ level: 50, msg: 'unexpected error', requestId: 'req-12345678', path: 'unit.kpi', error: { code: '42P01' } });
      for (const l of lines) expect(l).not.toMatch(/select|params|VNEID|2026-/i);
    } finally {
      await handle.close();
    }
  });
});
