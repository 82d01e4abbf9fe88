// Per-request state: the database and DataLoaders that batch what one query asks for.
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { units } from '../db/schema.js';
import { computeKpi, type KpiParts } from './kpi/compute.js';
import type { Period } from './kpi/period.js';
import type { KpiId } from './kpi/registry.js';

export type UnitRow = typeof units.$inferSelect;

export interface KpiKey {
  kpi: KpiId;
  period: Period;
  unitId: number;
}

export interface Context {
  db: Db;
  loaders: ReturnType<typeof createLoaders>;
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
    /** One statement per KPI and period, for all the units asked for. */
    kpi: new DataLoader<KpiKey, KpiParts, string>(
      async (keys) => {
        const groups = new Map<string, { kpi: KpiId; period: Period; unitIds: number[] }>();
        for (const k of keys) {
          const id = `${k.kpi}|${k.period.id}`;
          const group = groups.get(id) ?? { kpi: k.kpi, period: k.period, unitIds: [] };
          group.unitIds.push(k.unitId);
          groups.set(id, group);
        }
        const results = new Map<string, Map<number, KpiParts>>();
        await Promise.all(
          [...groups].map(async ([id, g]) => results.set(id, await computeKpi(db, g.kpi, g.period, g.unitIds))),
        );
        return keys.map((k) => results.get(`${k.kpi}|${k.period.id}`)!.get(k.unitId)!);
      },
      { cacheKeyFn: (k) => `${k.kpi}|${k.period.id}|${k.unitId}` },
    ),
  };
}

export function createContext(db: Db): Context {
  return { db, loaders: createLoaders(db) };
}
