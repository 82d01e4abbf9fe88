// The Neon serverless driver (the one the Lambda functions use) against the suite's real
// Postgres, through a local WebSocket-to-TCP proxy in place of Neon's: migrations, the
// bulk loader, a transaction that rolls back, and the README's query through Yoga.
import { neonConfig } from '@neondatabase/serverless';
import { eq, sql } from 'drizzle-orm';
import ws from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, rows, type DbHandle } from '../../db/client.js';
import { units } from '../../db/schema.js';
import { loadSmallTree, SMALL_TREE } from '../fixtures/small-tree.js';
import { createTestDatabase } from '../support/db.js';
import { graphqlClient } from '../support/graphql.js';
import { startWsProxy, type WsProxy } from '../support/ws-proxy.js';

const UNIT_COUNT = SMALL_TREE.filter((record) => record.type === 'unit').length;

let proxy: WsProxy;
let handle: DbHandle;

beforeAll(async () => {
  proxy = await startWsProxy();
  // Each test file runs in its own worker, so these globals end with this file.
  neonConfig.webSocketConstructor = ws;
  neonConfig.wsProxy = (host, port) => `${proxy.address}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false; // the local proxy speaks plain ws://
  neonConfig.pipelineConnect = false; // a pipelined password is a Neon-proxy feature
  handle = await openDb({ url: await createTestDatabase(), driver: 'neon' });
  await handle.migrate();
  await loadSmallTree(handle.db);
});

afterAll(async () => {
  await handle?.close();
  await proxy?.close();
});

describe('the Neon serverless driver through a WebSocket proxy', () => {
  it('is the neon driver, and its connections go through the proxy', async () => {
    expect(handle.kind).toBe('neon');
    const [row] = await rows<{ units: number }>(handle.db, sql`SELECT count(*)::int AS units FROM units`);
    expect(row?.units).toBe(UNIT_COUNT);
    expect(proxy.connections).toBeGreaterThan(0);
  });

  it('migrates idempotently: a second run applies nothing and keeps the data', async () => {
    await handle.migrate();
    const [row] = await rows<{ units: number }>(handle.db, sql`SELECT count(*)::int AS units FROM units`);
    expect(row?.units).toBe(UNIT_COUNT);
  });

  it('rolls a transaction back when it throws, and sees its own writes before that', async () => {
    // Given C3's name; when a transaction renames it and then fails
    const failure = handle.db.transaction(async (tx) => {
      await tx.update(units).set({ name: 'Renamed inside the transaction' }).where(eq(units.code, 'C3'));
      const [inside] = await tx.select({ name: units.name }).from(units).where(eq(units.code, 'C3'));
      expect(inside?.name).toBe('Renamed inside the transaction');
      throw new Error('abort');
    });
    // then the error reaches the caller and the rename is gone
    await expect(failure).rejects.toThrow('abort');
    const [after] = await handle.db.select({ name: units.name }).from(units).where(eq(units.code, 'C3'));
    expect(after?.name).toBe('Xã Thanh Oai');
  });

  it('commits a transaction that returns', async () => {
    await handle.db.transaction(async (tx) => {
      await tx.update(units).set({ name: 'Xã Thanh Oai (mới)' }).where(eq(units.code, 'C3'));
    });
    const [after] = await handle.db.select({ name: units.name }).from(units).where(eq(units.code, 'C3'));
    expect(after?.name).toBe('Xã Thanh Oai (mới)');
  });

  it('answers the README query through Yoga: P1, APP_ADOPTION, March 2026 = 4 / 6', async () => {
    const query = graphqlClient(handle.db);
    const r = await query(`{ unit(code: "P1") { name kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator } } }`);
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
    expect(r.data.unit.name).toBe('Tỉnh Thử Nghiệm');
    expect(r.data.unit.kpi).toMatchObject({ numerator: 4, denominator: 6 });
    expect(r.data.unit.kpi.value).toBeCloseTo(66.6667, 4);
  });
});
