// The stack as CloudFormation sees it (CDK assertions on one synth of a dev and a prod
// stack), a snapshot of the dev template, and the migrate function's deployed bundle run
// against a fresh database.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../infra/lib/bundling.js';
import { KpiStack } from '../../infra/lib/kpi-stack.js';
import { stageConfig } from '../../infra/lib/stages.js';
import { startSecretsManager } from '../functions/fixtures/secrets-manager.js';
import { createTestDatabase } from '../support/db.js';
import { startWsProxy, type WsProxy } from '../support/ws-proxy.js';

const run = promisify(execFile);
const cdkContext = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const context = (values: Record<string, unknown>) => ({ tryGetContext: (key: string) => values[key] });
const PROD_ORIGIN = 'https://kpi.example.org';

let outdir: string;
let home: string;
let dev: Template;
let prod: Template;
let assemblyDir: string;

beforeAll(() => {
  // aws-cdk-lib keeps a cache under ~/.cdk: a scratch home keeps the run's files in the run.
  home = mkdtempSync(join(tmpdir(), 'kpi-stack-home-'));
  vi.stubEnv('HOME', home);
  // Inside the project, so a bundle's externals (the AWS SDK, which Lambda provides) resolve
  // from node_modules when the migrate bundle runs below.
  mkdirSync(join(PROJECT_ROOT, 'cdk.out'), { recursive: true });
  outdir = mkdtempSync(join(PROJECT_ROOT, 'cdk.out', 'test-stack-'));
  // The context the CLI gives an app: cdk.json's, and resource metadata naming each asset's folder.
  const app = new App({ outdir, context: { ...cdkContext, 'aws:cdk:enable-path-metadata': true, 'aws:cdk:enable-asset-metadata': true } });
  const devStack = new KpiStack(app, 'Dev', { stage: stageConfig(context({})), deployId: 'deploy-1' });
  const prodStack = new KpiStack(app, 'Prod', {
    stage: stageConfig(context({ stage: 'prod', corsOrigins: PROD_ORIGIN })),
    deployId: 'deploy-1',
  });
  assemblyDir = app.synth().directory;
  dev = Template.fromStack(devStack);
  prod = Template.fromStack(prodStack);
}, 120_000);

afterAll(() => {
  vi.unstubAllEnvs();
  for (const dir of [outdir, home]) rmSync(dir, { recursive: true, force: true });
});

/** Logical ids of the project's own functions (not the Provider framework's). */
function ownFunctions(template: Template): Record<string, string> {
  const found = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { DATABASE_SECRET_ARN: Match.anyValue() } } },
  });
  const byName: Record<string, string> = {};
  for (const [id, resource] of Object.entries(found)) byName[String(resource.Properties.Description).startsWith('GraphQL') ? 'graphql' : 'migrate'] = id;
  return byName;
}
const secretId = (template: Template) => Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0]!;

describe('stage settings', () => {
  it.each([
    [{}, { name: 'dev', reservedConcurrency: 5, graphiql: true, retain: false }],
    [{ stage: 'prod' }, { name: 'prod', corsOrigins: [], reservedConcurrency: 100, graphiql: false, production: true, retain: true }],
    [{ stage: 'prod', corsOrigins: 'https://a.vn, https://b.vn' }, { corsOrigins: ['https://a.vn', 'https://b.vn'] }],
    [{ stage: 'prod', corsOrigins: ['https://a.vn'] }, { corsOrigins: ['https://a.vn'] }],
    [{ reservedConcurrency: '20' }, { reservedConcurrency: 20 }],
    [{ reservedConcurrency: 'none' }, { reservedConcurrency: undefined }],
  ])('%j → %j', (values, expected) => expect(stageConfig(context(values))).toMatchObject(expected));

  it.each([
    [{ stage: 'staging' }, 'unknown stage "staging": use one of dev, prod'],
    [{ reservedConcurrency: '0' }, 'reservedConcurrency must be a positive integer or "none" (got "0")'],
  ])('rejects %j', (values, message) => expect(() => stageConfig(context(values))).toThrow(message));
});

