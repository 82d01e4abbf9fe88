// A fresh small tree (test/fixtures/small-tree.ts) for every test, since mutations change
// it: the tree is loaded once into a template database, which Postgres copies quickly.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { openDb, rows, type Db, type DbHandle } from '../../../db/client.js';
import { loadSmallTree } from '../../fixtures/small-tree.js';
import { createTestDatabase } from '../../support/db.js';
import { tokenFor, testYoga } from '../../support/auth.js';
import type { GraphQLResponse } from '../../support/graphql.js';

let template: Promise<string> | undefined;
/** The copy for the next test, made while the current one runs. */
let next: Promise<string> | undefined;
afterAll(async () => {
  await next?.catch(() => undefined);
});

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function makeTemplate(): Promise<string> {
  const url = await createTestDatabase();
  const handle = await openDb({ url, driver: 'pg' });
  await handle.migrate();
  await loadSmallTree(handle.db);
  await handle.close();
  return new URL(url).pathname.slice(1);
}

export interface Tree {
  db: Db;
  handle: DbHandle;
  /** Sends a GraphQL request through the real server as a central admin, with `actor` as the token's subject when given. */
  gql<T = any>(query: string, variables?: Record<string, unknown>, actor?: string): Promise<GraphQLResponse<T>>;
  /** Like gql, failing on any GraphQL error; returns data. */
  data<T = any>(query: string, variables?: Record<string, unknown>, actor?: string): Promise<T>;
  audit(): Promise<AuditRow[]>;
}

export interface AuditRow {
  actor: string;
  action: string;
  entity: string;
  entity_key: string;
  before: any;
  after: any;
  idempotency_key: string | null;
}

async function copyTemplate(): Promise<string> {
  template ??= makeTemplate();
  const from = await template;
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${from}`));
  return name;
}

export async function freshTree(): Promise<Tree> {
  const name = await (next ?? copyTemplate());
  next = copyTemplate();
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  const handle = await openDb({ url: url.toString(), driver: 'pg' });
  const yoga = await testYoga(handle.db);
  const gql = async <T,>(query: string, variables?: Record<string, unknown>, actor?: string): Promise<GraphQLResponse<T>> => {
    const token = await tokenFor('CENTRAL_ADMIN', 'TW', actor ?? 'admin@TW');
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  };
  return {
    db: handle.db,
    handle,
    gql,
    data: async <T,>(query: string, variables?: Record<string, unknown>, actor?: string): Promise<T> => {
      const r = await gql<T>(query, variables, actor);
      if (r.errors) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
      return r.data!;
    },
    /** The mutations' audit rows (the fixture went in through the import, whose batches have rows of their own). */
    audit: () =>
      rows<AuditRow>(handle.db, sql`SELECT actor, action, entity, entity_key, before, after, idempotency_key FROM audit_log WHERE action <> 'import' ORDER BY id`),
  };
}

/**
 * Gives the tests of the enclosing describe a tree: a fresh one for each test, or one
 * shared by all (for tests that are refused or only read, so change nothing).
 */
export function useTree(mode: 'each' | 'shared', set: (tree: Tree) => void): void {
  let tree: Tree | undefined;
  const open = async () => {
    tree = await freshTree();
    set(tree);
  };
  const close = async () => tree?.handle.close();
  if (mode === 'each') {
    beforeEach(open);
    afterEach(close);
  } else {
    beforeAll(open);
    afterAll(close);
  }
}

export const ERRORS = '... on ValidationError { message issues { field reason } } ... on NotFoundError { message field reason }';

/** A mutation `name(input: <Name>Input!, idempotencyKey)` asking `success` of its success type; returns the result object. */
export function mutation(name: string, success: string) {
  const type = `${name[0]!.toUpperCase()}${name.slice(1)}`;
  const query = `mutation ($input: ${type}Input!, $key: String) {
    ${name}(input: $input, idempotencyKey: $key) { __typename ... on ${type}Success ${success} ${ERRORS} } }`;
  return async (t: Tree, input: Record<string, unknown>, options: { key?: string; actor?: string } = {}): Promise<any> =>
    (await t.data<Record<string, any>>(query, { input, key: options.key }, options.actor))[name];
}

/** A KPI of a unit for a period, read through GraphQL as a dashboard would. */
export async function kpi(t: Tree, unit: string, id: string, period: string): Promise<{ value: number | null; numerator: number; denominator: number | null }> {
  const d = await t.data<{ unit: { kpi: any } }>(`query ($unit: String!, $id: KpiId!, $period: String!) {
    unit(code: $unit) { kpi(id: $id, period: $period) { value numerator denominator } } }`, { unit, id, period });
  return d.unit.kpi;
}
