// The KPI surface of the API: the catalogue, periods, and KPI values on units.
import { resolveArrayConnection } from '@pothos/plugin-relay';
import { and, arrayContains, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { GraphQLResolveInfo } from 'graphql';
import { unitLevelRank, units, type UnitLevel } from '../../db/schema.js';
import { builder } from '../builder.js';
import type { Context, KpiResult, UnitRow } from '../context.js';
import { badInput, connectionArgs, notFound } from '../errors.js';
import {
  formatDay,
  parsePeriod,
  PeriodError,
  periodsBetween,
  previousPeriod,
  samePeriodLastYear,
  type Grain,
  type Period,
  type PeriodKind,
} from '../../domain/period.js';
import { KPIS, kpiDefinition, ratioPercent, type HistoryView, type KpiDefinition, type KpiId } from '../../domain/catalogue.js';
import { selects } from '../selection.js';
import { Unit, UnitLevelEnum } from '../unit/index.js';

export const KpiIdEnum = builder.enumType('KpiId', {
  description: 'The KPIs of the catalogue.',
  values: Object.fromEntries(KPIS.map((k) => [k.id, { description: `${k.nameEn} (${k.nameVi}). ${k.description}` }])) as Record<
    KpiId,
    { description: string }
  >,
});

const KpiKindEnum = builder.enumType('KpiKind', {
  description: 'How a KPI rolls up a tree and across a period.',
  values: {
    RATIO: { description: 'Σ numerator ÷ Σ denominator over the subtree at the period’s end, as a percentage; null when the denominator is 0.' },
    STOCK: { description: 'A count of what stands at the period’s end.' },
    FLOW: { description: 'A sum of what happened inside the period.' },
  },
});

const UnitOfMeasureEnum = builder.enumType('UnitOfMeasure', { values: ['PERCENT', 'COUNT'] as const });

const PeriodKindEnum = builder.enumType('PeriodKind', {
  values: ['YEAR', 'HALF', 'QUARTER', 'MONTH', 'WEEK', 'DAY', 'TERM', 'RANGE'] as const satisfies readonly PeriodKind[],
});

export const HistoryViewEnum = builder.enumType('HistoryView', {
  description:
    'How a KPI reads history across reorganisations (mergers, splits, re-parents). The default is AS_OF_THEN: a number reported for a period stays the number it was, whatever the tree became since.',
  values: {
    AS_OF_THEN: {
      description:
        'Each period in the tree as it stood at its End (flows: on their date). A commune moved from province P1 to P2 on day d counts in P1 for every period ending on or before d, in P2 after; a unit that did not exist yet has nothing (a ratio over nothing is null).',
    },
    CURRENT_TREE: {
      description:
        'History restated onto today’s units, for trends across a reorganisation: each fact counts for today’s representative of the unit that held it (the unit while open, else its successor’s; a unit dissolved without successor drops out), and today’s parents all the way up. A closed unit has no values of its own here.',
    },
  },
});

/** The `view` argument of every KPI field: `view: t.arg(VIEW_ARG)`. */
export const VIEW_ARG = {
  type: HistoryViewEnum,
  required: false,
  defaultValue: 'AS_OF_THEN' as HistoryView,
  description: 'AS_OF_THEN (the default: the tree as it stood) or CURRENT_TREE (history restated onto today’s units).',
} as const;

export const KpiDefinitionRef = builder.objectRef<KpiDefinition>('KpiDefinition').implement({
  description: 'A KPI of the catalogue, with the exact rule of its numerator and denominator (docs/kpis.md: the catalogue, its boundaries and examples).',
  fields: (t) => ({
    id: t.field({ type: KpiIdEnum, resolve: (k) => k.id }),
    nameVi: t.exposeString('nameVi', { description: 'Vietnamese name.' }),
    nameEn: t.exposeString('nameEn', { description: 'English name.' }),
    description: t.exposeString('description'),
    kind: t.field({ type: KpiKindEnum, resolve: (k) => k.kind }),
    unitOfMeasure: t.field({ type: UnitOfMeasureEnum, resolve: (k) => k.unitOfMeasure }),
    higherIsBetter: t.exposeBoolean('higherIsBetter'),
    source: t.exposeString('source', { description: 'The data the KPI is computed from.' }),
    numerator: t.exposeString('numerator', { description: 'What is counted: the numerator of a ratio, or the value of a count.' }),
    denominator: t.exposeString('denominator', { nullable: true, description: 'What a ratio is a share of.' }),
  }),
});

const GrainEnum = builder.enumType('Grain', {
  description: 'The step of a time series.',
  values: ['DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR'] as const satisfies readonly Grain[],
});

const BreakdownOrderEnum = builder.enumType('BreakdownOrder', {
  values: {
    VALUE_DESC: { description: 'Highest value first (nulls last).' },
    VALUE_ASC: { description: 'Lowest value first (nulls last).' },
    CODE: { description: 'By unit code.' },
    NAME: { description: 'By unit name, ignoring diacritics.' },
  },
});

export const PeriodRef = builder.objectRef<Period>('Period').implement({
  description: 'A period of whole Vietnam days; its boundaries are 00:00 Vietnam time (UTC+07:00).',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Canonical text, e.g. 2026-03, 2026-Q1, 2025/2030.' }),
    kind: t.field({ type: PeriodKindEnum, resolve: (p) => p.kind }),
    start: t.expose('start', { type: 'DateTime', description: 'First instant (inclusive).' }),
    end: t.expose('end', { type: 'DateTime', description: '"End": the instant the period ends (exclusive).' }),
    firstDay: t.field({ type: 'Date', resolve: (p) => formatDay(p.startDay) }),
    lastDay: t.field({ type: 'Date', resolve: (p) => formatDay(p.endDay - 1) }),
  }),
});

