// Progress towards targets, for a leadership screen: per KPI, the value to date beside the
// target, what the pace asks for by today (linear, and last year's course when there is
// history), where the value is headed, and a status. Every value comes from the KPI engine
// through the request's loader, so a report reads them all in one batch, whatever its size.
import { builder } from '../builder.js';
import type { Context, UnitRow } from '../context.js';
import { KpiDefinitionRef, loadValue, PeriodRef, shownValue, VIEW_ARG } from '../dashboard/index.js';
import { badInput } from '../errors.js';
import { dayNumber, dayParts, dayPeriod, formatDay, parsePeriod, PeriodError, rangePeriod, samePeriodLastYear, vietnamDay, vietnamMidnight, type Period } from '../../domain/period.js';
import { elapsedShare, progress, shareOfChange, type Progress, type ProgressStatus } from '../kpi/progress.js';
import { kpiDefinition, type HistoryView, type KpiDefinition, type KpiId } from '../../domain/catalogue.js';
import { Unit } from '../unit/index.js';
import { readableKpis, targetPeriodArg, targetsOf } from './targets.js';

const ProgressStatusEnum = builder.enumType('ProgressStatus', {
  description: 'Where a KPI stands against its target (docs/leadership.md; thresholds PROGRESS_ON_TRACK and PROGRESS_AT_RISK).',
  values: {
    ACHIEVED: { description: 'The value has reached the target (at or above it; at or below for a KPI where lower is better).' },
    ON_TRACK: { description: 'The progress made since the period began is at least PROGRESS_ON_TRACK (0.9) of what the pace asks for by today.' },
    AT_RISK: { description: 'The progress made is at least PROGRESS_AT_RISK (0.7) of what the pace asks for, and less than PROGRESS_ON_TRACK.' },
    BEHIND: { description: 'The progress made is less than PROGRESS_AT_RISK of what the pace asks for.' },
    NO_TARGET: { description: 'The unit has no target for the KPI and period.' },
    NO_DATA: { description: 'There is no value to compare: a ratio over nobody, or a value withheld from this caller.' },
  } satisfies Record<ProgressStatus, { description: string }>,
});


const PaceEnum = builder.enumType('Pace', {
  description: 'The course a target is expected to follow through its period.',
  values: {
    LINEAR: { description: 'A straight line from the value at the period’s start to the target at its end.' },
    SEASONAL: { description: 'The course of the same period a year earlier: by each day, the share of last year’s change made by the same day.' },
  },
});

export interface KpiProgressShape extends Progress {
  kpi: KpiDefinition;
  target: number | null;
  actual: number | null;
  baseline: number | null;
  lastYearShare: number | null;
  /** The report the item belongs to (for what is read once per report: its reporting rates). */
  report?: ProgressReportShape;
}

