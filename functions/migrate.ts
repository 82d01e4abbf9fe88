// Applies the database migrations when the stack deploys: the onEvent handler of a
// CloudFormation custom resource (custom_resources.Provider). The bundle carries the
// migrations in ./migrations beside index.mjs, which is where db/client.ts looks.
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { database, DatabaseUrlUnset } from './runtime.js';

const PHYSICAL_ID = 'database-migrations';

export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  // Removing the stack leaves the database and its schema as they are.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const started = Date.now();
  try {
    await (await database()).migrate();
  } catch (error) {
    // A new stack's secret has no connection string until the operator puts one in: the
    // first deploy must not fail (and roll the secret back) for that; the next one migrates.
    if (!(error instanceof DatabaseUrlUnset)) throw error;
    console.warn(`migrations skipped: ${error.message}`);
    return { PhysicalResourceId: PHYSICAL_ID, Data: { Status: 'skipped', Reason: error.message } };
  }
  console.log(`migrations applied in ${Date.now() - started} ms`);
  return { PhysicalResourceId: PHYSICAL_ID, Data: { Status: 'applied' } };
}
