// The Lambda handler for the GraphQL API, fed real API Gateway HTTP API (payload 2.0)
// events, over the real schema and the Neon driver reaching the suite's Postgres through a
// local WebSocket proxy. The handler reads its database from the environment, as in AWS.
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDb } from '../../db/client.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { createTestDatabase } from '../support/db.js';
import { startWsProxy, type WsProxy } from '../support/ws-proxy.js';
import { startSecretsManager } from './fixtures/secrets-manager.js';

type Handler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const fixture = (name: string): APIGatewayProxyEventV2 =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as APIGatewayProxyEventV2;
const json = (result: APIGatewayProxyStructuredResultV2) => JSON.parse(String(result.body));

/** A fresh copy of the handler module (and of its container state) under the given environment. */
async function coldStart(env: Record<string, string>): Promise<{ handler: Handler; close: () => Promise<void> }> {
  vi.resetModules();
  for (const name of ['DATABASE_URL', 'DATABASE_DRIVER', 'DATABASE_SECRET_ARN', 'GRAPHIQL', 'AUTH_ISSUER', 'AUTH_JWKS_URL', 'CORS_ORIGINS', 'NODE_ENV']) vi.stubEnv(name, '');
  // The request log goes to stdout in AWS; here it would only fill the test output.
  vi.stubEnv('LOG_LEVEL', 'warn');
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const { handler } = await import('../../functions/graphql.js');
  const { database } = await import('../../functions/runtime.js');
  return { handler, close: async () => (await database()).close() };
}

let databaseUrl: string;
let proxy: WsProxy;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  const setup = await openDb({ url: databaseUrl, driver: 'pg' });
  await setup.migrate();
  await loadSmallTree(setup.db);
  await setup.close();
  proxy = await startWsProxy();
});
afterAll(async () => proxy?.close());
afterEach(() => vi.unstubAllEnvs());

describe('the graphql handler', () => {
  let lambda: Awaited<ReturnType<typeof coldStart>>;
  beforeAll(async () => {
    lambda = await coldStart({ DATABASE_URL: databaseUrl, NEON_WS_PROXY: proxy.address });
  });
  afterAll(async () => lambda?.close());

  const APP_ADOPTION_P1 = {
    unit: { name: 'Tỉnh Thử Nghiệm', kpi: { value: expect.closeTo(66.6667, 4), numerator: 4, denominator: 6 } },
  };

  it.each([
    ['a POST with a JSON body', 'post-json'],
    ['a POST with a base64-encoded body', 'post-base64'],
    ['a GET with the query in the query string', 'get-query'],
  ])('answers %s: P1, APP_ADOPTION, March 2026 = 4 / 6', async (_, name) => {
    const result = await lambda.handler(fixture(name));
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
    expect(json(result)).toEqual({ data: APP_ADOPTION_P1 });
  });

  it('went through the Neon driver and the WebSocket proxy', () => {
    expect(proxy.connections).toBeGreaterThan(0);
  });

  it('answers a malformed JSON body with 400 and an error', async () => {
    const result = await lambda.handler(fixture('post-malformed-json'));
    expect(result.statusCode).toBe(400);
    const body = json(result);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/invalid JSON/i) })]);
  });

  it('answers an unknown unit code with 200 and a GraphQL error naming the argument', async () => {
    const result = await lambda.handler(fixture('post-unknown-unit'));
    expect(result.statusCode).toBe(200);
    expect(json(result).errors).toEqual([
      expect.objectContaining({
        message: 'Not found "code": no unit has code "XX"',
        extensions: expect.objectContaining({ code: 'NOT_FOUND', argument: 'code' }),
      }),
    ]);
  });

  it('names the request in errors and in a header with API Gateway’s request id', async () => {
    const event = fixture('post-unknown-unit');
    const result = await lambda.handler(event);
    expect(result.headers?.['x-request-id']).toBe(event.requestContext.requestId);
    expect(json(result).errors[0].extensions.requestId).toBe(event.requestContext.requestId);
  });

  it('refuses a GET without the CSRF header (a cross-site form cannot send one)', async () => {
    const event = fixture('get-query');
    const { 'x-graphql-yoga-csrf': _, ...headers } = event.headers;
    const result = await lambda.handler({ ...event, headers });
    expect(result.statusCode).toBe(403);
    expect(String(result.body)).not.toContain('Tỉnh Thử Nghiệm');
  });

  it('refuses a bearer token when no issuer is configured (AUTH_ISSUER, AUTH_JWKS_URL), and answers no mutation anonymously', async () => {
    const event = fixture('post-json');
    const withToken = await lambda.handler({ ...event, headers: { ...event.headers, authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' } });
    expect(withToken.statusCode).toBe(401);
    expect(json(withToken).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const body = JSON.stringify({ query: 'mutation { recordReport(input: { unit: "C1", kind: VNEID_INSTALLS, date: "2026-03-02", count: 1 }) { __typename } }' });
    const anonymous = json(await lambda.handler({ ...event, body, isBase64Encoded: false }));
    expect(anonymous.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('serves GraphiQL to a browser only with GRAPHIQL=true (the dev stage)', async () => {
    const event = fixture('get-query');
    const browser = { ...event, rawQueryString: '', headers: { ...event.headers, accept: 'text/html' } };
    expect(String((await lambda.handler(browser)).body)).not.toContain('<html');
    const withGraphiql = await coldStart({ DATABASE_URL: databaseUrl, NEON_WS_PROXY: proxy.address, GRAPHIQL: 'true' });
    try {
      const page = await withGraphiql.handler(browser);
      expect(page.statusCode).toBe(200);
      expect(page.headers?.['content-type']).toMatch(/^text\/html/);
      expect(String(page.body)).toContain('Youth Union KPIs');
    } finally {
      await withGraphiql.close();
    }
  });
});

describe('the graphql handler in AWS, with its connection string in Secrets Manager', () => {
  const arn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:kpi-dev-database-url-AbCdEf';

  it('reads the secret once per container and serves requests with it', async () => {
    const secrets = await startSecretsManager(arn, `${databaseUrl}\n`);
    const lambda = await coldStart({ ...secrets.env, DATABASE_SECRET_ARN: arn, NEON_WS_PROXY: proxy.address });
    try {
      for (const name of ['post-json', 'get-query']) {
        const result = await lambda.handler(fixture(name));
        expect(json(result).data.unit.kpi).toMatchObject({ numerator: 4, denominator: 6 });
      }
      expect(secrets.requests).toEqual([arn]);
    } finally {
      await lambda.close();
      await secrets.close();
    }
  });

  it('fails to start, saying why, while the secret holds no connection string', async () => {
    const secrets = await startSecretsManager(arn, 'q7V#pX2!mZr9&Lw4tYb8');
    try {
      await expect(coldStart({ ...secrets.env, DATABASE_SECRET_ARN: arn })).rejects.toThrow(
        `secret ${arn} does not hold a postgresql:// connection string yet`,
      );
    } finally {
      await secrets.close();
    }
  });
});
