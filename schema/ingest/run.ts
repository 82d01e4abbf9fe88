// What every mutation shares: input checked with zod, one transaction for the write, its
// roll-ups and its audit row, idempotency, and the actor who asked.
import { eq, sql } from 'drizzle-orm';
import * as z from 'zod';
import { auditInsert, changeByIdempotencyKey } from '../../db/audit.js';
import { pgError, rows, type Db } from '../../db/client.js';
import { UNSTORABLE } from '../../db/import/validate.js';
import { settleRollups } from '../../db/rollup.js';
import { lockMutation } from '../../db/writes.js';
import { units } from '../../db/schema.js';
import { forbidden, type Context, type UnitRow } from '../context.js';
import { sha256 } from '../format.js';
import { formatVietnamInstant } from '../../domain/time.js';
import { databaseRefusal, invalid, MUTATION_ERRORS, NotFoundError, ValidationError } from './errors.js';

/**
 * What a mutation may touch: every unit it reads from its input goes through `unit`, and
 * every stored record it changes through `owns`, before anything about them is told back.
 * A unit outside the caller's writable subtree is refused (FORBIDDEN) without a word on
 * what it holds; the transaction rolls back.
 */
export class WriteGuard {
  /** Units read in this transaction, by code: each is read once. */
  private readonly seen = new Map<string, UnitRow | null>();

  constructor(
    private readonly ctx: Context,
    private readonly tx: Db,
  ) {}

  private async unitNamed(code: string): Promise<UnitRow | null> {
    if (!this.seen.has(code)) {
      const [unit] = await this.tx.select().from(units).where(eq(units.code, code));
      this.seen.set(code, unit ?? null);
    }
    return this.seen.get(code)!;
  }

  /** A unit named by the input, which the caller must be allowed to write. */
  async unit(code: string, field: string): Promise<UnitRow> {
    const unit = await this.unitNamed(code);
    if (!unit) throw new NotFoundError(field, `no unit has code "${code}"`);
    this.check(unit, `${field} ${code}`);
    return unit;
  }

  /**
   * A stored record named by the input, which the caller changes only when it may write its
   * unit: otherwise it is told as not found, the same answer as for an id nobody holds.
   */
  async found<T extends { unit: string }>(record: T | null, notFound: NotFoundError): Promise<T> {
    if (!record) throw notFound;
    const unit = await this.unitNamed(record.unit);
    if (unit && !this.ctx.access.writes(unit)) throw notFound;
    return record;
  }

  /** What only a CENTRAL_ADMIN may do. */
  centralAdmin(what: string): void {
    if (!this.ctx.access.isCentralAdmin) throw forbidden(`${what} is for a CENTRAL_ADMIN only`);
  }

  /** A stored record, held by the unit with this code, which the caller must be allowed to change. */
  async owns(unitCode: string | null | undefined, what: string): Promise<void> {
    if (unitCode == null) return;
    const unit = await this.unitNamed(unitCode);
    if (unit) this.check(unit, what, false);
  }

  private check(unit: UnitRow, what: string, named = true): void {
    if (!this.ctx.access.writes(unit)) {
      throw forbidden(named ? `${what} is outside the units this caller may write` : `${what} is held by a unit this caller may not write`);
    }
  }
}

/**
 * Unit codes a stored record names, which must all be writable: the unit holding it; for a
 * unit, the unit itself and its successor (a new unit lies under its parent, so it is
 * writable only when the parent is; renaming a unit does not write its parent).
 */
function unitsNamed(snapshot: unknown): string[] {
  if (!snapshot || typeof snapshot !== 'object') return [];
  const s = snapshot as Record<string, unknown>;
  if (s.unit && typeof s.unit === 'object') return unitsNamed(s.unit);
  const isUnit = typeof s.level === 'string' && typeof s.code === 'string';
  return (isUnit ? [s.code, s.successor] : [s.unit]).filter((v): v is string => typeof v === 'string');
}

/** Parses with zod; every issue becomes one entry of a ValidationError, named by its input field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'input', reason: i.message })),
  );
}

const notNull = (iss: { input: unknown }) => (iss.input === null ? 'must not be null' : undefined);

/** Trimmed, non-blank text of at most `max` characters. */
export const text = (max: number) =>
  z
    .string({ error: notNull })
    .refine((v) => !UNSTORABLE.test(v), 'must not hold a NUL (U+0000) or an unpaired surrogate')
    .transform((v) => v.trim())
    .pipe(z.string().min(1, 'must not be blank').max(max, `must be at most ${max} characters`));

/** An instant (the DateTime scalar has parsed it); null only where the schema says `.nullish()`. */
export const instant = () => z.date({ error: notNull });

export const idempotencyKeySchema = z.object({ idempotencyKey: text(200).nullish() });

/** Adds an issue when `later` is not after `earlier` (or, with `orEqual`, before it). Missing values pass. */
export function ordered(
  ctx: z.RefinementCtx,
  later: [string, Date | null | undefined],
  earlier: [string, Date | null | undefined],
  orEqual = false,
): void {
  const [field, a] = later;
  const [name, b] = earlier;
  if (!a || !b) return;
  if (orEqual ? a < b : a <= b) ctx.addIssue({ code: 'custom', path: [field], message: `must be ${orEqual ? 'at or after' : 'after'} ${name}` });
}

