// Who lags behind, and who reports: the units furthest behind their own targets, each with
// its reasons, and (as DHIS2 shows it) the share of communes that sent their monthly reports.
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import { builder } from '../builder.js';
import type { Context, UnitRow } from '../context.js';
import { KpiDefinitionRef, KpiIdEnum } from '../dashboard/index.js';
import { badInput } from '../errors.js';
import { dayParts, dayNumber, formatDay, type Period } from '../../domain/period.js';
import { elapsedShare, type ProgressStatus } from '../kpi/progress.js';
import { kpiDefinition, type KpiDefinition } from '../../domain/catalogue.js';
import { Unit, UnitLevelEnum } from '../unit/index.js';
import { KpiProgress, kpiProgress, monthsBegun, oncePerReport, TargetProgress, todayArg, type KpiProgressShape, type ProgressReportShape } from './progress.js';
import { standingUnder, targetPeriodArg, targetsOf } from './targets.js';

const LagReasonEnum = builder.enumType('LagReason', {
  description: 'Why a unit is listed as lagging.',
  values: {
    BEHIND_PACE: { description: 'Its progress is AT_RISK or BEHIND against its own target.' },
    NO_REPORT_THIS_MONTH: { description: 'A flow KPI: neither it nor a unit below it has sent a report of the kind dated in the month of `today`, up to `today`.' },
    NO_TARGET: { description: 'It has no target for the KPI and period.' },
  },
});
type LagReason = 'BEHIND_PACE' | 'NO_REPORT_THIS_MONTH' | 'NO_TARGET';

export interface LaggingShape {
  unit: UnitRow;
  progress: KpiProgressShape;
  reasons: LagReason[];
}

const LaggingUnit = builder.objectRef<LaggingShape>('LaggingUnit').implement({
  description: 'A unit behind on a KPI, with the reasons and its progress.',
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (l) => l.unit }),
    kpi: t.field({ type: KpiDefinitionRef, resolve: (l) => l.progress.kpi }),
    reasons: t.field({ type: [LagReasonEnum], resolve: (l) => l.reasons }),
    progress: t.field({ type: KpiProgress, resolve: (l) => l.progress }),
  }),
});

const BEHIND: ProgressStatus[] = ['AT_RISK', 'BEHIND'];

/** The lag order: behind pace first (least progress of what the pace asks first), then without a target, then those that only have not reported; by code. */
function lagOrder(a: LaggingShape, b: LaggingShape): number {
  const key = (l: LaggingShape) => (l.reasons.includes('BEHIND_PACE') ? (l.progress.paceShare ?? 0) : l.reasons.includes('NO_TARGET') ? 2 : 3);
  return key(a) - key(b) || (a.unit.code < b.unit.code ? -1 : a.unit.code > b.unit.code ? 1 : 0);
}

/** The month of `today` while it lies in the period: [first day, today]; null otherwise. */
function reportMonth(period: Period, today: number): { from: number; to: number } | null {
  if (today < period.startDay || today >= period.endDay) return null;
  const { year, month } = dayParts(today);
  return { from: Math.max(dayNumber(year, month, 1), period.startDay), to: today };
}

/** Of these units, those that (or a unit below which) sent a report of a kind dated within [from, to]: `unitId|kind`. One statement. */
async function reportedBetween(db: Db, unitIds: number[], kinds: string[], from: number, to: number): Promise<Set<string>> {
  if (unitIds.length === 0 || kinds.length === 0) return new Set();
  const found = await rows<{ unit_id: number; kind: string }>(
    db,
    sql`SELECT DISTINCT x.id AS unit_id, a.kind
          FROM unnest(${`{${unitIds.join(',')}}`}::int[]) AS x(id)
          JOIN units r ON r.path @> ARRAY[x.id]
          JOIN activity_reports a ON a.unit_id = r.id
         WHERE a.kind = ANY(${`{${kinds.join(',')}}`}::text[]) AND a.date >= ${formatDay(from)}::date AND a.date <= ${formatDay(to)}::date`,
  );
  return new Set(found.map((r) => `${r.unit_id}|${r.kind}`));
}

