// The response cache (schema/cache.ts): a repeated read between writes costs one statement
// (the data's version), any committed write is seen by the next read, callers never share
// answers, and personal data is never kept.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountingLogger, rows, type DbHandle } from '../../db/client.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { testYoga, tokenFor } from '../support/auth.js';
import { openTestDb } from '../support/db.js';
import { sharedReads } from '../../schema/cache.js';

let handle: DbHandle;
const logger = new CountingLogger();
let yoga: Awaited<ReturnType<typeof testYoga>>;

beforeAll(async () => {
  handle = await openTestDb('postgres', { logger });
  await loadSmallTree(handle.db);
  yoga = await testYoga(handle.db, { responseCache: true });
});
afterAll(async () => handle?.close());

async function ask(role: string, unit: string, query: string) {
  logger.reset();
  const response = await yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(role as never, unit)}` },
    body: JSON.stringify({ query }),
  });
  return { body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] }, statements: logger.count };
}

const C1_REPORTS = '{ unit(code: "C1") { kpi(id: DIGITAL_ACCOUNTS, period: "2026-05") { value } } }';

describe('the response cache', () => {
  it('answers a repeated read with the data’s version only, and the same answer', async () => {
    await ask('CENTRAL_ADMIN', 'TW', '{ viewer { kind } }');
    const first = await ask('CENTRAL_ADMIN', 'TW', C1_REPORTS);
    const second = await ask('CENTRAL_ADMIN', 'TW', C1_REPORTS);
    expect(second.body).toEqual(first.body);
    // The version, the unit, the value: then the version alone.
    expect([first.statements, second.statements]).toEqual([3, 1]);
  });

  it('never answers a write from the cache, nor spends a statement on it', async () => {
    const write = 'mutation { recordReport(input: { unit: "C1", kind: DIGITAL_ACCOUNTS, date: "2026-06-04", count: 2 }) { __typename } }';
    const [a, b] = [await ask('CENTRAL_ADMIN', 'TW', write), await ask('CENTRAL_ADMIN', 'TW', write)];
    expect([a.body, b.body]).toEqual([{ data: { recordReport: { __typename: 'RecordReportSuccess' } } }, { data: { recordReport: { __typename: 'RecordReportSuccess' } } }]);
    // A new report: 8 statements; the same report again: 5 (test/schema/request-log.test.ts), none for the cache.
    expect([a.statements, b.statements]).toEqual([8, 5]);
  });

  it('shows a write on the very next read: 0 reports in May, then 7', async () => {
    expect((await ask('CENTRAL_ADMIN', 'TW', C1_REPORTS)).body.data.unit.kpi.value).toBe(0);
    await ask('CENTRAL_ADMIN', 'TW', 'mutation { recordReport(input: { unit: "C1", kind: DIGITAL_ACCOUNTS, date: "2026-05-04", count: 7 }) { __typename } }');
    const after = await ask('CENTRAL_ADMIN', 'TW', C1_REPORTS);
    expect(after.body.data.unit.kpi.value).toBe(7);
    expect(after.statements).toBe(3);
  });

  it('shows a write that moves no roll-up too: a target set is in the next progress', async () => {
    const progress = '{ unit(code: "C1") { targetProgress(period: "2026", today: "2026-05-31") { kpis { kpi { id } target } } } }';
    const target = (body: any) => body.data.unit.targetProgress.kpis.find((k: any) => k.kpi.id === 'DIGITAL_ACCOUNTS').target;
    expect(target((await ask('CENTRAL_ADMIN', 'TW', progress)).body)).toBeNull();
    await ask('CENTRAL_ADMIN', 'TW', 'mutation { setTarget(input: { unit: "C1", kpi: DIGITAL_ACCOUNTS, period: "2026", value: 120 }) { __typename } }');
    expect(target((await ask('CENTRAL_ADMIN', 'TW', progress)).body)).toBe(120);
  });

  it('never gives one caller’s answer to another: C3’s viewer is refused what C1’s viewer was answered', async () => {
    const own = await ask('VIEWER', 'C1', C1_REPORTS);
    expect(own.body.data.unit.kpi.value).toBe(7);
    const other = await ask('VIEWER', 'C3', C1_REPORTS);
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(other.body.data.unit.kpi).toBeNull();
  });

  it('keeps no answer with errors, and no list of personal data (each read of it is audited)', async () => {
    const bad = '{ unit(code: "C1") { kpi(id: DIGITAL_ACCOUNTS, period: "2026-13") { value } } }';
    const [a, b] = [await ask('CENTRAL_ADMIN', 'TW', bad), await ask('CENTRAL_ADMIN', 'TW', bad)];
    expect(a.body.errors).toBeDefined();
    expect(b.statements).toBeGreaterThan(1);
    const audited = async () => Number((await rows<{ n: string }>(handle.db, sql`SELECT count(*) AS n FROM audit_log WHERE action = 'readMembers'`))[0]!.n);
    const before = await audited();
    const members = '{ unit(code: "C1") { members(first: 2) { nodes { id } } } }';
    const [m1, m2] = [await ask('CENTRAL_ADMIN', 'TW', members), await ask('CENTRAL_ADMIN', 'TW', members)];
    expect(m2.body).toEqual(m1.body);
    expect(m1.body.data.unit.members.nodes).toHaveLength(2);
    expect(await audited()).toBe(before + 2);
  });
});

describe('the version reads shared under load', () => {
  it('joins a request arriving during a read to the next read, which starts after that read ends', async () => {
    const started: number[] = [];
    const ends: (() => void)[] = [];
    let version = 0;
    const read = sharedReads(() => {
      started.push(version);
      return new Promise<number>((resolve) => ends.push(() => resolve(version)));
    });
    const first = read();
    version = 1; // a write commits while the first read is in flight
    const [second, third] = [read(), read()];
    expect(started).toEqual([0]); // the later two wait: the read in flight may have begun before the write
    ends[0]!();
    expect(await first).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]); // one more read for both, begun after they arrived
    ends[1]!();
    expect([await second, await third]).toEqual([1, 1]);
    const fourth = read(); // nothing in flight: a read of its own
    expect(started).toEqual([0, 1, 1]);
    ends[2]!();
    expect(await fourth).toBe(1);
  });

  it('serves 40 concurrent cached requests with far fewer version reads than requests, all of them right', async () => {
    const query = '{ unit(code: "TW") { kpi(id: APP_ADOPTION, period: "2026-05") { value } } }';
    const first = await ask('CENTRAL_ADMIN', 'TW', query);
    logger.reset();
    const token = await tokenFor('CENTRAL_ADMIN', 'TW');
    const answers = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
        return (await response.json()) as unknown;
      }),
    );
    expect(answers.every((a) => JSON.stringify(a) === JSON.stringify(first.body))).toBe(true);
    expect(logger.count).toBeGreaterThanOrEqual(1);
    expect(logger.count).toBeLessThan(40);
  });
});
