// KPI values for many (KPI, period, unit) requests at once, in at most two statements:
// one reads the roll-ups (and when the data last changed), one computes from the base
// tables what the roll-ups do not hold: a branch's own values (a branch has about 60
// members: cheap from indexed rows) and a mid-month End below province level.
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import type { UnitLevel } from '../../db/schema.js';
import { computeKpis, variantOf, type ComputeGroup, type KpiParts } from './compute.js';
import { dayParts, formatDay, type Period } from '../../domain/period.js';
import { kpiDefinition, viewLevel, type HistoryView, type KpiId, type Series } from '../../domain/catalogue.js';

export interface KpiRequest {
  kpi: KpiId;
  period: Period;
  unitId: number;
  level: UnitLevel;
  /** Default AS_OF_THEN. */
  view?: HistoryView;
}

export interface KpiResult extends KpiParts {
  /** When the data under the value last changed; null when nothing was ever recorded. */
  asOf: Date | null;
}

/** The series a request reads, with the variant its period reads (the evaluation year, for a series by evaluation year). */
function seriesOf(kpi: KpiId, period: Period): { series: Series; variant: number }[] {
  return kpiDefinition(kpi).series.map((series) => ({ series, variant: variantOf(series, period) }));
}

/** The instants (as day numbers) whose cumulative values a request needs. */
function boundaries(kpi: KpiId, period: Period): number[] {
  return kpiDefinition(kpi).kind === 'FLOW' ? [period.startDay, period.endDay] : [period.endDay];
}

const isMonthStart = (dayNo: number) => dayParts(dayNo).day === 1;

/** Whether the roll-ups hold this request: above branch level, at month starts (or daily buckets above communes). */
export function servedByRollups(r: KpiRequest): boolean {
  if (r.level === 'BRANCH') return false;
  if (r.level === 'CENTRAL' || r.level === 'PROVINCE') return true;
  return boundaries(r.kpi, r.period).every(isMonthStart);
}

export async function readKpis(db: Db, requests: readonly KpiRequest[]): Promise<KpiResult[]> {
  // Cumulative lookups (unit, series, variant, day), deduplicated.
  const lookups = new Map<string, number>();
  const lookup = (unitId: number, series: Series, variant: number, day: number, view: HistoryView) => {
    const key = `${unitId}|${series}|${variant}|${day}|${viewLevel(view)}`;
    if (!lookups.has(key)) lookups.set(key, lookups.size);
    return key;
  };
  const asOfKeys = new Map<string, number>();
  const direct = new Map<string, ComputeGroup & { unitIds: number[] }>();
  for (const r of requests) {
    for (const { series } of seriesOf(r.kpi, r.period)) {
      const key = `${r.unitId}|${series}`;
      if (!asOfKeys.has(key)) asOfKeys.set(key, asOfKeys.size);
    }
    if (servedByRollups(r)) {
      for (const { series, variant } of seriesOf(r.kpi, r.period)) {
        for (const day of boundaries(r.kpi, r.period)) lookup(r.unitId, series, variant, day, r.view ?? 'AS_OF_THEN');
      }
    } else {
      const key = `${r.kpi}|${r.period.id}|${r.view ?? 'AS_OF_THEN'}`;
      const group = direct.get(key) ?? { kpi: r.kpi, period: r.period, unitIds: [], view: r.view ?? 'AS_OF_THEN' };
      group.unitIds.push(r.unitId);
      direct.set(key, group);
    }
  }

  const groups = [...direct.values()];
  const read = async (tx: Db) =>
    [await readRollups(tx, [...lookups.keys()], [...asOfKeys.keys()]), groups.length > 0 ? await computeKpis(tx, groups) : []] as const;
  // Two statements see one state of the data: a write committed between them must not
  // show in one half of a response only.
  const [[cumulative, asOf], computed] =
    groups.length > 0
      ? await db.transaction((tx) => read(tx as unknown as Db), { isolationLevel: 'repeatable read', accessMode: 'read only' })
      : await read(db);
  const computedByKey = new Map(groups.map((g, i) => [`${g.kpi}|${g.period.id}|${g.view}`, computed[i]!]));

  return requests.map((r) => {
    const series = seriesOf(r.kpi, r.period);
    const times = series.map(({ series: s }) => asOf[asOfKeys.get(`${r.unitId}|${s}`)!]).filter((t): t is Date => t != null);
    const stamp = times.length > 0 ? new Date(Math.max(...times.map((t) => t.getTime()))) : null;
    if (!servedByRollups(r)) {
      const parts = computedByKey.get(`${r.kpi}|${r.period.id}|${r.view ?? 'AS_OF_THEN'}`)!.get(r.unitId)!;
      return { ...parts, asOf: stamp };
    }
    const at = (s: { series: Series; variant: number }, day: number) =>
      cumulative[lookups.get(`${r.unitId}|${s.series}|${s.variant}|${day}|${viewLevel(r.view ?? 'AS_OF_THEN')}`)!]!;
    const value = (s: { series: Series; variant: number }) =>
      kpiDefinition(r.kpi).kind === 'FLOW' ? at(s, r.period.endDay) - at(s, r.period.startDay) : at(s, r.period.endDay);
    return {
      numerator: value(series[0]!),
      denominator: series[1] ? value(series[1]) : null,
      asOf: stamp,
    };
  });
}