/**
 * Each unit's progress on each KPI, with its reasons to lag (those with none left out), in
 * lag order: the targets in one statement, the reports of the month in one, the values in
 * one batch.
 */
export async function laggingOf(ctx: Context, candidates: UnitRow[], kpis: KpiDefinition[], period: Period, today: number): Promise<LaggingShape[]> {
  const { asOfDay, elapsed } = elapsedShare(period.startDay, period.endDay, today);
  const month = reportMonth(period, today);
  const flows = kpis.filter((k) => k.kind === 'FLOW').map((k) => k.id);
  const [found, reported] = await Promise.all([
    targetsOf(ctx.db, candidates.map((u) => u.id), period),
    month ? reportedBetween(ctx.db, candidates.map((u) => u.id), flows, month.from, month.to) : Promise.resolve(null),
  ]);
  const all = await Promise.all(
    candidates.flatMap((unit) => kpis.map((kpi) => kpiProgress(ctx, unit, kpi, period, asOfDay, elapsed, found.get(`${unit.id}|${kpi.id}`) ?? null).then((progress) => ({ unit, progress })))),
  );
  const lagging: LaggingShape[] = [];
  for (const { unit, progress } of all) {
    const reasons: LagReason[] = [];
    if (BEHIND.includes(progress.status)) reasons.push('BEHIND_PACE');
    if (reported && progress.kpi.kind === 'FLOW' && !reported.has(`${unit.id}|${progress.kpi.id}`)) reasons.push('NO_REPORT_THIS_MONTH');
    if (progress.status === 'NO_TARGET') reasons.push('NO_TARGET');
    if (reasons.length > 0) lagging.push({ unit, progress, reasons });
  }
  return lagging.sort(lagOrder);
}

const firstArg = (first: number | null | undefined, fallback: number) => {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 0 || n > 500) throw badInput('first', 'must be 0–500');
  return n;
};

builder.objectFields(Unit, (t) => ({
  lagging: t.field({
    type: [LaggingUnit],
    description:
      'The units furthest behind their own targets on a KPI: the unit’s children (or, with `level`, the units of that level under it) standing at the period’s end, with their reasons, in lag order (docs/leadership.md): behind pace first, the least progress of what the pace asks first; then those without a target; then those that only have not reported this month. For whoever reads the KPI of every unit listed.',
    args: {
      kpi: t.arg({ type: KpiIdEnum, required: true }),
      period: t.arg.string({ required: true }),
      level: t.arg({ type: UnitLevelEnum, description: 'Default: the unit’s children.' }),
      today: t.arg({ type: 'Date', description: 'Default: today (Vietnam time).' }),
      first: t.arg.int({ description: 'How many to list (0–500); default 10.' }),
    },
    resolve: async (unit, args, ctx) => {
      const period = targetPeriodArg(args.period);
      const today = todayArg(ctx, args.today);
      const first = firstArg(args.first, 10);
      const candidates = await standingUnder(ctx.db, unit, period, args.level);
      return (await laggingOf(ctx, candidates, [kpiDefinition(args.kpi)], period, today)).slice(0, first);
    },
  }),
}));

builder.objectFields(TargetProgress, (t) => ({
  laggingChildren: t.field({
    type: [LaggingUnit],
    description:
      'The unit’s children furthest behind, on the KPIs the unit has targets for: each child once, on its KPI furthest behind, in lag order (see `Unit.lagging`). Needs the children’s KPIs.',
    args: { first: t.arg.int({ description: 'How many children (0–50); default 5.' }) },
    resolve: async (report, args, ctx) => {
      const first = firstArg(args.first, 5);
      if (first > 50) throw badInput('first', 'must be 0–50');
      const kpis = (await report.items).filter((i) => i.target !== null).map((i) => i.kpi);
      const children = await standingUnder(ctx.db, report.unit, report.period, null);
      const seen = new Set<number>();
      const worst: LaggingShape[] = [];
      for (const l of await laggingOf(ctx, children, kpis, report.period, report.today)) {
        if (seen.has(l.unit.id)) continue;
        seen.add(l.unit.id);
        worst.push(l);
      }
      return worst.slice(0, first);
    },
  }),
}));

