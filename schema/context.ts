// Per-request state: the database and DataLoaders that batch what one query asks for.
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { units } from '../db/schema.js';
import type { Period } from './kpi/period.js';
import { readKpis, type KpiResult } from './kpi/read.js';
import type { KpiId } from './kpi/registry.js';

export type UnitRow = typeof units.$inferSelect;

export interface KpiKey {
  kpi: KpiId;
  period: Period;
  unit: UnitRow;
}

export interface Context {
  db: Db;
  loaders: ReturnType<typeof createLoaders>;
  /** The HTTP request, which graphql-yoga adds to every context (mutations read the actor from it). */
  request?: Request;
}

function byKey<K, V>(keys: readonly K[], found: V[], keyOf: (v: V) => K): (V | null)[] {
  const map = new Map(found.map((v) => [keyOf(v), v]));
  return keys.map((k) => map.get(k) ?? null);
}

export function createLoaders(db: Db) {
  return {
    unitById: new DataLoader<number, UnitRow | null>(async (ids) =>
      byKey(ids, await db.select().from(units).where(inArray(units.id, [...ids])), (u) => u.id),
    ),
    unitByCode: new DataLoader<string, UnitRow | null>(async (codes) =>
      byKey(codes, await db.select().from(units).where(inArray(units.code, [...codes])), (u) => u.code),
    ),
    /** Every KPI value a request asks for, read in at most two statements. */
    kpi: new DataLoader<KpiKey, KpiResult, string>(
      (keys) => readKpis(db, keys.map((k) => ({ kpi: k.kpi, period: k.period, unitId: k.unit.id, level: k.unit.level }))),
      { cacheKeyFn: (k) => `${k.kpi}|${k.period.id}|${k.unit.id}` },
    ),
  };
}

export function createContext(db: Db): Context {
  return { db, loaders: createLoaders(db) };
}
