// From an HTTP request to the caller it stands for: a bearer token (a user), an API key
// (a partner: `x-api-key`, or `Authorization: Bearer yuk_…`), or nobody. A token or key
// that is present but wrong is refused (401), never read as anonymous.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { units } from '../../db/schema.js';
import type { UnitRow } from '../context.js';
import { Access, type AnonymousAccess, type Principal } from './access.js';
import { looksLikePartnerKey, partnerOf } from './partner-keys.js';
import { TokenError, verifyToken, type TokenVerifier } from './tokens.js';

export interface AccessConfig {
  /** The issuer of users' tokens; null: no user tokens are accepted (partners and anonymous callers only). */
  verifier: TokenVerifier | null;
  /** What a caller without a token or key reads: the public aggregates, or nothing. */
  anonymous: AnonymousAccess;
  /** A ratio whose denominator is below this is withheld from partners and anonymous callers. */
  smallCellMinimum: number;
}

/** A request refused before any GraphQL: 401 (who are you?) or 429 (too many requests). */
export class RequestRefused extends Error {
  constructor(
    readonly status: 401 | 429,
    readonly code: 'UNAUTHENTICATED' | 'RATE_LIMITED',
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'RequestRefused';
  }
}

/** Requests a minute per partner key, counted per server instance in one-minute windows. */
export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts a request; the seconds to wait when it is one too many, else 0. */
  take(key: string, perMinute: number): number {
    const now = this.now();
    const start = now - (now % 60_000);
    const w = this.windows.get(key);
    if (!w || w.start !== start) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(key, { start, count: 1 });
      return 0;
    }
    w.count += 1;
    return w.count > perMinute ? Math.ceil((start + 60_000 - now) / 1000) : 0;
  }
}

/**
 * Home units by code, per server instance. What access decisions read of a unit is its id
 * (the subtree test reads the path of the unit asked for, fresh each request) and its
 * parent (a leader's siblings), which changes only by a reorganisation; the row is kept a
 * minute, so that a dashboard's requests do not each pay a statement for it. For that minute
 * after a re-parent, a leader's siblings are those of before.
 */
export class HomeUnits {
  private found = new Map<string, { unit: UnitRow; at: number }>();

  constructor(private readonly ttlMs = 60_000) {}

  async get(db: Db, code: string): Promise<UnitRow | null> {
    const hit = this.found.get(code);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.unit;
    const [unit] = await db.select().from(units).where(eq(units.code, code));
    if (!unit) return null;
    if (this.found.size > 10_000) this.found.clear();
    this.found.set(code, { unit, at: Date.now() });
    return unit;
  }
}

async function principalOf(db: Db, request: Request, config: AccessConfig, homeUnits: HomeUnits): Promise<Principal> {
  const authorization = request.headers.get('authorization')?.trim();
  const apiKey = request.headers.get('x-api-key')?.trim();
  if (apiKey === '') throw new RequestRefused(401, 'UNAUTHENTICATED', 'the x-api-key header is empty: send the key, or leave the header out');
  if (authorization === '') throw new RequestRefused(401, 'UNAUTHENTICATED', 'the Authorization header is empty: send "Bearer <token>", or leave the header out');
  const bearer = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization)?.[1] : undefined;
  if (authorization && !bearer) throw new RequestRefused(401, 'UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"', { 'www-authenticate': 'Bearer' });
  const key = apiKey || (bearer && looksLikePartnerKey(bearer) ? bearer : undefined);
  if (key) {
    const partner = await partnerOf(db, key);
    if ('refused' in partner) throw new RequestRefused(401, 'UNAUTHENTICATED', partner.refused);
    return partner;
  }
  if (!bearer) return { kind: 'anonymous' };
  if (!config.verifier) throw new RequestRefused(401, 'UNAUTHENTICATED', 'this server accepts no user tokens: its issuer is not configured (AUTH_ISSUER, AUTH_JWKS_URL)');
  let claims;
  try {
    claims = await verifyToken(bearer, config.verifier);
  } catch (error) {
    if (error instanceof TokenError) throw new RequestRefused(401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': 'Bearer error="invalid_token"' });
    throw error;
  }
  const unit = (await homeUnits.get(db, claims.unit)) ?? (claims.role === 'CENTRAL_ADMIN' ? await bootstrapUnit(db, claims.unit) : null);
  if (!unit) throw new RequestRefused(401, 'UNAUTHENTICATED', `the bearer token's home unit "${claims.unit}" does not exist`);
  return { kind: 'user', subject: claims.subject, role: claims.role, unit };
}

/** What a server instance keeps between requests: partner keys' request counts, home units. */
export interface AuthState {
  limiter: RateLimiter;
  homeUnits: HomeUnits;
}

export const newAuthState = (): AuthState => ({ limiter: new RateLimiter(), homeUnits: new HomeUnits() });

/**
 * A database with no unit yet has no home unit for anyone: a CENTRAL_ADMIN's token is then
 * taken with its unit as it will be, so that the first import can create the tree.
 */
async function bootstrapUnit(db: Db, code: string): Promise<UnitRow | null> {
  const [any] = await db.select({ id: units.id }).from(units).limit(1);
  if (any) return null;
  return { id: 0, code, name: code, searchName: code.toLowerCase(), level: 'CENTRAL', parentId: null, path: [0], validFrom: new Date(0), validTo: null, successorId: null } as UnitRow;
}

const known = new WeakMap<Request, Promise<Access>>();

/**
 * The caller of a request, found once per request (the export, the persisted-operations
 * check and the GraphQL context all ask); partner keys are counted against their rate limit.
 */
export function authenticate(db: Db, request: Request, config: AccessConfig, state: AuthState): Promise<Access> {
  let found = known.get(request);
  if (!found) {
    found = principalOf(db, request, config, state.homeUnits).then((principal) => {
      if (principal.kind === 'partner') {
        const wait = state.limiter.take(principal.keyId, principal.rateLimit);
        if (wait > 0) {
          throw new RequestRefused(429, 'RATE_LIMITED', `this API key allows ${principal.rateLimit} requests a minute; try again in ${wait} s`, {
            'retry-after': String(wait),
          });
        }
      }
      return new Access(principal, config);
    });
    known.set(request, found);
  }
  return found;
}
