// KPIs computed directly from the base tables, from the catalogue's series as db/series.ts
// writes them in SQL: one statement per KPI and period answers any number of units at
// once (each unit's whole subtree). The roll-ups are made of the same series as steps, so
// the two paths share one definition; what checks them is an independent calculation
// (test/bench/postgraphile.test.ts, the acceptance set) and the property test
// (test/db/rollup-property.test.ts).
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import { commonTables, flowAmounts, stockIntervals } from '../../db/series.js';
import { dayParts, type Period } from '../../domain/period.js';
import { evaluationYear, kpiDefinition, SERIES, viewLevel, type HistoryView, type KpiId, type Series } from '../../domain/catalogue.js';

export interface KpiParts {
  /** The count, for a stock or a flow; the numerator, for a ratio. */
  numerator: number;
  /** Ratios only. */
  denominator: number | null;
}

/** The variant of a series a period reads: the evaluation year, for a series by evaluation year. */
export function variantOf(series: Series, period: Period): number {
  const def = SERIES.get(series)!;
  return def.type === 'STOCK' && def.byEvaluationYear ? evaluationYear(dayParts(period.endDay - 1)) : 0;
}

/**
 * A stock series counted at End for every asked-for unit (`target`) over the units that
 * count toward it at End (`scope`, each with its weight): records active at End
 * (s < End ≤ e), or the units with one.
 */
function stockCount(series: Series, period: Period, column: 'num' | 'den'): SQL {
  const end = sql`${period.end.toISOString()}::timestamptz`;
  const def = SERIES.get(series)!;
  const active = sql`FROM (${stockIntervals(series, sql`TRUE`, sql`SELECT id FROM scope`)}) i JOIN scope s ON s.id = i.unit_id
     WHERE i.variant = ${variantOf(series, period)} AND i.s < ${end} AND (i.e IS NULL OR i.e >= ${end})`;
  const counted = def.type === 'STOCK' && def.count === 'units' ? sql`(SELECT DISTINCT i.unit_id, s.target, s.w ${active}) c` : sql`(SELECT s.target, s.w ${active}) c`;
  return sql`SELECT c.target AS unit_id, ${column === 'num' ? sql`sum(c.w), 0` : sql`0, sum(c.w)`} FROM ${counted} GROUP BY c.target`;
}

/** The ancestry rows a view sums: view 0, or views 0 and 1 (CURRENT_TREE's corrections). */
const inView = (view: HistoryView) => sql`x.view <= ${viewLevel(view)}`;

function statement(kpi: KpiId, period: Period, ids: number[], view: HistoryView): SQL {
  const def = kpiDefinition(kpi);
  const idArray = sql`${`{${ids.join(',')}}`}::int[]`;
  if (def.kind === 'FLOW') {
    // A flow counts for the unit where it happened and every unit above it on its date,
    // even when one of them has closed since: no "active at End" here.
    const subtree = sql`SELECT x.unit_id FROM unit_ancestry x WHERE x.ancestor_id = ANY(${idArray}) AND ${inView(view)}`;
    const common = commonTables([def.numeratorSeries], sql`TRUE`, subtree);
    return sql`${common ? sql`WITH ${common} ` : sql``}
      SELECT x.ancestor_id AS unit_id, coalesce(sum(f.delta * x.sign), 0) AS num, NULL::bigint AS den
        FROM (${flowAmounts(def.numeratorSeries, sql`TRUE`, subtree)}) f
        JOIN unit_ancestry x ON x.unit_id = f.unit_id AND ${inView(view)} AND x.ancestor_id = ANY(${idArray})
             AND (x.from_at IS NULL OR f.at >= x.from_at) AND (x.to_at IS NULL OR f.at < x.to_at)
       WHERE f.at >= ${period.start.toISOString()}::timestamptz AND f.at < ${period.end.toISOString()}::timestamptz
       GROUP BY x.ancestor_id`;
  }
  const end = sql`${period.end.toISOString()}::timestamptz`;
  const common = commonTables(def.series, sql`TRUE`, sql`SELECT id FROM scope`);
  const counts = def.series.map((s, i) => stockCount(s, period, i === 0 ? 'num' : 'den'));
  // The units whose facts count toward the asked-for units at End, in the tree of the view.
  return sql`
    WITH scope AS (
      SELECT x.unit_id AS id, x.ancestor_id AS target, sum(x.sign) AS w
        FROM unit_ancestry x
       WHERE x.ancestor_id = ANY(${idArray}) AND ${inView(view)}
         AND (x.from_at IS NULL OR x.from_at < ${end}) AND (x.to_at IS NULL OR x.to_at >= ${end})
       GROUP BY 1, 2 HAVING sum(x.sign) <> 0
    )${common ? sql`, ${common}` : sql``}
    SELECT unit_id, sum(num) AS num, ${def.denominatorSeries ? sql`sum(den)` : sql`NULL::bigint`} AS den
      FROM (${sql.join(counts, sql` UNION ALL `)}) c(unit_id, num, den)
     GROUP BY unit_id`;
}

export interface ComputeGroup {
  kpi: KpiId;
  period: Period;
  unitIds: readonly number[];
  /** Default AS_OF_THEN. */
  view?: HistoryView;
}

/**
 * Many KPIs and periods, each for its own units, in one statement; results in the order of
 * the groups. Units with nothing to count get 0 (and a 0 denominator).
 */
export async function computeKpis(db: Db, groups: readonly ComputeGroup[]): Promise<Map<number, KpiParts>[]> {
  const results = groups.map((g) => {
    const isRatio = kpiDefinition(g.kpi).kind === 'RATIO';
    return new Map<number, KpiParts>(g.unitIds.map((id) => [id, { numerator: 0, denominator: isRatio ? 0 : null }]));
  });
  const parts = groups
    .map((g, i) => ({ g, i }))
    .filter(({ g }) => g.unitIds.length > 0)
    .map(({ g, i }) => sql`SELECT ${i}::int AS g, q.unit_id, q.num, q.den FROM (${statement(g.kpi, g.period, [...new Set(g.unitIds)], g.view ?? 'AS_OF_THEN')}) q`);
  if (parts.length === 0) return results;
  const found = await rows<{ g: number; unit_id: number; num: string | number; den: string | number | null }>(
    db,
    sql.join(parts, sql` UNION ALL `),
  );
  for (const r of found) {
    const g = groups[r.g]!;
    results[r.g]!.set(Number(r.unit_id), {
      numerator: Number(r.num),
      denominator: kpiDefinition(g.kpi).kind === 'RATIO' ? Number(r.den) : null,
    });
  }
  return results;
}

/** The KPI over each unit's subtree for one period. */
export async function computeKpi(db: Db, kpi: KpiId, period: Period, unitIds: readonly number[], view: HistoryView = 'AS_OF_THEN'): Promise<Map<number, KpiParts>> {
  const [result] = await computeKpis(db, [{ kpi, period, unitIds, view }]);
  return result!;
}