export interface KpiValueShape extends KpiResult {
  kpi: KpiDefinition;
  period: Period;
  unit: UnitRow;
  view: HistoryView;
  /** Position in a breakdown's order (1 first; equal values share a rank). */
  rank?: number | null;
  previous?: Promise<KpiValueShape> | undefined;
  lastYear?: Promise<KpiValueShape> | undefined;
}

/** The value shown: a ratio as a percentage (null on a zero denominator), a count otherwise; null when withheld. */
export function shownValue(v: { numerator: number | null; denominator: number | null; kpi: KpiDefinition }): number | null {
  if (v.numerator === null) return null;
  return v.kpi.kind === 'RATIO' ? ratioPercent(v.numerator, v.denominator ?? 0) : v.numerator;
}

const SuppressionEnum = builder.enumType('Suppression', {
  description: 'Why a value is withheld from this caller.',
  values: {
    SMALL_CELL: {
      description:
        'A ratio over fewer people than the minimum cell size (5 by default) is withheld from partners and anonymous callers, so that no one can be singled out (Decree 13/2023).',
    },
  },
});

interface KpiChangeShape {
  current: KpiValueShape;
  base: KpiValueShape;
}

const KpiChange = builder.objectRef<KpiChangeShape>('KpiChange').implement({
  description: 'The same KPI for an earlier period, and how far the value has moved since.',
  fields: (t) => ({
    period: t.field({ type: PeriodRef, resolve: (c) => c.base.period }),
    value: t.float({ nullable: true, resolve: (c) => shownValue(c.base) }),
    numerator: t.field({ type: 'Count', nullable: true, resolve: (c) => c.base.numerator }),
    denominator: t.field({ type: 'Count', nullable: true, resolve: (c) => c.base.denominator }),
    suppressed: t.field({ type: SuppressionEnum, nullable: true, resolve: (c) => c.base.suppressed }),
    difference: t.float({
      nullable: true,
      description: 'Value now minus value then: percentage points for a ratio, a count otherwise; null when either is null.',
      resolve: (c) => {
        const [now, then] = [shownValue(c.current), shownValue(c.base)];
        return now === null || then === null ? null : now - then;
      },
    }),
    relativeChange: t.float({
      nullable: true,
      description: 'The difference as a percentage of the value then; null when that value is 0 or null.',
      resolve: (c) => {
        const [now, then] = [shownValue(c.current), shownValue(c.base)];
        return now === null || then === null || then === 0 ? null : (100 * (now - then)) / Math.abs(then);
      },
    }),
  }),
});