export const KpiProgress = builder.objectRef<KpiProgressShape>('KpiProgress').implement({
  description: 'One KPI of a unit against its target.',
  fields: (t) => ({
    kpi: t.field({ type: KpiDefinitionRef, resolve: (p) => p.kpi }),
    target: t.float({ nullable: true, description: 'The unit’s target for the period; null when it has none.', resolve: (p) => p.target }),
    actual: t.float({
      nullable: true,
      description: 'The value to date: a flow summed from the period’s start to the end of `today`; a stock or a ratio at the end of `today` (at the period’s end once it is over).',
      resolve: (p) => p.actual,
    }),
    baseline: t.float({ nullable: true, description: 'A stock or a ratio at the period’s start (a flow starts from 0).', resolve: (p) => p.baseline }),
    percentAchieved: t.float({ nullable: true, description: '100 × actual ÷ target (target ÷ actual where lower is better); null when that divides by 0 or either is null.', resolve: (p) => p.percentAchieved }),
    expectedLinear: t.float({ nullable: true, description: 'What a straight line from the baseline to the target asks for by today.', resolve: (p) => p.expectedLinear }),
    expectedSeasonal: t.float({ nullable: true, description: 'What last year’s course asks for by today: baseline + (target − baseline) × lastYearShare; null without history.', resolve: (p) => p.expectedSeasonal }),
    lastYearShare: t.float({
      nullable: true,
      description: 'The share of last year’s change over the same period made by the same day (a flow: its sum so far ÷ its whole sum); null when last year did not change.',
      resolve: (p) => p.lastYearShare,
    }),
    projectedLinear: t.float({ nullable: true, description: 'The end value if the value keeps its pace so far: baseline + (actual − baseline) ÷ elapsed.', resolve: (p) => p.projectedLinear }),
    projectedSeasonal: t.float({ nullable: true, description: 'The end value if the rest of the period goes as last year’s did: baseline + (actual − baseline) ÷ lastYearShare.', resolve: (p) => p.projectedSeasonal }),
    paceShare: t.float({
      nullable: true,
      description: 'The progress made since the period began as a share of what the pace asks for by today (1: on pace; the status compares it with the thresholds); null without a target or a value, or when the pace asks for nothing yet.',
      resolve: (p) => p.paceShare,
    }),
    pace: t.field({ type: PaceEnum, nullable: true, description: 'The pace the status is judged on: SEASONAL when there is history, else LINEAR; null without a target.', resolve: (p) => p.pace }),
    status: t.field({ type: ProgressStatusEnum, resolve: (p) => p.status }),
  }),
});

export interface ProgressReportShape {
  unit: UnitRow;
  period: Period;
  today: number;
  asOfDay: number;
  elapsed: number;
  items: Promise<KpiProgressShape[]>;
}

export const TargetProgress = builder.objectRef<ProgressReportShape>('TargetProgress').implement({
  description: 'A unit’s KPIs against its targets for a period, as of a day.',
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (r) => r.unit }),
    period: t.field({ type: PeriodRef, resolve: (r) => r.period }),
    today: t.field({ type: 'Date', description: 'The day the report is made for (Vietnam calendar).', resolve: (r) => formatDay(r.today) }),
    asOf: t.field({ type: 'DateTime', description: 'The instant values are read at: the end of `today`, within the period.', resolve: (r) => vietnamMidnight(r.asOfDay) }),
    elapsed: t.float({ description: 'The share of the period’s days gone by at `asOf` (0 before it begins, 1 once it is over).', resolve: (r) => r.elapsed }),
    kpis: t.field({ type: [KpiProgress], description: 'Every KPI the caller reads of this unit, in catalogue order; those without a target have status NO_TARGET.', resolve: (r) => r.items }),
  }),
});

/** The months a period has begun by `asOfDay`: [its first day, the first day of the month after the one holding asOfDay − 1); empty before it begins. */
export function monthsBegun(period: Period, asOfDay: number): [from: number, to: number] {
  if (asOfDay <= period.startDay) return [period.startDay, period.startDay];
  const last = dayParts(asOfDay - 1);
  return [period.startDay, last.month === 12 ? dayNumber(last.year + 1, 1, 1) : dayNumber(last.year, last.month + 1, 1)];
}

/**
 * What a report reads once for all its KPIs (the reporting rates, the open flags): the first
 * of its items to ask starts the read, before anything is awaited, and the others share it.
 */
export function oncePerReport<T>(reads: WeakMap<ProgressReportShape, Promise<T>>, report: ProgressReportShape, read: () => Promise<T>): Promise<T> {
  let found = reads.get(report);
  if (!found) reads.set(report, (found = read()));
  return found;
}

/** A KPI's value as a number to compute with (a ratio as a percentage); null when there is none or it is withheld. */
const valueOf = (ctx: Context, unit: UnitRow, kpi: KpiId, period: Period, view: HistoryView) => loadValue(ctx, unit, kpi, period, undefined, view).then((v) => (v.suppressed ? null : shownValue(v)));

/**
 * The value "at" the instant that starts day `day`: for a stock or a ratio, its value for
 * the day before (whose End that is); for a flow, its sum over [from, day).
 */
