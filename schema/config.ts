// The server's settings, read from the environment by the handlers (docs/access.md lists them).
import pino, { type Logger } from 'pino';
import type { AnonymousAccess } from './access/access.js';
import type { AccessConfig } from './access/authenticate.js';
import { DEFAULT_AUDIENCE, remoteVerifier, type TokenVerifier } from './access/tokens.js';
import { DEFAULT_THRESHOLDS, type ProgressThresholds } from './kpi/progress.js';

export interface ApiConfig {
  access: AccessConfig;
  /** Browser origins allowed to call the API (CORS); none by default: no origin is echoed. */
  corsOrigins: string[];
  /** Production (NODE_ENV=production): introspection off, no field suggestions. */
  production: boolean;
  /** Serve GraphiQL to browsers (GRAPHIQL=true; the dev server's default). */
  graphiql: boolean;
  /** Headers GraphiQL starts with (the dev server puts a dev token there). */
  graphiqlHeaders?: Record<string, string>;
  /** Renders GraphiQL's page from a package (the dev server's: no CDN); absent, Yoga's page, which loads GraphiQL from a CDN. */
  renderGraphiQL?: (options: object) => string | Promise<string>;
  /** How long one operation may execute. */
  requestBudgetMs: number;
  /** Keep answers to repeated reads until the data changes (RESPONSE_CACHE=off turns it off; schema/cache.ts). */
  responseCache: boolean;
  /** How many answers the cache holds at most (RESPONSE_CACHE_ENTRIES, default 200): the least recently used go first. */
  responseCacheEntries: number;
  /** Where progress statuses change (PROGRESS_ON_TRACK, PROGRESS_AT_RISK: shares of the progress asked for by today). */
  progress: ProgressThresholds;
  logger: Logger;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The verifier of users' tokens from AUTH_ISSUER and AUTH_JWKS_URL (and AUTH_AUDIENCE), or null when unset. */
export function verifierFromEnv(env: NodeJS.ProcessEnv = process.env): TokenVerifier | null {
  const issuer = env.AUTH_ISSUER?.trim();
  const jwks = env.AUTH_JWKS_URL?.trim();
  if (!issuer && !jwks) return null;
  if (!issuer || !jwks) throw new ConfigError('set both AUTH_ISSUER and AUTH_JWKS_URL (the issuer of users’ tokens and its key set)');
  return remoteVerifier(issuer, jwks, env.AUTH_AUDIENCE?.trim() || DEFAULT_AUDIENCE);
}

export function configFromEnv(verifier: TokenVerifier | null, env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const production = env.NODE_ENV === 'production';
  const anonymous = (env.ANONYMOUS_ACCESS?.trim() || 'public') as AnonymousAccess;
  if (anonymous !== 'public' && anonymous !== 'none') throw new ConfigError(`ANONYMOUS_ACCESS must be "public" or "none" (got "${anonymous}")`);
  const smallCellMinimum = Number(env.SMALL_CELL_MINIMUM ?? 5);
  if (!Number.isInteger(smallCellMinimum) || smallCellMinimum < 1) throw new ConfigError('SMALL_CELL_MINIMUM must be a whole number ≥ 1');
  const requestBudgetMs = Number(env.REQUEST_BUDGET_MS ?? 10_000);
  if (!Number.isInteger(requestBudgetMs) || requestBudgetMs < 1) throw new ConfigError('REQUEST_BUDGET_MS must be a whole number of milliseconds');
  const wholeNumber = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a whole number ≥ 1 (got "${env[name]}")`);
    return value;
  };
  const share = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!(value > 0 && value <= 1)) throw new ConfigError(`${name} must be a share above 0 and at most 1 (got "${env[name]}")`);
    return value;
  };
  const progress = { onTrack: share('PROGRESS_ON_TRACK', DEFAULT_THRESHOLDS.onTrack), atRisk: share('PROGRESS_AT_RISK', DEFAULT_THRESHOLDS.atRisk) };
  if (progress.atRisk > progress.onTrack) throw new ConfigError('PROGRESS_AT_RISK must not be above PROGRESS_ON_TRACK');
  return {
    access: { verifier, anonymous, smallCellMinimum },
    progress,
    responseCache: env.RESPONSE_CACHE?.trim() !== 'off',
    responseCacheEntries: wholeNumber('RESPONSE_CACHE_ENTRIES', 200),
    corsOrigins: list(env.CORS_ORIGINS),
    production,
    graphiql: env.GRAPHIQL === 'true',
    requestBudgetMs,
    logger: pino({ level: env.LOG_LEVEL ?? 'info', base: undefined }),
  };
}

/** Settings for tests and embedding: the given verifier, the defaults otherwise. */
export function defaultConfig(verifier: TokenVerifier | null, overrides: Partial<Omit<ApiConfig, 'access'>> & { access?: Partial<AccessConfig> } = {}): ApiConfig {
  const base = configFromEnv(verifier, {});
  return {
    ...base,
    logger: pino({ level: 'silent' }),
    // Tests count statements per request: answers are computed each time unless a test asks for the cache.
    responseCache: false,
    ...overrides,
    access: { ...base.access, ...overrides.access },
  };
}
