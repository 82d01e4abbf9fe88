// The small tree (test/fixtures/small-tree.ts) and a second province beside it, with the
// callers of every kind that the access tests ask as:
//
//   TW
//   ├── P1 ── C1 ── B11, B12     (the small tree: C1 has 4 of 6 members on the app in March 2026)
//   │   ├──── C2 ── B21          (closed mid-March 2026)
//   │   └──── C3                 (no branches)
//   └── P2 ── C4 ── B41          (q1–q6: 5 of 6 on the app; a report of 9 installs on 5 March 2026)
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import { rows, type Db, type DbHandle } from '../../../db/client.js';
import { loadRecords } from '../../../db/import/run.js';
import type { ImportRecord } from '../../../db/records.js';
import { units } from '../../../db/schema.js';
import { createPartnerKey } from '../../../schema/access/partner-keys.js';
import type { KpiId } from '../../../domain/catalogue.js';
import { eq } from 'drizzle-orm';
import type { Logger } from 'drizzle-orm/logger';
import { loadSmallTree } from '../../fixtures/small-tree.js';
import { tokenFor, testYoga } from '../../support/auth.js';
import { openTestDb } from '../../support/db.js';
import type { GraphQLResponse } from '../../support/graphql.js';

const OPEN = '2020-01-01T00:00:00+07:00';

export const SECOND_PROVINCE: ImportRecord[] = [
  { type: 'unit', code: 'P2', name: 'Tỉnh Bên Cạnh', level: 'PROVINCE', parent: 'TW', validFrom: OPEN },
  { type: 'unit', code: 'C4', name: 'Xã Bên Cạnh', level: 'COMMUNE', parent: 'P2', validFrom: OPEN },
  { type: 'unit', code: 'B41', name: 'Chi đoàn Bên Cạnh', level: 'BRANCH', parent: 'C4', validFrom: OPEN },
  ...[1, 2, 3, 4, 5, 6].map(
    (i): ImportRecord => ({
      type: 'member',
      id: `q${i}`,
      unit: 'B41',
      joinedAt: '2025-01-01T08:00:00+07:00',
      ...(i <= 5 ? { appActivatedAt: '2025-06-01T08:00:00+07:00' } : {}),
    }),
  ),
  { type: 'report', unit: 'C4', kind: 'VNEID_INSTALLS', date: '2026-03-05', count: 9 },
];

export type CallerName = 'CENTRAL_ADMIN' | 'UNIT_ADMIN' | 'LEADER' | 'VIEWER' | 'PARTNER' | 'ANONYMOUS' | 'ANONYMOUS_OFF';
export const CALLERS: CallerName[] = ['CENTRAL_ADMIN', 'UNIT_ADMIN', 'LEADER', 'VIEWER', 'PARTNER', 'ANONYMOUS', 'ANONYMOUS_OFF'];

/** The partner's key reads P1's subtree, two KPIs. */
export const PARTNER_KPIS: KpiId[] = ['APP_ADOPTION', 'VNEID_INSTALLS'];

export interface World {
  db: Db;
  handle: DbHandle;
  headers: Record<CallerName, Record<string, string>>;
  partnerKey: string;
  /** A GraphQL request as a caller. */
  gql<T = any>(caller: CallerName, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T> & { status: number }>;
  /** Any HTTP request as a caller (path and query string). */
  get(caller: CallerName, path: string): Promise<Response>;
  auditCount(): Promise<number>;
}

/** A partner key on the world's database. */
export async function partnerKeyFor(db: Db, unitCode: string, options: { kpis?: KpiId[]; rateLimit?: number; persistedOnly?: boolean } = {}): Promise<string> {
  const [unit] = await db.select().from(units).where(eq(units.code, unitCode));
  const { key } = await createPartnerKey(db, {
    name: `Partner of ${unitCode}`,
    unit: unit!,
    kpis: options.kpis ?? PARTNER_KPIS,
    expiresAt: new Date(Date.now() + 86_400_000),
    rateLimit: options.rateLimit ?? 10_000,
    persistedOnly: options.persistedOnly ?? false,
    createdBy: 'test',
  });
  return key;
}

/** Loads the world once for the file's tests (every statement seen by `logger` when given). */
export function useWorld(set: (w: World) => void, options: { logger?: Logger } = {}): void {
  let handle: DbHandle | undefined;
  beforeAll(async () => {
    handle = await openTestDb('postgres', { logger: options.logger });
    await loadSmallTree(handle.db);
    await loadRecords(handle.db, SECOND_PROVINCE);
    const key = await partnerKeyFor(handle.db, 'P1');
    const bearer = async (role: 'CENTRAL_ADMIN' | 'UNIT_ADMIN' | 'LEADER' | 'VIEWER', unit: string) => ({ authorization: `Bearer ${await tokenFor(role, unit)}` });
    const headers: World['headers'] = {
      CENTRAL_ADMIN: await bearer('CENTRAL_ADMIN', 'TW'),
      UNIT_ADMIN: await bearer('UNIT_ADMIN', 'C1'),
      LEADER: await bearer('LEADER', 'C1'),
      VIEWER: await bearer('VIEWER', 'C1'),
      PARTNER: { 'x-api-key': key },
      ANONYMOUS: {},
      ANONYMOUS_OFF: {},
    };
    const open = await testYoga(handle.db);
    const closed = await testYoga(handle.db, { access: { anonymous: 'none' } });
    const server = (caller: CallerName) => (caller === 'ANONYMOUS_OFF' ? closed : open);
    const db = handle.db;
    set({
      db,
      handle,
      headers,
      partnerKey: key,
      gql: async (caller, query, variables) => {
        const response = await server(caller).fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers[caller] },
          body: JSON.stringify({ query, variables }),
        });
        return { status: response.status, ...((await response.json()) as GraphQLResponse) };
      },
      get: async (caller, path) => server(caller).fetch(`http://test${path}`, { headers: headers[caller] }),
      auditCount: async () => (await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM audit_log`))[0]!.n,
    });
  });
  afterAll(async () => handle?.close());
}

/** The codes of the errors of a response. */
export const codes = (r: GraphQLResponse) => (r.errors ?? []).map((e) => e.extensions?.code);