export function valueAt(ctx: Context, unit: UnitRow, kpi: KpiDefinition, from: number, day: number, view: HistoryView = 'AS_OF_THEN'): Promise<number | null> {
  if (kpi.kind === 'FLOW') return day > from ? valueOf(ctx, unit, kpi.id, rangePeriod(from, day), view) : Promise.resolve(0);
  return valueOf(ctx, unit, kpi.id, dayPeriod(day - 1), view);
}

/** One KPI's progress: its values now, at the start, and last year's, all through the loader. */
export async function kpiProgress(
  ctx: Context,
  unit: UnitRow,
  kpi: KpiDefinition,
  period: Period,
  asOfDay: number,
  elapsed: number,
  target: number | null,
  view: HistoryView = 'AS_OF_THEN',
): Promise<KpiProgressShape> {
  const flow = kpi.kind === 'FLOW';
  const actualP = valueAt(ctx, unit, kpi, period.startDay, asOfDay, view);
  const baselineP = flow ? Promise.resolve(0) : valueAt(ctx, unit, kpi, period.startDay, period.startDay, view);
  // Last year's course over the same days: only for a target's year, half, quarter or month.
  let shareP: Promise<number | null> = Promise.resolve(null);
  if (target !== null && period.kind !== 'TERM') {
    const last = samePeriodLastYear(period);
    const lastAsOf = asOfDay >= period.endDay ? last.endDay : samePeriodLastYear(dayPeriod(asOfDay)).startDay;
    shareP = Promise.all([
      valueAt(ctx, unit, kpi, last.startDay, last.startDay, view),
      valueAt(ctx, unit, kpi, last.startDay, lastAsOf, view),
      valueAt(ctx, unit, kpi, last.startDay, last.endDay, view),
    ]).then(([from, at, to]) => shareOfChange(from, at, to));
  }
  const [actual, baseline, lastYearShare] = await Promise.all([actualP, baselineP, shareP]);
  const computed = progress({ kind: kpi.kind, higherIsBetter: kpi.higherIsBetter, target, actual, baseline, elapsed, seasonal: lastYearShare }, ctx.progress);
  return { ...computed, kpi, target, actual, baseline: flow ? null : baseline, lastYearShare };
}

/** The day a report is made for: the `today` argument, or the request's day in Vietnam. */
export function todayArg(ctx: Context, today: string | null | undefined): number {
  if (today == null) return vietnamDay(ctx.now);
  try {
    return parsePeriod(today).startDay;
  } catch (e) {
    if (e instanceof PeriodError) throw badInput('today', e.message);
    throw e;
  }
}

builder.objectFields(Unit, (t) => ({
  targetProgress: t.field({
    type: TargetProgress,
    description:
      'The unit’s KPIs against its targets for a period (a year, a half, a quarter, a month or a congress term), as of `today` (default: today in Vietnam): value to date, target, % achieved, what the pace asks for, the projected end value and a status. For whoever reads the unit’s KPIs; each KPI the caller may not read is left out.',
    args: {
      period: t.arg.string({ required: true }),
      today: t.arg({ type: 'Date', description: 'The day to report for; its end is the instant values are read at. Default: today (Vietnam time).' }),
      view: t.arg(VIEW_ARG),
    },
    resolve: async (unit, args, ctx) => {
      const period = targetPeriodArg(args.period);
      const today = todayArg(ctx, args.today);
      const { asOfDay, elapsed } = elapsedShare(period.startDay, period.endDay, today);
      const readable = readableKpis(ctx, unit);
      const report: ProgressReportShape = { unit, period, today, asOfDay, elapsed, items: Promise.resolve([]) };
      report.items = targetsOf(ctx.db, [unit.id], period).then((found) =>
        Promise.all(
          readable.map((k) => kpiProgress(ctx, unit, kpiDefinition(k), period, asOfDay, elapsed, found.get(`${unit.id}|${k}`) ?? null, args.view ?? 'AS_OF_THEN').then((p) => ({ ...p, report }))),
        ),
      );
      return report;
    },
  }),
}));