export const KpiValue = builder.objectRef<KpiValueShape>('KpiValue').implement({
  description: 'A KPI over a unit’s whole subtree for a period: numerators and denominators are summed, never percentages averaged.',
  fields: (t) => ({
    kpi: t.field({ type: KpiDefinitionRef, resolve: (v) => v.kpi }),
    unit: t.field({ type: Unit, resolve: (v) => v.unit }),
    period: t.field({ type: PeriodRef, resolve: (v) => v.period }),
    value: t.float({
      nullable: true,
      description: 'A ratio as a percentage (100 × numerator ÷ denominator, null when the denominator is 0); a count otherwise.',
      resolve: shownValue,
    }),
    numerator: t.field({
      type: 'Count',
      nullable: true,
      description: 'The numerator of a ratio; the count itself for a stock or a flow; null only when withheld (see `suppressed`).',
      resolve: (v) => v.numerator,
    }),
    denominator: t.field({
      type: 'Count',
      nullable: true,
      description: 'The denominator of a ratio; null for counts and when withheld.',
      resolve: (v) => v.denominator,
    }),
    suppressed: t.field({
      type: SuppressionEnum,
      nullable: true,
      description: 'Why value, numerator and denominator are withheld from this caller; null when they are shown.',
      resolve: (v) => v.suppressed,
    }),
    asOf: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the data under this value last changed; null when nothing was ever recorded under the unit for this KPI.',
      resolve: (v) => v.asOf,
    }),
    complete: t.boolean({
      description:
        'Whether the period has ended. A period whose End is still ahead (this month, this year, a future year) is partial: its value is what stands, or what was reported, up to `valueAt`, and will change.',
      resolve: (v, _args, ctx) => v.period.end <= ctx.now,
    }),
    valueAt: t.field({
      type: 'DateTime',
      description: 'The instant the value holds for: the period’s End once it has passed, else now.',
      resolve: (v, _args, ctx) => (v.period.end <= ctx.now ? v.period.end : ctx.now),
    }),
    rank: t.int({ nullable: true, description: 'Position in a breakdown (1 first; equal values share a rank); null elsewhere.', resolve: (v) => v.rank ?? null }),
    previous: t.field({
      type: KpiChange,
      description: 'The previous period of the same kind (February for March, 2025-Q4 for 2026-Q1).',
      resolve: async (v, _args, ctx) => ({ current: v, base: await (v.previous ?? loadValue(ctx, v.unit, v.kpi.id, previousPeriod(v.period), undefined, v.view)) }),
    }),
    lastYear: t.field({
      type: KpiChange,
      description: 'The same period one year earlier.',
      resolve: async (v, _args, ctx) => ({ current: v, base: await (v.lastYear ?? loadValue(ctx, v.unit, v.kpi.id, samePeriodLastYear(v.period), undefined, v.view)) }),
    }),
  }),
});

/**
 * Loads a KPI value. When the query asks for comparisons, their values are asked for in
 * the same tick, so they join the same batch (and the same SQL statement).
 */
export function loadValue(ctx: Context, unit: UnitRow, kpi: KpiId, period: Period, info?: GraphQLResolveInfo, view: HistoryView = 'AS_OF_THEN'): Promise<KpiValueShape> {
  const load = (p: Period): Promise<KpiValueShape> =>
    ctx.loaders.kpi.load({ kpi, period: p, unit, view }).then((r) => ({ ...r, kpi: kpiDefinition(kpi), period: p, unit, view }));
  const value = load(period);
  if (!info) return value;
  const previous = selects(info, 'previous') ? load(previousPeriod(period)) : undefined;
  const lastYear = selects(info, 'lastYear') ? load(samePeriodLastYear(period)) : undefined;
  // Read only if the value itself resolves; a refusal is the value's error, told once.
  for (const p of [previous, lastYear]) p?.catch(() => undefined);
  return value.then((v) => ({ ...v, previous, lastYear }));
}

export function periodArg(text: string, argument = 'period'): Period {
  try {
    return parsePeriod(text);
  } catch (e) {
    if (e instanceof PeriodError) throw badInput(argument, e.message);
    throw e;
  }
}

