// What the Lambda handlers share: one database client per container, opened on first use
// and kept while the container is warm, so a request does not pay for a new Pool or a
// secret lookup. The connection string comes from DATABASE_URL or, in AWS, from the
// Secrets Manager secret named by DATABASE_SECRET_ARN, read once.
import { openDb, optionsFromEnv, type DbHandle } from '../db/client.js';

/** The secret still holds the random value it was created with, not a connection string. */
export class DatabaseUrlUnset extends Error {
  override name = 'DatabaseUrlUnset';
}

let opened: Promise<DbHandle> | undefined;

/** The container's database client: the Neon serverless Pool unless DATABASE_DRIVER says otherwise. */
export function database(env: NodeJS.ProcessEnv = process.env): Promise<DbHandle> {
  opened ??= open(env).catch((error: unknown) => {
    // Forget a failed start (a secret not set yet, a throttled lookup): the next invocation tries again.
    opened = undefined;
    throw error;
  });
  return opened;
}

async function open(env: NodeJS.ProcessEnv): Promise<DbHandle> {
  const options = optionsFromEnv(env);
  const driver = options.driver || 'neon';
  if (driver === 'neon' && env.NEON_WS_PROXY) await useLocalProxy(env.NEON_WS_PROXY);
  const url = options.url ?? (await urlFromSecret(env.DATABASE_SECRET_ARN));
  return openDb({ ...options, url, driver });
}

async function urlFromSecret(arn: string | undefined): Promise<string> {
  if (!arn) throw new Error('set DATABASE_SECRET_ARN (the Neon connection string secret) or DATABASE_URL');
  // The Lambda runtime provides the SDK; it is loaded only when a secret is used.
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    const url = SecretString?.trim() ?? '';
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new DatabaseUrlUnset(`secret ${arn} does not hold a postgresql:// connection string yet (see docs/deploy.md)`);
    }
    return url;
  } finally {
    client.destroy();
  }
}

/**
 * A plain Postgres behind a WebSocket-to-TCP proxy at NEON_WS_PROXY (host:port) instead of
 * Neon: how the bundled functions run against a local database. Neon's own proxy speaks
 * TLS and accepts a pipelined password; a local one does neither.
 */
async function useLocalProxy(proxy: string): Promise<void> {
  const { neonConfig } = await import('@neondatabase/serverless');
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
}
