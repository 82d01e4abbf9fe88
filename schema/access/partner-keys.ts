// API keys of partner systems: `yuk_<key id>_<secret>`. The key id finds the row; the
// secret is compared by its SHA-256 in constant time. Shown once, never stored.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { partnerKeys, units } from '../../db/schema.js';
import type { UnitRow } from '../context.js';
import { sha256 } from '../format.js';
import type { KpiId } from '../../domain/catalogue.js';
import type { Principal } from './access.js';

export const KEY_PREFIX = 'yuk_';
const KEY_SHAPE = /^yuk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export type PartnerKeyRow = typeof partnerKeys.$inferSelect;

export interface NewPartnerKey {
  name: string;
  unit: UnitRow;
  kpis: KpiId[];
  expiresAt: Date;
  rateLimit: number;
  persistedOnly: boolean;
  createdBy: string;
}


/** Makes a key; the returned `key` is the only time its secret exists outside the caller. */
export async function createPartnerKey(db: Db, k: NewPartnerKey): Promise<{ key: string; row: PartnerKeyRow }> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const [row] = await db
    .insert(partnerKeys)
    .values({
      keyId,
      secretHash: sha256(secret),
      name: k.name,
      unitId: k.unit.id,
      kpis: k.kpis,
      rateLimit: k.rateLimit,
      persistedOnly: k.persistedOnly,
      createdBy: k.createdBy,
      expiresAt: k.expiresAt,
    })
    .returning();
  return { key: `${KEY_PREFIX}${keyId}_${secret}`, row: row! };
}

/** Revokes a key from now on; null when no key has that id. */
export async function revokePartnerKey(db: Db, keyId: string): Promise<PartnerKeyRow | null> {
  const [row] = await db.select().from(partnerKeys).where(eq(partnerKeys.keyId, keyId));
  if (!row) return null;
  if (row.revokedAt) return row;
  const [revoked] = await db.update(partnerKeys).set({ revokedAt: new Date() }).where(eq(partnerKeys.id, row.id)).returning();
  return revoked!;
}

export const looksLikePartnerKey = (text: string) => text.startsWith(KEY_PREFIX);

/** The partner a key stands for, or why it is refused. */
export async function partnerOf(db: Db, key: string, now = new Date()): Promise<Principal | { refused: string }> {
  const match = KEY_SHAPE.exec(key);
  if (!match) return { refused: 'the API key is malformed' };
  const [found] = await db
    .select({ key: partnerKeys, unit: units })
    .from(partnerKeys)
    .innerJoin(units, eq(units.id, partnerKeys.unitId))
    .where(eq(partnerKeys.keyId, match[1]!));
  const given = Buffer.from(sha256(match[2]!), 'hex');
  // Compare even when no key has that id, so that timing does not tell which ids exist.
  const stored = Buffer.from(found?.key.secretHash ?? '0'.repeat(64), 'hex');
  if (!timingSafeEqual(given, stored) || !found) return { refused: 'the API key is not valid' };
  if (found.key.revokedAt && found.key.revokedAt <= now) return { refused: 'the API key has been revoked' };
  if (found.key.expiresAt <= now) return { refused: 'the API key has expired' };
  return {
    kind: 'partner',
    keyId: found.key.keyId,
    name: found.key.name,
    unit: found.unit,
    kpis: new Set(found.key.kpis),
    persistedOnly: found.key.persistedOnly,
    rateLimit: found.key.rateLimit,
  };
}
