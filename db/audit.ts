// The audit log: who changed what and when, with the entity before and after. A row
// written with an idempotency key also keeps the result of the change, so that the same
// request sent again returns it instead of writing a second time.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from './client.js';

export interface AuditEntry {
  actor: string;
  /** The mutation that made the change. */
  action: string;
  entity: string;
  entityKey: string;
  /** null when the entity did not exist before. */
  before: unknown;
  after: unknown;
  idempotencyKey?: string | null;
  /** SHA-256 of the request, kept with an idempotency key. */
  requestHash?: string | null;
}

const json = (value: unknown) => (value == null ? null : JSON.stringify(value));

/** The statement that writes an audit row (to run alone, or with the roll-ups' change: db/rollup.ts, settleRollups). */
export function auditInsert(e: AuditEntry): SQL {
  return sql`
    INSERT INTO audit_log (actor, action, entity, entity_key, before, after, idempotency_key, request_hash, tx_id)
    VALUES (${e.actor}, ${e.action}, ${e.entity}, ${e.entityKey}, ${json(e.before)}::jsonb, ${json(e.after)}::jsonb,
            ${e.idempotencyKey ?? null}, ${e.requestHash ?? null}, txid_current())`;
}

/** Writes an audit row in the caller's transaction, so that it commits or rolls back with the change. */
export async function writeAudit(db: Db, e: AuditEntry): Promise<void> {
  await db.execute(auditInsert(e));
}

export interface StoredChange {
  action: string;
  entity: string;
  entityKey: string;
  after: unknown;
  requestHash: string | null;
}

/** The change this actor made under an idempotency key, if there was one: a key is its caller's own. */
export async function changeByIdempotencyKey(db: Db, actor: string, key: string): Promise<StoredChange | null> {
  const [row] = await rows<{ action: string; entity: string; entity_key: string; after: unknown; request_hash: string | null }>(
    db,
    sql`SELECT action, entity, entity_key, after, request_hash FROM audit_log WHERE actor = ${actor} AND idempotency_key = ${key}`,
  );
  if (!row) return null;
  // Some drivers hand jsonb back as text.
  const after = typeof row.after === 'string' ? JSON.parse(row.after) : row.after;
  return { action: row.action, entity: row.entity, entityKey: row.entity_key, after, requestHash: row.request_hash };
}