describe('the stack', () => {
  it('has the API, its six routes, three functions, one secret, three alarms and the migrations', () => {
    dev.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    dev.resourceCountIs('AWS::ApiGatewayV2::Route', 6);
    // graphql, migrate and the custom-resource Provider's framework function
    dev.resourceCountIs('AWS::Lambda::Function', 3);
    dev.resourceCountIs('AWS::SecretsManager::Secret', 1);
    dev.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    dev.resourceCountIs('Custom::DatabaseMigrations', 1);
    dev.resourceCountIs('AWS::Logs::LogGroup', 3);
  });

  it('runs both functions on nodejs22.x, arm64, with the secret ARN and source maps in the environment', () => {
    const secret = secretId(dev);
    for (const [name, memory, timeout] of [['graphql', 1024, 15], ['migrate', 512, 300]] as const) {
      const { Properties } = dev.toJSON().Resources[ownFunctions(dev)[name]!];
      expect(Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        Environment: { Variables: { DATABASE_SECRET_ARN: { Ref: secret }, NODE_OPTIONS: '--enable-source-maps' } },
      });
    }
  });

  it('serves GraphiQL on dev only', () => {
    for (const [template, graphiql] of [[dev, 'true'], [prod, 'false']] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^GraphQL'),
        Environment: { Variables: Match.objectLike({ GRAPHIQL: graphiql }) },
      });
    }
  });

  it('routes every path the server answers (/graphql, /export/…, /health), preflights included, to the graphql function with payload 2.0', () => {
    const integrations = dev.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.values(integrations).map((i) => i.Properties)).toEqual([
      expect.objectContaining({
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [ownFunctions(dev).graphql, 'Arn'] },
      }),
    ]);
    const target = { 'Fn::Join': ['', ['integrations/', { Ref: Object.keys(integrations)[0] }]] };
    for (const routeKey of ['GET /graphql', 'POST /graphql', 'OPTIONS /graphql', 'GET /export/{file}', 'OPTIONS /export/{file}', 'GET /health']) {
      dev.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, Target: target });
    }
  });

  it('takes the token issuer, its key set, the CORS origins and anonymous access as stack parameters, defaulting to the stage’s origins', () => {
    for (const [template, origins] of [[dev, 'http://localhost:3000,http://localhost:5173'], [prod, PROD_ORIGIN]] as const) {
      const { Parameters } = template.toJSON();
      expect(Parameters.AuthIssuer).toMatchObject({ Type: 'String', Default: '' });
      expect(Parameters.AuthJwksUrl).toMatchObject({ Type: 'String', Default: '', AllowedPattern: '^(https://\\S+)?$' });
      expect(Parameters.CorsOrigins).toMatchObject({ Type: 'String', Default: origins });
      expect(Parameters.AnonymousAccess).toMatchObject({ Type: 'String', Default: 'public', AllowedValues: ['public', 'none'] });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^GraphQL'),
        Environment: {
          Variables: Match.objectLike({
            AUTH_ISSUER: { Ref: 'AuthIssuer' },
            AUTH_JWKS_URL: { Ref: 'AuthJwksUrl' },
            CORS_ORIGINS: { Ref: 'CorsOrigins' },
            ANONYMOUS_ACCESS: { Ref: 'AnonymousAccess' },
          }),
        },
      });
    }
    // The server answers CORS itself (CORS_ORIGINS): API Gateway adds no headers of its own.
    dev.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  it('runs prod with NODE_ENV=production (no introspection), dev without', () => {
    for (const [template, env] of [[dev, 'development'], [prod, 'production']] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp('^GraphQL'),
        Environment: { Variables: Match.objectLike({ NODE_ENV: env }) },
      });
    }
  });

  it('alarms on the graphql function’s errors, throttles and p99 duration', () => {
    const fn = { Ref: ownFunctions(dev).graphql };
    const alarms = Object.values(dev.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    expect(alarms.map((a) => [a.MetricName, a.Statistic ?? a.ExtendedStatistic, a.Threshold])).toEqual([
      ['Errors', 'Sum', 1],
      ['Throttles', 'Sum', 1],
      ['Duration', 'p99', 3000],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: fn }], AlarmActions: [expect.anything()] });
    }
  });

  it('lets only the two functions read the secret, and only that secret', () => {
    const secret = { Ref: secretId(dev) };
    const statements = Object.entries(dev.findResources('AWS::IAM::Policy')).flatMap(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).map((statement) => ({
        roles: policy.Properties.Roles,
        ...statement,
      })),
    );
    const secretStatements = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toHaveLength(2);
    for (const s of secretStatements) {
      expect([s.Action].flat()).toContain('secretsmanager:GetSecretValue');
      expect(s.Resource).toEqual(secret);
    }
    const roleOf = (fn: string) => dev.toJSON().Resources[fn].Properties.Role['Fn::GetAtt'][0];
    expect(secretStatements.map((s) => s.roles[0].Ref).sort()).toEqual([roleOf(ownFunctions(dev).graphql!), roleOf(ownFunctions(dev).migrate!)].sort());
    expect(statements.filter((s) => [s.Resource].flat().includes('*'))).toEqual([]);
  });

  it('reserves the stage’s concurrency for the graphql function', () => {
    expect(dev.toJSON().Resources[ownFunctions(dev).graphql!].Properties.ReservedConcurrentExecutions).toBe(5);
    expect(prod.toJSON().Resources[ownFunctions(prod).graphql!].Properties.ReservedConcurrentExecutions).toBe(100);
    expect(dev.toJSON().Resources[ownFunctions(dev).migrate!].Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('keeps every function’s logs for one month, and keeps logs and secret when a prod stack is deleted', () => {
    const groups = dev.findResources('AWS::Logs::LogGroup');
    for (const group of Object.values(groups)) expect(group.Properties.RetentionInDays).toBe(30);
    const functions = Object.values(dev.findResources('AWS::Lambda::Function'));
    expect(functions.map((f) => f.Properties.LoggingConfig.LogGroup.Ref).sort()).toEqual(Object.keys(groups).sort());
    for (const group of Object.values(groups)) expect(group.DeletionPolicy).toBe('Delete');
    for (const resource of [...Object.values(prod.findResources('AWS::Logs::LogGroup')), ...Object.values(prod.findResources('AWS::SecretsManager::Secret'))]) {
      expect(resource.DeletionPolicy).toBe('Retain');
    }
  });

  it('runs the migrations through the Provider on each deploy, before the graphql function changes', () => {
    dev.hasResourceProperties('Custom::DatabaseMigrations', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^MigrateProviderframeworkonEvent'), 'Arn'] },
      Migrations: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
      DeployId: 'deploy-1',
    });
    dev.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'framework.onEvent',
      Environment: { Variables: { USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [ownFunctions(dev).migrate, 'Arn'] } } },
    });
    expect(dev.toJSON().Resources[ownFunctions(dev).graphql!].DependsOn).toContain(Object.keys(dev.findResources('Custom::DatabaseMigrations'))[0]);
  });

  it('matches the snapshot (asset hashes left out)', () => {
    const normalised = JSON.stringify(dev.toJSON(), null, 2).replace(/[0-9a-f]{64}/g, '<hash>');
    expect(JSON.parse(normalised)).toMatchSnapshot();
  });
});