builder.objectFields(Unit, (t) => ({
  kpi: t.field({
    type: KpiValue,
    nullable: true,
    complexity: KPI_COST,
    description: `A KPI over this unit and everything under it, for a period such as "2026-03", "2026-Q1" or "2026". ${NULL_ON_ERROR}`,
    args: {
      id: t.arg({ type: KpiIdEnum, required: true }),
      period: t.arg.string({ required: true }),
      view: t.arg(VIEW_ARG),
    },
    resolve: (unit, args, ctx, info) => loadValue(ctx, unit, args.id, periodArg(args.period), info, args.view ?? 'AS_OF_THEN'),
  }),
  kpis: t.field({
    type: [KpiValue],
    nullable: { list: true, items: true },
    complexity: (args) => ({ field: KPI_COST, multiplier: args.ids ? new Set(args.ids).size : KPIS.length }),
    description: `Several KPIs (all of the catalogue when \`ids\` is left out) over this unit and everything under it, for one period. ${NULL_ON_ERROR}`,
    args: {
      ids: t.arg({ type: [KpiIdEnum], required: false }),
      period: t.arg.string({ required: true }),
      view: t.arg(VIEW_ARG),
    },
    resolve: (unit, args, ctx, info) => {
      const period = periodArg(args.period);
      // Left out: the KPIs this caller reads (a partner's key names its own).
      const ids = args.ids ? [...new Set(args.ids)] : ctx.access.kpisRead;
      return ids.map((id) => loadValue(ctx, unit, id, period, info, args.view ?? 'AS_OF_THEN'));
    },
  }),
  series: t.field({
    type: [KpiValue],
    nullable: { list: true, items: true },
    complexity: (args) => ({ field: KPI_COST, multiplier: seriesLength(args.from, args.to, args.grain) }),
    description: `A KPI for each period of a grain, from the one containing \`from\` to the one containing the end of \`to\`: a trend chart. ${NULL_ON_ERROR}`,
    args: {
      kpi: t.arg({ type: KpiIdEnum, required: true }),
      from: t.arg.string({ required: true, description: 'A period; the series starts with the grain period containing its first day.' }),
      to: t.arg.string({ required: true, description: 'A period; the series ends with the grain period containing its last day.' }),
      grain: t.arg({ type: GrainEnum, required: true }),
      view: t.arg(VIEW_ARG),
    },
    resolve: (unit, args, ctx, info) => {
      const from = periodArg(args.from, 'from');
      const to = periodArg(args.to, 'to');
      if (to.endDay <= from.startDay) throw badInput('to', `must not end before "from" starts (${from.id} … ${to.id})`);
      const periods = periodsBetween(from.startDay, to.endDay, args.grain);
      if (periods.length > MAX_SERIES_POINTS) {
        throw badInput('grain', `${periods.length} points from ${from.id} to ${to.id}; at most ${MAX_SERIES_POINTS}: use a coarser grain`);
      }
      return periods.map((p) => loadValue(ctx, unit, args.kpi, p, info, args.view ?? 'AS_OF_THEN'));
    },
  }),
  breakdown: t.connection({
    type: KpiValue,
    nullable: true,
    // Every unit below is read and ranked, whatever the page: that costs as many KPI values.
    complexity: (args) => ({
      field: KPI_COST * BREAKDOWN_UNITS_ESTIMATE[args.level ?? 'CHILDREN'],
      multiplier: args.first ?? args.last ?? DEFAULT_BREAKDOWN_PAGE,
    }),
    description: `The KPI for every unit directly below (or, with \`level\`, every unit at that level below) that lived during the period, ordered and ranked: who leads, who lags. Only units whose values this caller reads are listed. ${NULL_ON_ERROR}`,
    args: {
      kpi: t.arg({ type: KpiIdEnum, required: true }),
      period: t.arg.string({ required: true }),
      level: t.arg({ type: UnitLevelEnum, required: false, description: 'Default: the units directly below.' }),
      orderBy: t.arg({ type: BreakdownOrderEnum, required: false, defaultValue: 'VALUE_DESC' }),
      view: t.arg(VIEW_ARG),
    },
    resolve: async (unit, args, ctx, info) => {
      connectionArgs(args, MAX_BREAKDOWN_PAGE);
      const period = periodArg(args.period);
      if (args.level && unitLevelRank(args.level) <= unitLevelRank(unit.level)) {
        throw badInput('level', `${args.level} is not below ${unit.level} ${unit.code}`);
      }
      const view = args.view ?? 'AS_OF_THEN';
      const below = await unitsBelow(ctx, unit, period, args.level ?? null, view);
      if (below.length > MAX_BREAKDOWN_UNITS) {
        throw badInput('level', `${below.length} units below ${unit.code} at ${args.level}; at most ${MAX_BREAKDOWN_UNITS}: break down a smaller unit`);
      }
      // Ranks are among the units this caller reads: a rank must not tell of a hidden value.
      const readable = below.filter((u) => ctx.access.readsAggregate(u, args.kpi));
      const values = await Promise.all(readable.map((u) => loadValue(ctx, u, args.kpi, period, info, view)));
      const ordered = orderValues(values, args.orderBy ?? 'VALUE_DESC');
      return resolveArrayConnection({ args, defaultSize: DEFAULT_BREAKDOWN_PAGE, maxSize: MAX_BREAKDOWN_PAGE }, ordered);
    },
  }),
}));

