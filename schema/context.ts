// Per-request state: the database, the caller, and DataLoaders that batch what one query
// asks for. Every KPI value goes through the `kpi` loader, which is where the caller's scope
// is enforced: a value outside it is an error on its own field, whatever path reached it.
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import type { Db } from '../db/client.js';
import { units } from '../db/schema.js';
import type { Access, ShownParts } from './access/access.js';
import type { Period } from '../domain/period.js';
import { DEFAULT_THRESHOLDS, type ProgressThresholds } from './kpi/progress.js';
import { readShown } from './access/cells.js';
import type { HistoryView, KpiId } from '../domain/catalogue.js';

export type UnitRow = typeof units.$inferSelect;

export interface KpiKey {
  kpi: KpiId;
  period: Period;
  unit: UnitRow;
  view: HistoryView;
}

/** A KPI value as the caller may see it. */
export interface KpiResult extends ShownParts {
  /** When the data under the value last changed; null when nothing was ever recorded. */
  asOf: Date | null;
}

export interface Context {
  db: Db;
  access: Access;
  loaders: ReturnType<typeof createLoaders>;
  /** Names the request in error replies and in the logs. */
  requestId: string;
  /** The instant the request is answered for: a period ending after it is not complete yet. */
  now: Date;
  /** Where progress statuses change (schema/kpi/progress.ts). */
  progress: ProgressThresholds;
  /** Statements sent while the operation executes (the request log tells them). */
  stats: { statements: number };
  /** The HTTP request, which graphql-yoga adds to every context. */
  request?: Request;
}

function byKey<K, V>(keys: readonly K[], found: V[], keyOf: (v: V) => K): (V | null)[] {
  const map = new Map(found.map((v) => [keyOf(v), v]));
  return keys.map((k) => map.get(k) ?? null);
}

/** The error of a value the caller may not read. */
export function forbidden(reason: string): GraphQLError {
  return new GraphQLError(`Not allowed: ${reason}`, { extensions: { code: 'FORBIDDEN', reason } });
}

export function outOfScope(unit: UnitRow, kpi: KpiId): GraphQLError {
  return forbidden(`${kpi} of ${unit.code} is outside what this caller may read`);
}

export function createLoaders(db: Db, access: Access) {
  return {
    unitById: new DataLoader<number, UnitRow | null>(async (ids) =>
      byKey(ids, await db.select().from(units).where(inArray(units.id, [...ids])), (u) => u.id),
    ),
    unitByCode: new DataLoader<string, UnitRow | null>(async (codes) =>
      byKey(codes, await db.select().from(units).where(inArray(units.code, [...codes])), (u) => u.code),
    ),
    /** Every KPI value a request asks for, read in at most two statements; values out of scope are never read. */
    kpi: new DataLoader<KpiKey, KpiResult, string>(
      async (keys) => {
        const allowed = keys.filter((k) => access.readsAggregate(k.unit, k.kpi));
        // Small cells are withheld from partners and anonymous callers, with what would give them back (./access/cells.ts).
        const read = await readShown(db, access, allowed);
        const results = new Map(allowed.map((k, i) => [k, read[i]!]));
        return keys.map((k) => results.get(k) ?? outOfScope(k.unit, k.kpi));
      },
      { cacheKeyFn: (k) => `${k.kpi}|${k.period.id}|${k.unit.id}|${k.view}` },
    ),
  };
}

export function createContext(db: Db, access: Access, requestId: string, progress: ProgressThresholds = DEFAULT_THRESHOLDS): Context {
  return { db, access, loaders: createLoaders(db, access), requestId, now: new Date(), progress, stats: { statements: 0 } };
}