describe('the bundles', () => {
  const assetOf = (template: Template, fn: string) =>
    join(assemblyDir, template.toJSON().Resources[fn].Metadata['aws:asset:path'] as string);

  it('keep PGlite, node-postgres and the AWS SDK out of the graphql bundle, under 1.5 MB', () => {
    const dir = assetOf(dev, ownFunctions(dev).graphql!);
    expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(statSync(join(dir, 'index.mjs')).size).toBeLessThan(1.5 * 1024 * 1024);
    expect(code).not.toMatch(/new PGlite|pglite\.wasm/);
    expect(code).toMatch(/import\("@electric-sql\/pglite"\)/);
    expect(code).toMatch(/import\("pg"\)/);
    expect(code).toMatch(/import\("@aws-sdk\/client-secrets-manager"\)/);
  });

  it('carry the migrations beside the migrate function’s index.mjs', () => {
    const dir = assetOf(dev, ownFunctions(dev).migrate!);
    const source = join(PROJECT_ROOT, 'db', 'migrations');
    expect(readdirSync(join(dir, 'migrations')).sort()).toEqual(readdirSync(source).sort());
    expect(readFileSync(join(dir, 'migrations', 'meta', '_journal.json'), 'utf8')).toBe(readFileSync(join(source, 'meta', '_journal.json'), 'utf8'));
  });
});