// ── reporting rate ──────────────────────────────────────────────────────────

interface ReportingRateShape {
  expected: number;
  reported: number;
}

const ReportingRate = builder.objectRef<ReportingRateShape>('ReportingRate').implement({
  description:
    'For a flow KPI, fed by monthly reports: of the communes under the unit (or the unit itself, a commune) that stood in each month of the period begun by `today`, how many commune-months have at least one report of the kind dated in that month, by the commune or a unit below it.',
  fields: (t) => ({
    expected: t.exposeInt('expected', { description: 'Commune-months expected to report.' }),
    reported: t.exposeInt('reported', { description: 'Commune-months with a report.' }),
    rate: t.float({ nullable: true, description: '100 × reported ÷ expected; null when none is expected.', resolve: (r) => (r.expected === 0 ? null : (100 * r.reported) / r.expected) }),
  }),
});

/** The reporting rates of a unit for some report kinds over the months of a period begun by `asOfDay`: one statement. */
async function reportingRates(db: Db, unit: UnitRow, kinds: string[], period: Period, asOfDay: number): Promise<Map<string, ReportingRateShape>> {
  const rates = new Map<string, ReportingRateShape>(kinds.map((k) => [k, { expected: 0, reported: 0 }]));
  const [from, to] = monthsBegun(period, asOfDay);
  if (kinds.length === 0 || to <= from) return rates;
  const [first, end] = [formatDay(from), formatDay(to)];
  const found = await rows<{ kind: string; expected: string | number; reported: string | number }>(
    db,
    sql`WITH months AS (
          SELECT g::date AS m FROM generate_series(${first}::date, (${end}::date - interval '1 month'), interval '1 month') AS g
        ),
        expected AS (
          SELECT c.id, months.m FROM units c CROSS JOIN months
           WHERE c.level = 'COMMUNE' AND c.path @> ARRAY[${unit.id}::int]
             AND c.valid_from < ((months.m + interval '1 month')::timestamp AT TIME ZONE INTERVAL '+07:00')
             AND (c.valid_to IS NULL OR c.valid_to > (months.m::timestamp AT TIME ZONE INTERVAL '+07:00'))
        ),
        sent AS (
          SELECT DISTINCT c.id, a.kind, date_trunc('month', a.date)::date AS m
            FROM activity_reports a JOIN units r ON r.id = a.unit_id
            CROSS JOIN LATERAL unnest(r.path) AS p(id) JOIN units c ON c.id = p.id AND c.level = 'COMMUNE'
           WHERE r.path @> ARRAY[${unit.id}::int] AND a.kind = ANY(${`{${kinds.join(',')}}`}::text[])
             AND a.date >= ${first}::date AND a.date < ${end}::date
        )
        SELECT k.kind, count(*) AS expected, count(s.id) AS reported
          FROM expected e CROSS JOIN unnest(${`{${kinds.join(',')}}`}::text[]) AS k(kind)
          LEFT JOIN sent s ON s.id = e.id AND s.kind = k.kind AND s.m = e.m
         GROUP BY k.kind`,
  );
  for (const r of found) rates.set(r.kind, { expected: Number(r.expected), reported: Number(r.reported) });
  return rates;
}

/** A request's reporting rates, per progress report: read once for all its flow KPIs. */
const ratesOf = new WeakMap<ProgressReportShape, Promise<Map<string, ReportingRateShape>>>();

builder.objectFields(KpiProgress, (t) => ({
  reportingRate: t.field({
    type: ReportingRate,
    nullable: true,
    description: 'For a flow KPI (fed by monthly reports): the share of communes that reported, month by month, so far in the period. Null for other KPIs.',
    resolve: async (item, _args, ctx) => {
      if (item.kpi.kind !== 'FLOW' || !item.report) return null;
      const report = item.report;
      const rates = await oncePerReport(ratesOf, report, async () =>
        reportingRates(ctx.db, report.unit, (await report.items).filter((i) => i.kpi.kind === 'FLOW').map((i) => i.kpi.id), report.period, report.asOfDay),
      );
      return rates.get(item.kpi.id) ?? null;
    },
  }),
}));
