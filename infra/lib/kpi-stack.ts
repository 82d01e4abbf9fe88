// The whole deployment, one stack per stage: an HTTP API in front of the graphql function,
// the Neon connection string in Secrets Manager, migrations applied by a custom resource on
// each deploy, logs kept a month, and alarms on the function's errors, throttles and p99.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Annotations, CfnOutput, CfnParameter, CustomResource, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, TreatMissingData, type Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { ENTRIES, MIGRATIONS, PROJECT_ROOT, lambdaBundling, type FunctionName } from './bundling.js';
import type { StageConfig } from './stages.js';

export interface KpiStackProps extends StackProps {
  stage: StageConfig;
  /**
   * Changes on every deploy, so that CloudFormation updates the migrations resource and
   * the migrate function runs each time (applying nothing when the database is current).
   */
  deployId: string;
}

export class KpiStack extends Stack {
  readonly api: HttpApi;
  readonly graphqlFunction: NodejsFunction;
  readonly migrateFunction: NodejsFunction;
  readonly databaseSecret: Secret;

  constructor(scope: Construct, id: string, props: KpiStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const removalPolicy = stage.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // Created with a random value: the operator puts the Neon connection string in (docs/deploy.md).
    this.databaseSecret = new Secret(this, 'DatabaseUrl', {
      description: `Neon connection string (postgresql://…) of the KPI API, stage ${stage.name}`,
      removalPolicy,
    });

    const logGroup = (name: string) =>
      new LogGroup(this, `${name}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy });
    interface Settings {
      description: string;
      memorySize: number;
      timeout: Duration;
      reservedConcurrentExecutions?: number | undefined;
      environment?: Record<string, string>;
    }
    const lambda = (name: FunctionName, logicalId: string, settings: Settings) => {
      const fn = new NodejsFunction(this, logicalId, {
        entry: join(PROJECT_ROOT, ENTRIES[name]),
        handler: 'handler',
        projectRoot: PROJECT_ROOT,
        depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        bundling: lambdaBundling(name),
        logGroup: logGroup(logicalId),
        ...settings,
        environment: {
          DATABASE_SECRET_ARN: this.databaseSecret.secretArn,
          NODE_OPTIONS: '--enable-source-maps',
          ...settings.environment,
        },
      });
      this.databaseSecret.grantRead(fn);
      return fn;
    };

    // Who may call: set at deploy time (`--parameters AuthIssuer=… AuthJwksUrl=…`), read by the function (docs/access.md).
    const authIssuer = new CfnParameter(this, 'AuthIssuer', {
      type: 'String',
      default: '',
      description: 'Issuer (iss claim) of users’ bearer tokens; empty: no user token is accepted (partner keys and anonymous reads only)',
    });
    const authJwksUrl = new CfnParameter(this, 'AuthJwksUrl', {
      type: 'String',
      default: '',
      allowedPattern: '^(https://\\S+)?$',
      description: 'HTTPS URL of the issuer’s JSON Web Key Set',
    });
    const corsOrigins = new CfnParameter(this, 'CorsOrigins', {
      type: 'String',
      default: stage.corsOrigins.join(','),
      description: 'Browser origins allowed to call the API, comma-separated; empty: none (no origin is echoed)',
    });
    const anonymousAccess = new CfnParameter(this, 'AnonymousAccess', {
      type: 'String',
      default: 'public',
      allowedValues: ['public', 'none'],
      description: 'What callers without a token or key read: the public aggregates (small cells withheld), or nothing',
    });

    this.graphqlFunction = lambda('graphql', 'Graphql', {
      description: 'GraphQL API of the Youth Union KPIs (graphql-yoga over Neon)',
      memorySize: 1024,
      timeout: Duration.seconds(15),
      reservedConcurrentExecutions: stage.reservedConcurrency,
      environment: {
        GRAPHIQL: String(stage.graphiql),
        // A statement ends well before the function's 15 s timeout.
        DATABASE_STATEMENT_TIMEOUT_MS: '10000',
        NODE_ENV: stage.production ? 'production' : 'development',
        AUTH_ISSUER: authIssuer.valueAsString,
        AUTH_JWKS_URL: authJwksUrl.valueAsString,
        CORS_ORIGINS: corsOrigins.valueAsString,
        ANONYMOUS_ACCESS: anonymousAccess.valueAsString,
        // Answers kept for repeated reads (schema/cache.ts): a national dashboard's is a few MB, and the function has 1,024 MB.
        RESPONSE_CACHE_ENTRIES: '100',
      },
    });

    this.migrateFunction = lambda('migrate', 'Migrate', {
      description: 'Applies the database migrations on deploy (custom resource)',
      memorySize: 512,
      timeout: Duration.minutes(5),
    });
    const provider = new Provider(this, 'MigrateProvider', {
      onEventHandler: this.migrateFunction,
      logGroup: logGroup('MigrateProvider'),
    });
    const migrations = new CustomResource(this, 'Migrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::DatabaseMigrations',
      properties: { Migrations: hashDirectory(join(PROJECT_ROOT, MIGRATIONS.source)), DeployId: props.deployId },
    });
    // New code that expects a new schema goes live only after the schema is there.
    this.graphqlFunction.node.addDependency(migrations);

    if (stage.corsOrigins.length === 0) {
      Annotations.of(this).addWarningV2(
        'kpi:no-cors-origins',
        `stage ${stage.name} allows no browser origin: dashboards on other origins cannot call the API (set -c corsOrigins=https://…)`,
      );
    }
    // CORS is answered by the server (CORS_ORIGINS, one place for the rule), so preflights reach it too.
    this.api = new HttpApi(this, 'Api', { description: `Youth Union KPIs, stage ${stage.name}` });
    const integration = new HttpLambdaIntegration('GraphqlIntegration', this.graphqlFunction);
    // Every path the server answers locally: the API and the open-data export.
    this.api.addRoutes({ path: '/graphql', methods: [HttpMethod.GET, HttpMethod.POST, HttpMethod.OPTIONS], integration });
    this.api.addRoutes({ path: '/export/{file}', methods: [HttpMethod.GET, HttpMethod.OPTIONS], integration });
    this.api.addRoutes({ path: '/health', methods: [HttpMethod.GET], integration });

    const alarms = new Topic(this, 'Alarms', { displayName: `KPI API alarms (${stage.name})` });
    const alarm = (id: string, metric: Metric, threshold: number, evaluationPeriods: number, description: string) => {
      new Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      }).addAlarmAction(new SnsAction(alarms));
    };
    const fiveMinutes = Duration.minutes(5);
    // The handler turns GraphQL errors into responses, so any Lambda error is a crash or a timeout.
    alarm('GraphqlErrors', this.graphqlFunction.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1, 1, 'graphql function: invocation errors (crash, init failure or timeout)');
    alarm('GraphqlThrottles', this.graphqlFunction.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), 1, 1, 'graphql function: requests throttled at the reserved concurrency');
    alarm('GraphqlDurationP99', this.graphqlFunction.metricDuration({ period: fiveMinutes, statistic: 'p99' }), 3_000, 3, 'graphql function: p99 duration at or above 3 s for 15 minutes');

    new CfnOutput(this, 'GraphqlUrl', { value: `${this.api.apiEndpoint}/graphql` });
    new CfnOutput(this, 'DatabaseSecretArn', { value: this.databaseSecret.secretArn });
    new CfnOutput(this, 'MigrateFunctionName', { value: this.migrateFunction.functionName });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topicArn });
  }
}

/** A digest of a folder's file names and contents. */
function hashDirectory(dir: string): string {
  const hash = createHash('sha256');
  const walk = (at: string): void => {
    for (const name of readdirSync(at).sort()) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(`${relative(dir, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}
