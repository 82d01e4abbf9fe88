// What differs between the deployments of the one stack: `-c stage=prod` picks a row, and
// `-c corsOrigins=https://a,https://b` / `-c reservedConcurrency=N|none` override it.
/** Where the settings are read from: a construct's node (`app.node`) or any context lookup. */
export interface ContextSource {
  tryGetContext(key: string): unknown;
}

export interface StageConfig {
  name: string;
  /** Browser origins allowed to call the API. */
  corsOrigins: string[];
  /**
   * Concurrent executions reserved for the graphql function, which also caps it (and so
   * the database connections it opens: up to 5 per container). Undefined: unreserved.
   */
  reservedConcurrency: number | undefined;
  /** Serve GraphiQL to browsers at /graphql. */
  graphiql: boolean;
  /** NODE_ENV=production: introspection off, no field suggestions in errors. */
  production: boolean;
  /** Keep the secret and the logs when the stack is deleted. */
  retain: boolean;
}

const STAGES: Record<string, Omit<StageConfig, 'name'>> = {
  dev: {
    corsOrigins: ['http://localhost:3000', 'http://localhost:5173'],
    reservedConcurrency: 5,
    graphiql: true,
    production: false,
    retain: false,
  },
  // The dashboards' origins are given at deploy time (docs/deploy.md): no origin is guessed.
  prod: {
    corsOrigins: [],
    reservedConcurrency: 100,
    graphiql: false,
    production: true,
    retain: true,
  },
};

export const STAGE_NAMES = Object.keys(STAGES);

/** The stage named by the `stage` context (default dev), with the context's overrides. */
export function stageConfig(node: ContextSource): StageConfig {
  const name = String(node.tryGetContext('stage') ?? 'dev');
  const base = STAGES[name];
  if (!base) throw new Error(`unknown stage "${name}": use one of ${STAGE_NAMES.join(', ')} (-c stage=…)`);
  const origins: unknown = node.tryGetContext('corsOrigins');
  const concurrency: unknown = node.tryGetContext('reservedConcurrency');
  return {
    ...base,
    name,
    corsOrigins: origins === undefined ? base.corsOrigins : listOf(origins),
    reservedConcurrency: concurrency === undefined ? base.reservedConcurrency : countOf(concurrency),
  };
}

function listOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

function countOf(value: unknown): number | undefined {
  if (value === 'none') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`reservedConcurrency must be a positive integer or "none" (got "${String(value)}")`);
  return n;
}
