// Bearer tokens of users: JWTs verified with jose against the configured issuer's keys
// (a JWKS URL in production), or against the local dev issuer, whose key pair is kept in
// .data/ so that `npm run token` and `npm start` agree.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { ROLES, type Role } from './access.js';

/** What a user's token says: who, with which role, from which home unit. */
export interface UserClaims {
  subject: string;
  role: Role;
  /** Code of the home unit. */
  unit: string;
}

export interface TokenVerifier {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
}

export const DEV_ISSUER = 'urn:youth-union-kpi:dev-issuer';
export const DEFAULT_AUDIENCE = 'youth-union-kpi';
const ALGORITHM = 'ES256';

/** Why a token is refused; the message is the client's to read. */
export class TokenError extends Error {
  override name = 'TokenError';
}

/** A production verifier: the issuer's JSON Web Key Set, fetched and cached by jose. */
export function remoteVerifier(issuer: string, jwksUrl: string, audience = DEFAULT_AUDIENCE): TokenVerifier {
  return { issuer, audience, keys: createRemoteJWKSet(new URL(jwksUrl)) };
}

/**
 * Tokens verified lately, per verifier: a client sends the same token with every request,
 * and checking its signature again each time costs more than the rest of a small write. A
 * token is taken from here until it expires, and for five minutes at most (a key the
 * issuer withdraws stops counting after that); the set holds the newest 1,000.
 */
const verified = new WeakMap<TokenVerifier, Map<string, { claims: UserClaims; until: number }>>();
const VERIFIED_FOR_MS = 5 * 60_000;
const VERIFIED_MAX = 1_000;

export async function verifyToken(token: string, verifier: TokenVerifier, now = Date.now()): Promise<UserClaims> {
  let cache = verified.get(verifier);
  if (!cache) verified.set(verifier, (cache = new Map()));
  const hit = cache.get(token);
  if (hit && now < hit.until) return hit.claims;
  if (hit) cache.delete(token);
  const { claims, expiresAt } = await checkToken(token, verifier, now);
  if (cache.size >= VERIFIED_MAX) cache.delete(cache.keys().next().value!);
  cache.set(token, { claims, until: Math.min(expiresAt, now + VERIFIED_FOR_MS) });
  return claims;
}

async function checkToken(token: string, verifier: TokenVerifier, now: number): Promise<{ claims: UserClaims; expiresAt: number }> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, verifier.keys, {
      issuer: verifier.issuer,
      audience: verifier.audience,
      algorithms: ['ES256', 'RS256', 'EdDSA'],
      requiredClaims: ['sub', 'exp'],
      currentDate: new Date(now),
    }));
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new TokenError('the bearer token has expired');
    if (error instanceof joseErrors.JOSEError) throw new TokenError(`the bearer token is not valid (${error.code})`);
    throw error;
  }
  const role = payload.role;
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) throw new TokenError(`the bearer token's role must be one of ${ROLES.join(', ')}`);
  if (typeof payload.unit !== 'string' || payload.unit === '') throw new TokenError("the bearer token names no home unit (claim 'unit')");
  return { claims: { subject: payload.sub!, role: role as Role, unit: payload.unit }, expiresAt: payload.exp! * 1000 };
}

/** The local issuer of `npm start`, the tests and `npm run token`: never used in production. */
export interface DevIssuer extends TokenVerifier {
  sign(claims: UserClaims, expiresIn?: string): Promise<string>;
}

interface StoredKey {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** The dev issuer, with its key pair read from `keyFile` (made there the first time), or a new one in memory. */
export async function devIssuer(keyFile?: string): Promise<DevIssuer> {
  let stored: StoredKey | undefined;
  if (keyFile && existsSync(keyFile)) stored = JSON.parse(readFileSync(keyFile, 'utf8')) as StoredKey;
  if (!stored) {
    const pair = await generateKeyPair(ALGORITHM, { extractable: true });
    stored = { privateJwk: await exportJWK(pair.privateKey), publicJwk: { ...(await exportJWK(pair.publicKey)), alg: ALGORITHM, kid: 'dev' } };
    if (keyFile) {
      mkdirSync(dirname(keyFile), { recursive: true });
      try {
        writeFileSync(keyFile, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Made meanwhile by another process (npm start and npm run token at once): use that one.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        stored = JSON.parse(readFileSync(keyFile, 'utf8')) as StoredKey;
      }
    }
  }
  const privateKey = (await importJWK(stored.privateJwk, ALGORITHM)) as CryptoKey;
  return {
    issuer: DEV_ISSUER,
    audience: DEFAULT_AUDIENCE,
    keys: createLocalJWKSet({ keys: [stored.publicJwk] }),
    sign: (claims, expiresIn = '12h') =>
      new SignJWT({ role: claims.role, unit: claims.unit })
        .setProtectedHeader({ alg: ALGORITHM, kid: 'dev' })
        .setSubject(claims.subject)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEFAULT_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(expiresIn)
        .sign(privateKey),
  };
}