/**
 * One statement: the cumulative value of each lookup (the sum of the steps before its day:
 * whole years, then months of that year, then days of that month) and the last change of
 * each (unit, series).
 */
async function readRollups(db: Db, lookupKeys: string[], asOfKeys: string[]): Promise<[number[], (Date | null)[]]> {
  const cumulative = new Array<number>(lookupKeys.length).fill(0);
  const asOf = new Array<Date | null>(asOfKeys.length).fill(null);
  if (lookupKeys.length === 0 && asOfKeys.length === 0) return [cumulative, asOf];
  const split = lookupKeys.map((k) => k.split('|'));
  const arr = (values: string[]) => `{${values.join(',')}}`;
  const days = split.map((p) => formatDay(Number(p[3])));
  const asOfSplit = asOfKeys.map((k) => k.split('|'));
  const found = await rows<{ k: string; i: number; n: string | number | null; at: Date | string | null }>(
    db,
    sql`
      SELECT 'v' AS k, r.i::int AS i,
             coalesce((SELECT sum(delta) FROM kpi_rollup_year y
                        WHERE y.unit_id = r.u AND y.series = r.s AND y.variant = r.v AND y.view <= r.w AND y.year < extract(year FROM r.e)), 0)
           + coalesce((SELECT sum(delta) FROM kpi_rollup_month m
                        WHERE m.unit_id = r.u AND m.series = r.s AND m.variant = r.v AND m.view <= r.w
                          AND m.month >= date_trunc('year', r.e)::date AND m.month < date_trunc('month', r.e)::date), 0)
           + CASE WHEN extract(day FROM r.e) = 1 THEN 0 ELSE
             coalesce((SELECT sum(delta) FROM kpi_rollup_day d
                        WHERE d.unit_id = r.u AND d.series = r.s AND d.variant = r.v AND d.view <= r.w
                          AND d.day >= date_trunc('month', r.e)::date AND d.day < r.e), 0) END AS n,
             NULL::timestamptz AS at
        FROM unnest(${arr(split.map((p) => p[0]!))}::int[], ${arr(split.map((p) => p[1]!))}::text[],
                    ${arr(split.map((p) => p[2]!))}::int[], ${arr(days)}::date[], ${arr(split.map((p) => p[4]!))}::int[]) WITH ORDINALITY AS r(u, s, v, e, w, i)
      UNION ALL
      SELECT 'a', q.i::int, NULL, (SELECT max(changed_at) FROM kpi_as_of a WHERE a.unit_id = q.u AND a.series = q.s)
        FROM unnest(${arr(asOfSplit.map((p) => p[0]!))}::int[], ${arr(asOfSplit.map((p) => p[1]!))}::text[]) WITH ORDINALITY AS q(u, s, i)`,
  );
  for (const r of found) {
    if (r.k === 'v') cumulative[Number(r.i) - 1] = Number(r.n);
    else asOf[Number(r.i) - 1] = r.at === null ? null : new Date(r.at);
  }
  return [cumulative, asOf];
}
