// The database goes away under load and comes back: a cluster of this test's own is shut
// down (fast, then as in a crash) while clients read and write through the real server.
// Requests in flight fail with a retryable error (never "Unexpected error", never a 500),
// the server recovers by itself, and after the clients retry what was not acknowledged
// (same idempotency keys), every write is there exactly once and the roll-ups equal a rebuild.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, rows, type DbHandle } from '../../db/client.js';
import { rollupSnapshot } from '../../db/rollup.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { adminHeaders, testYoga } from '../support/auth.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres, type PgServer } from '../support/postgres.js';
import { rebuiltSnapshot } from '../support/rollups.js';

/** How many faults and how long each load runs: `npm run test:soak` raises them. */
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 1);

let server: PgServer;
let handle: DbHandle;
let yoga: Awaited<ReturnType<typeof testYoga>>;
let headers: Record<string, string>;

beforeAll(async () => {
  // Commits reach the disk before they are acknowledged, as on a real server.
  server = await startPostgres(['synchronous_commit=on', 'fsync=on']);
  const url = await recreateDatabase(server.url, 'faults');
  handle = await openDb({ url, driver: 'pg', maxConnections: 5, connectionTimeoutMs: 1_000, statementTimeoutMs: 5_000 });
  await handle.migrate();
  await loadSmallTree(handle.db);
  yoga = await testYoga(handle.db);
  headers = { 'content-type': 'application/json', ...(await adminHeaders()) };
}, 120_000);
afterAll(async () => {
  await handle?.close();
  await server?.stop();
});

interface Outcome {
  status: number;
  code: string | null;
  retryable: boolean;
  ok: boolean;
}

async function send(query: string, variables: object): Promise<Outcome> {
  const response = await yoga.fetch('http://test/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = await response.json();
  const error = body.errors?.[0];
  return { status: response.status, code: error?.extensions?.code ?? null, retryable: error?.extensions?.retryable === true, ok: !body.errors };
}

const WRITE = `mutation ($id: String!, $key: String!, $date: Date!) {
  recordReport(input: { unit: "C1", kind: DIGITAL_SKILLS_TRAINED, date: $date, count: 1, id: $id }, idempotencyKey: $key) { __typename } }`;
const READ = '{ unit(code: "P1") { kpi(id: DIGITAL_SKILLS_TRAINED, period: "2025") { value } } }';

/** Clients writing distinct reports and reading, until `until` resolves; what each request came to. */
async function load(round: string, until: Promise<void>) {
  let stop = false;
  void until.then(() => (stop = true));
  const writes: { id: string; outcome: Outcome }[] = [];
  const reads: Outcome[] = [];
  let n = 0;
  const writer = async () => {
    while (!stop) {
      const id = `${round}-${(n += 1)}`;
      const date = new Date(Date.UTC(2025, 0, 1 + (n % 365))).toISOString().slice(0, 10);
      writes.push({ id, outcome: await send(WRITE, { id, key: `key-${id}`, date }) });
    }
  };
  const reader = async () => {
    while (!stop) reads.push(await send(READ, {}));
  };
  await Promise.all([writer(), writer(), writer(), reader(), reader()]);
  return { writes, reads };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe.each(['fast', 'immediate'] as const)('a %s shutdown of the database under load', (mode) => {
  it(
    'fails requests in flight with a retryable error, recovers by itself, and loses or doubles no acknowledged write',
    async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        const name = `${mode}-${round}`;
        const { writes, reads } = await load(
          name,
          (async () => {
            await sleep(400);
            await server.halt!(mode);
            await sleep(600);
            await server.resume!();
            await sleep(800);
          })(),
        );
        const all = [...writes.map((w) => w.outcome), ...reads];
        // Every failure is the retryable one; none is an unexpected error or a 500.
        for (const o of all) {
          if (!o.ok) expect(o, JSON.stringify(o)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
          expect(o.status === 200 || o.status === 503, JSON.stringify(o)).toBe(true);
        }
        // The fault was felt, and the server answered again after it, without a restart of its own.
        expect(all.filter((o) => !o.ok).length).toBeGreaterThan(0);
        const lastOk = writes.map((w) => w.outcome.ok).lastIndexOf(true);
        const firstFailure = writes.findIndex((w) => !w.outcome.ok);
        expect(lastOk).toBeGreaterThan(firstFailure);

        const refused = writes.filter((x) => !x.outcome.ok).length;
        console.log(`[faults] ${name}: ${writes.length} writes (${writes.length - refused} acknowledged, ${refused} refused as retryable and sent again), ${reads.length} reads (${reads.filter((o) => !o.ok).length} refused)`);
        // The clients send again what was not acknowledged, under the same keys.
        for (const w of writes.filter((x) => !x.outcome.ok)) {
          const date = new Date(Date.UTC(2025, 0, 1 + (Number(w.id.split('-').at(-1)) % 365))).toISOString().slice(0, 10);
          expect(await send(WRITE, { id: w.id, key: `key-${w.id}`, date })).toMatchObject({ ok: true });
        }
        const stored = await rows<{ external_id: string; n: number }>(
          handle.db,
          sql`SELECT external_id, count(*)::int AS n FROM activity_reports WHERE external_id LIKE ${`${name}-%`} GROUP BY external_id`,
        );
        expect(stored.length).toBe(writes.length);
        expect(stored.every((r) => r.n === 1)).toBe(true);
        const keyed = await rows<{ n: number }>(handle.db, sql`SELECT count(*)::int AS n FROM audit_log WHERE idempotency_key LIKE ${`key-${name}-%`}`);
        expect(keyed[0]!.n).toBe(writes.length);
      }
      expect(await rollupSnapshot(handle.db)).toEqual(await rebuiltSnapshot(handle.db));
      // No connection was kept out of the pool by a failed request: every one is back, idle.
      const pool = (handle.db as unknown as { $client: { totalCount: number; idleCount: number; waitingCount: number } }).$client;
      expect({ checkedOut: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }).toEqual({ checkedOut: 0, waiting: 0 });
    },
    120_000,
  );
});

describe('the health check', () => {
  it('says ok while the database answers, and 503 with the reason while it is away', async () => {
    const health = async () => {
      const r = await yoga.fetch('http://test/health');
      return { status: r.status, body: await r.json() };
    };
    expect(await health()).toMatchObject({ status: 200, body: { status: 'ok', databaseMs: expect.any(Number) } });
    await server.halt!('fast');
    try {
      expect(await health()).toEqual({ status: 503, body: { status: 'unavailable', reason: 'the database is not reachable' } });
    } finally {
      await server.resume!();
    }
    expect((await health()).status).toBe(200);
  });
});