describe('the migrate function as bundled for deploy', () => {
  const event = JSON.parse(readFileSync(new URL('./fixtures/migrations-event.json', import.meta.url), 'utf8'));
  let proxy: WsProxy;
  let bundle: string;

  beforeAll(async () => {
    proxy = await startWsProxy();
    bundle = join(assemblyDir, dev.toJSON().Resources[ownFunctions(dev).migrate!].Metadata['aws:asset:path'], 'index.mjs');
  });
  afterAll(async () => proxy?.close());

  /** Invokes the bundle once in a fresh Node process, as a Lambda container would. */
  async function invoke(requestEvent: object, env: Record<string, string>): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
    const script = `const { handler } = await import(process.argv[1]);
      console.log(JSON.stringify(await handler(JSON.parse(process.argv[2]))));
      process.exit(0);`;
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_|NEON_|AWS_)/.test(k)));
    const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script, bundle, JSON.stringify(requestEvent)], {
      env: { ...clean, ...env },
      timeout: 60_000,
    });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  }

  it('applies the migrations on Create, through the Neon driver, and again harmlessly on Update', async () => {
    const url = await createTestDatabase();
    const env = { DATABASE_URL: url, NEON_WS_PROXY: proxy.address };
    expect(await invoke(event, env)).toEqual({ PhysicalResourceId: 'database-migrations', Data: { Status: 'applied' } });
    expect(await invoke({ ...event, RequestType: 'Update', PhysicalResourceId: 'database-migrations' }, env)).toMatchObject({ Data: { Status: 'applied' } });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      const journal = JSON.parse(readFileSync(join(PROJECT_ROOT, 'db', 'migrations', 'meta', '_journal.json'), 'utf8'));
      expect(rows[0]!.n).toBe(journal.entries.length);
      expect((await client.query(`SELECT to_regclass('public.units') AS t`)).rows[0].t).toBe('units');
    } finally {
      await client.end();
    }
    expect(proxy.connections).toBeGreaterThan(0);
  });

  it('does nothing on Delete, not even open the database', async () => {
    const result = await invoke({ ...event, RequestType: 'Delete', PhysicalResourceId: 'database-migrations' }, {});
    expect(result).toEqual({ PhysicalResourceId: 'database-migrations' });
  });

  it('skips, without failing the deploy, while the secret holds no connection string', async () => {
    const arn = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:DatabaseUrl-AbCdEf';
    const secrets = await startSecretsManager(arn, 'q7V#pX2!mZr9&Lw4tYb8');
    try {
      const result = await invoke(event, { ...secrets.env, DATABASE_SECRET_ARN: arn });
      expect(result).toEqual({
        PhysicalResourceId: 'database-migrations',
        Data: { Status: 'skipped', Reason: `secret ${arn} does not hold a postgresql:// connection string yet (see docs/deploy.md)` },
      });
      expect(secrets.requests).toEqual([arn]);
    } finally {
      await secrets.close();
    }
  });
});
