// npx cdk synth|deploy [-c stage=prod]: one KPI stack for the chosen stage.
import { App } from 'aws-cdk-lib';
import { KpiStack } from '../lib/kpi-stack.js';
import { stageConfig } from '../lib/stages.js';

const app = new App();
const stage = stageConfig(app.node);
new KpiStack(app, `YouthUnionKpi-${stage.name}`, {
  stage,
  deployId: String(app.node.tryGetContext('deployId') ?? new Date().toISOString()),
  // Account and region from the AWS profile in use; none offline (an environment-agnostic template).
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  description: `Youth Union KPIs: GraphQL API on Lambda and Neon (${stage.name})`,
});