/** An instant as the API shows it and the audit log keeps it: ISO 8601 in Vietnam time. */
export const iso = (d: Date | null | undefined): string | null => (d == null ? null : formatVietnamInstant(d));

export const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Nothing of a unit can happen at or after its closing: refuses `at` when it does. */
export function beforeClosing(unit: UnitRow, at: Date | null | undefined, field: string): void {
  if (at && unit.validTo && at >= unit.validTo) {
    throw invalid(field, `is at or after the closing of ${unit.code} (${iso(unit.validTo)}): nothing of a unit can happen once it has closed`);
  }
}

/** Requires a unit of one of the given levels. */
export function levelIn(unit: UnitRow, levels: string[], field: string, why: string): void {
  if (!levels.includes(unit.level)) throw invalid(field, `must be a ${levels.join(' or ')}: ${why} (${unit.code} is a ${unit.level})`);
}

/** Whether a unit lies under a unit of a level (or is one). */
export async function under(tx: Db, unit: UnitRow, level: string): Promise<boolean> {
  const found = await rows<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM units WHERE id = ANY(${`{${unit.path.join(',')}}`}::int[]) AND level = ${level}`);
  return (found[0]?.n ?? 0) > 0;
}

/** The union and success type of a mutation: `<Name>Result = <Name>Success | ValidationError | NotFoundError`. */
export function resultUnion(name: string) {
  return {
    types: MUTATION_ERRORS,
    directResult: true as const,
    union: { name: `${name}Result`, description: `What ${name[0]!.toLowerCase()}${name.slice(1)} did, or why it refused.` },
  };
}

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'A key of the client’s choosing for this change: sent again with the same key, the mutation writes nothing and returns the result of the first time.';

export interface Change<S> {
  /** The entity before (null when it did not exist) and after; equal when nothing changed. */
  before: S | null;
  after: S;
}

export interface MutationPlan<S> {
  action: string;
  entity: string;
  entityKey: string;
  idempotencyKey?: string | null | undefined;
  /** The request as parsed: sent again under the same key, it must be the same request. */
  request?: unknown;
  /**
   * What this write locks (db/writes.ts, lockWrites): one thing (`member:<id>`, a report,
   * `team:<id>` for its roster, a product, a relic), so that writes of other things run
   * side by side; left out, the whole tree (units, models, teams).
   */
  lockScope?: string;
  /** Renames the fields of database rules for this mutation's input (see databaseRefusal). */
  fields?: Record<string, string>;
  /** In the transaction: checks what needs the database and writes, unless nothing would change. */
  run(tx: Db, guard: WriteGuard): Promise<Change<S>>;
}

/** Unique keys collide when two requests create the same thing at once; deadlocks and serialization failures pass. */
const RETRYABLE = new Set(['23505', '40001', '40P01']);
const ATTEMPTS = 3;

/**
 * Runs a mutation in one transaction: the write (with its roll-ups) and its audit row
 * commit together or not at all. With an idempotency key, a change already made under
 * it is returned as stored, without writing. A write that changes nothing leaves no
 * audit row, unless a key must be remembered.
 */
export async function mutate<S>(ctx: Context, plan: MutationPlan<S>): Promise<S> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await ctx.db.transaction(async (t) => {
        const tx = t as unknown as Db;
        // From here on, what this transaction reads is not changed by another write before it commits.
        await lockMutation(tx, plan.lockScope);
        const key = plan.idempotencyKey ?? null;
        const actor = ctx.access.actor;
        const requestHash = key ? sha256(JSON.stringify([plan.action, plan.request ?? null])) : null;
        if (key) {
          const stored = await changeByIdempotencyKey(tx, actor, key);
          if (stored) {
            if (stored.action !== plan.action || stored.entityKey !== plan.entityKey) {
              throw invalid('idempotencyKey', `was already used for ${stored.action} of ${stored.entity} ${stored.entityKey}`);
            }
            if (stored.requestHash !== null && stored.requestHash !== requestHash) {
              throw invalid('idempotencyKey', `was already used for another ${plan.action} of ${stored.entity} ${stored.entityKey}: a new request needs a new key`);
            }
            return stored.after as S;
          }
        }
        const guard = new WriteGuard(ctx, tx);
        const { before, after } = await plan.run(tx, guard);
        // Behind the checks each mutation makes as it goes: nothing it changed lies outside the caller's units.
        for (const code of new Set([...unitsNamed(before), ...unitsNamed(after)])) await guard.owns(code, `${plan.entity} ${plan.entityKey}`);
        // The audit row, and the roll-ups' change with it in one statement.
        await settleRollups(
          tx,
          key || !same(before, after)
            ? auditInsert({ actor, action: plan.action, entity: plan.entity, entityKey: plan.entityKey, before, after, idempotencyKey: key, requestHash })
            : undefined,
        );
        return after;
      });
      // What this request cached before the write is stale now.
      ctx.loaders.unitById.clearAll();
      ctx.loaders.unitByCode.clearAll();
      ctx.loaders.kpi.clearAll();
      return result;
    } catch (error) {
      if (error instanceof ValidationError || error instanceof NotFoundError) throw error;
      if (attempt < ATTEMPTS && RETRYABLE.has(pgError(error)?.code ?? '')) continue;
      throw databaseRefusal(error, plan.fields) ?? error;
    }
  }
}