const MAX_SERIES_POINTS = 1000;
const DEFAULT_BREAKDOWN_PAGE = 100;
/** How many units a breakdown may rank, by the level it asks for (the most under the Central Committee: 34 provinces, 3,321 communes…). */
const BREAKDOWN_UNITS_ESTIMATE: Record<UnitLevel | 'CHILDREN', number> = { CHILDREN: 200, CENTRAL: 1, PROVINCE: 34, COMMUNE: 3_500, BLOC: 500, BRANCH: 20_000 };
/** What one KPI value costs against a request's budget (schema/limits.ts); a unit's plain field costs 1. */
export const KPI_COST = 2;
const NULL_ON_ERROR = 'Null, with an error naming the argument, when an argument is invalid or the value is outside what the caller may read; the rest of the response is unaffected.';

/** How many points a series would have; what it costs is known before it runs (an invalid one costs 1 and is refused when it runs). */
function seriesLength(from: string, to: string, grain: Grain): number {
  try {
    const [a, b] = [parsePeriod(from), parsePeriod(to)];
    return b.endDay <= a.startDay ? 1 : Math.min(periodsBetween(a.startDay, b.endDay, grain).length, MAX_SERIES_POINTS + 1);
  } catch {
    return 1;
  }
}
const MAX_BREAKDOWN_UNITS = 20_000;
const MAX_BREAKDOWN_PAGE = 1000;

type BreakdownOrder = 'VALUE_DESC' | 'VALUE_ASC' | 'CODE' | 'NAME';

/** Compares by value with nulls (zero denominators) always last. */
function byValue(direction: 1 | -1) {
  return (a: KpiValueShape, b: KpiValueShape): number => {
    const [x, y] = [shownValue(a), shownValue(b)];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return direction * (x - y);
  };
}

const byCode = (a: KpiValueShape, b: KpiValueShape) => (a.unit.code < b.unit.code ? -1 : a.unit.code > b.unit.code ? 1 : 0);

/** Ranks best first (equal values share a rank: 1, 2, 2, 4; no rank for null), then orders as asked. */
function orderValues(values: KpiValueShape[], orderBy: BreakdownOrder): KpiValueShape[] {
  const best = byValue(values[0]?.kpi.higherIsBetter === false ? 1 : -1);
  const ranked = [...values].sort((a, b) => best(a, b) || byCode(a, b));
  ranked.forEach((v, i) => {
    const prev = ranked[i - 1];
    v.rank = shownValue(v) === null ? null : prev && shownValue(prev) === shownValue(v) ? prev.rank : i + 1;
  });
  switch (orderBy) {
    case 'VALUE_DESC':
      return [...values].sort((a, b) => byValue(-1)(a, b) || byCode(a, b));
    case 'VALUE_ASC':
      return [...values].sort((a, b) => byValue(1)(a, b) || byCode(a, b));
    case 'CODE':
      return [...values].sort(byCode);
    case 'NAME':
      return [...values].sort((a, b) => a.unit.searchName.localeCompare(b.unit.searchName) || byCode(a, b));
  }
}

/**
 * Units directly below (or at a level below), by code: in AS_OF_THEN those below it at
 * some time during the period (the tree as it stood) that lived during it; in CURRENT_TREE
 * today's open units below it.
 */
