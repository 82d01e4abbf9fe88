// One structured log line a request: its id, the caller's id (never personal data), the
// operation, the status, how long it took and how many statements it sent.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { testYoga, tokenFor } from '../support/auth.js';
import { openTestDb } from '../support/db.js';

let handle: DbHandle;
const lines: Record<string, unknown>[] = [];
let yoga: Awaited<ReturnType<typeof testYoga>>;

beforeAll(async () => {
  handle = await openTestDb('postgres');
  await loadSmallTree(handle.db);
  const logger = pino({ level: 'info', base: undefined }, new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  yoga = await testYoga(handle.db, { logger });
});
afterAll(async () => handle?.close());

const post = async (headers: Record<string, string>, query: string, variables?: object) => {
  lines.length = 0;
  const response = await yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'req-log-0001', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  await response.text();
  return lines.filter((l) => l.msg === 'request');
};

describe('the request log', () => {
  it('tells the request id, the caller, the operation, the status, the time and the statements', async () => {
    const token = await tokenFor('VIEWER', 'C1', 'viewer-7');
    await post({ authorization: `Bearer ${token}` }, '{ viewer { kind } }');
    // Now the home unit is known: the operation reads the unit (1) and its value from the roll-ups (1).
    const [line] = await post({ authorization: `Bearer ${token}` }, 'query OneValue { unit(code: "C1") { kpi(id: APP_ADOPTION, period: "2026-03") { value } } }');
    expect(line).toEqual({
      level: 30,
      time: expect.any(Number),
      msg: 'request',
      requestId: 'req-log-0001',
      caller: 'user:viewer-7',
      method: 'POST',
      path: '/graphql',
      operation: 'OneValue',
      status: 200,
      ms: expect.any(Number),
      statements: 2,
    });
  });

  it('names an operation without a name by its kind and first field, and a refused caller as refused', async () => {
    const [anonymous] = await post({}, '{ kpis { id } }');
    expect(anonymous).toMatchObject({ caller: 'anonymous', operation: 'query kpis', statements: 0 });
    const [refused] = await post({ authorization: 'Bearer nope' }, '{ kpis { id } }');
    expect(refused).toMatchObject({ caller: 'refused', status: 401 });
    expect(JSON.stringify(refused)).not.toContain('nope');
  });

  it('counts the statements of a write: a new report takes 8, the same report again 5', async () => {
    const token = await tokenFor('UNIT_ADMIN', 'C1', 'secretary-c1');
    await post({ authorization: `Bearer ${token}` }, '{ viewer { kind } }');
    const report = (count: number) =>
      post({ authorization: `Bearer ${token}` }, 'mutation R($i: RecordReportInput!) { recordReport(input: $i) { __typename } }', {
        i: { unit: 'C1', kind: 'DIGITAL_ACCOUNTS', date: '2026-03-05', count, id: 'log-count-1' },
      });
    // BEGIN, the locks, the unit, the report as it was, its roll-up steps, the upsert,
    // the steps after with the roll-ups' change and the audit row, COMMIT.
    expect((await report(4))[0]).toMatchObject({ operation: 'R', status: 200, statements: 8 });
    // Nothing to change: BEGIN, the locks, the unit, the report as it is, COMMIT.
    expect((await report(4))[0]).toMatchObject({ operation: 'R', status: 200, statements: 5 });
    expect((await report(6))[0]).toMatchObject({ operation: 'R', status: 200, statements: 8 });
  });
});