async function unitsBelow(ctx: Context, unit: UnitRow, period: Period, level: UnitLevel | null, view: HistoryView): Promise<UnitRow[]> {
  if (view === 'CURRENT_TREE') {
    return ctx.db
      .select()
      .from(units)
      .where(and(level ? and(arrayContains(units.path, [unit.id]), eq(units.level, level)) : eq(units.parentId, unit.id), isNull(units.validTo)))
      .orderBy(asc(units.code));
  }
  const [start, end] = [period.start.toISOString(), period.end.toISOString()];
  // Below the unit during the period: a link to it (directly) or a segment under it (at a level) that overlaps the period.
  const during = (from: string, to: string) => sql`(${sql.raw(from)} IS NULL OR ${sql.raw(from)} < ${end}::timestamptz) AND (${sql.raw(to)} IS NULL OR ${sql.raw(to)} > ${start}::timestamptz)`;
  const below = level
    ? sql`SELECT unit_id FROM unit_ancestry WHERE view = 0 AND ancestor_id = ${unit.id} AND unit_id <> ${unit.id} AND ${during('from_at', 'to_at')}`
    : sql`SELECT id FROM units WHERE parent_id = ${unit.id} AND ${during('parent_since', 'NULL')}
          UNION SELECT unit_id FROM unit_parent_history WHERE parent_id = ${unit.id} AND ${during('from_at', 'to_at')}`;
  return ctx.db
    .select()
    .from(units)
    .where(
      and(
        sql`${units.id} IN (${below})`,
        level ? eq(units.level, level) : undefined,
        lt(units.validFrom, period.end),
        or(isNull(units.validTo), gt(units.validTo, period.start)),
      ),
    )
    .orderBy(asc(units.code));
}

interface MatrixShape {
  period: Period;
  kpis: KpiDefinition[];
  rows: { unit: UnitRow; values: Promise<KpiValueShape>[] }[];
}

const KpiMatrixRow = builder.objectRef<MatrixShape['rows'][number]>('KpiMatrixRow').implement({
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (r) => r.unit }),
    values: t.field({
      type: [KpiValue],
      nullable: { list: false, items: true },
      // `compare` has multiplied by the KPIs already.
      complexity: { field: 1, multiplier: 1 },
      description: 'One value per KPI, in the order of `kpis`; null (with an error) where the caller may not read it.',
      resolve: (r) => r.values,
    }),
  }),
});

const KpiMatrix = builder.objectRef<MatrixShape>('KpiMatrix').implement({
  description: 'KPIs side by side for several units and one period.',
  fields: (t) => ({
    period: t.field({ type: PeriodRef, resolve: (m) => m.period }),
    kpis: t.field({ type: [KpiDefinitionRef], resolve: (m) => m.kpis }),
    rows: t.field({ type: [KpiMatrixRow], resolve: (m) => m.rows }),
  }),
});

const MAX_COMPARE_UNITS = 500;

builder.queryField('compare', (t) =>
  t.field({
    type: KpiMatrix,
    nullable: true,
    authScopes: { reader: true },
    complexity: (args) => ({ field: 1, multiplier: Math.max(1, new Set(args.units).size) * (args.kpis ? new Set(args.kpis).size : KPIS.length) }),
    description: 'A matrix for side-by-side dashboards: each unit (by code) against each KPI (all when `kpis` is left out), for one period.',
    args: {
      units: t.arg.stringList({ required: true }),
      kpis: t.arg({ type: [KpiIdEnum], required: false }),
      period: t.arg.string({ required: true }),
      view: t.arg(VIEW_ARG),
    },
    resolve: async (_root, args, ctx, info) => {
      const period = periodArg(args.period);
      const codes = [...new Set(args.units)];
      if (codes.length === 0 || codes.length > MAX_COMPARE_UNITS) {
        throw badInput('units', `give between 1 and ${MAX_COMPARE_UNITS} unit codes (got ${codes.length})`);
      }
      const found = await ctx.loaders.unitByCode.loadMany(codes);
      const missing = codes.filter((_, i) => !found[i] || found[i] instanceof Error);
      if (missing.length > 0) throw notFound('units', `no unit has code ${missing.map((c) => `"${c}"`).join(', ')}`);
      const kpis = [...new Set(args.kpis ?? ctx.access.kpisRead)].map(kpiDefinition);
      return {
        period,
        kpis,
        rows: (found as UnitRow[]).map((unit) => ({ unit, values: kpis.map((k) => loadValue(ctx, unit, k.id, period, info, args.view ?? 'AS_OF_THEN')) })),
      };
    },
  }),
);

builder.queryFields((t) => ({
  kpis: t.field({
    type: [KpiDefinitionRef],
    description: 'The KPI catalogue.',
    resolve: () => [...KPIS],
  }),
  kpiDefinition: t.field({
    type: KpiDefinitionRef,
    args: { id: t.arg({ type: KpiIdEnum, required: true }) },
    resolve: (_root, { id }) => kpiDefinition(id),
  }),
  period: t.field({
    type: PeriodRef,
    nullable: true,
    description: 'Parses a period, to show its boundaries.',
    args: { id: t.arg.string({ required: true }) },
    resolve: (_root, { id }) => periodArg(id, 'id'),
  }),
}));
