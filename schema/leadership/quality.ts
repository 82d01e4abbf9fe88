// Data-quality flags on monthly reports: a unit's month far outside its own history (a
// robust z-score, schema/kpi/quality.ts) is flagged with its reason, listed for the unit's
// admins, counted beside the progress it affects, and closed when an admin confirms it or
// marks it corrected (written to the audit log).
import { sql } from 'drizzle-orm';
import * as z from 'zod';
import { rows, type Db } from '../../db/client.js';
import { REPORT_KINDS, type ReportKind } from '../../db/schema.js';
import { builder } from '../builder.js';
import { forbidden, type Context, type UnitRow } from '../context.js';
import { KpiDefinitionRef, KpiIdEnum, PeriodRef } from '../dashboard/index.js';
import { badInput } from '../errors.js';
import { invalid } from '../ingest/errors.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, mutate, parse, resultUnion, text } from '../ingest/run.js';
import { dayParts, dayNumber, formatDay, monthPeriod, parsePeriod, PeriodError, type Period } from '../kpi/period.js';
import { assess, MIN_HISTORY, Z_THRESHOLD, type Outlier } from '../kpi/quality.js';
import { kpiDefinition, type KpiId } from '../kpi/registry.js';
import { Unit } from '../unit/index.js';
import { KpiProgress } from './progress.js';
import { targetPeriodArg } from './targets.js';

interface ReviewShape {
  decision: 'CONFIRMED' | 'CORRECTED';
  note: string | null;
  reviewedBy: string;
  reviewedAt: Date;
  total: number;
}

export interface FlagShape extends Outlier {
  unitId: number;
  kind: ReportKind;
  month: Period;
  total: number;
  history: number[];
  /** The review that holds: one made at this very total. */
  review: ReviewShape | null;
}

/**
 * The flagged months of the reports of a unit and every unit below it, of some kinds, in
 * the months starting within [fromDay, toDay): one statement. Each month is set against the
 * unit's own totals of the 12 months before it in which it reported.
 */
export async function flaggedMonths(db: Db, root: UnitRow, kinds: readonly string[], fromDay: number, toDay: number): Promise<FlagShape[]> {
  if (kinds.length === 0 || toDay <= fromDay) return [];
  const found = await rows<{
    unit_id: number;
    kind: ReportKind;
    month: string;
    total: string | number;
    history: (string | number)[] | string;
    decision: 'CONFIRMED' | 'CORRECTED' | null;
    note: string | null;
    reviewed_by: string | null;
    reviewed_at: Date | string | null;
    reviewed_total: string | number | null;
  }>(
    db,
    sql`WITH monthly AS (
          SELECT a.unit_id, a.kind, date_trunc('month', a.date)::date AS m, sum(a.count)::bigint AS total
            FROM activity_reports a JOIN units u ON u.id = a.unit_id
           WHERE u.path @> ARRAY[${root.id}::int] AND a.kind = ANY(${`{${kinds.join(',')}}`}::text[])
             AND a.date >= (${formatDay(fromDay)}::date - interval '12 months')::date AND a.date < ${formatDay(toDay)}::date
           GROUP BY 1, 2, 3
        ),
        windowed AS (
          SELECT unit_id, kind, m, total,
                 array_agg(total) OVER (PARTITION BY unit_id, kind ORDER BY m RANGE BETWEEN INTERVAL '12 months' PRECEDING AND INTERVAL '1 day' PRECEDING) AS history
            FROM monthly
        )
        SELECT w.unit_id, w.kind, to_char(w.m, 'YYYY-MM-DD') AS month, w.total, coalesce(w.history, '{}') AS history,
               r.decision, r.note, r.reviewed_by, r.reviewed_at, r.total AS reviewed_total
          FROM windowed w LEFT JOIN report_flag_reviews r ON r.unit_id = w.unit_id AND r.kind = w.kind AND r.month = w.m
         WHERE w.m >= ${formatDay(fromDay)}::date AND cardinality(coalesce(w.history, '{}')) >= ${MIN_HISTORY}
         ORDER BY w.m, w.unit_id, w.kind`,
  );
  const flags: FlagShape[] = [];
  for (const r of found) {
    const history = (typeof r.history === 'string' ? r.history.replace(/[{}]/g, '').split(',').filter(Boolean) : r.history).map(Number);
    const total = Number(r.total);
    const outlier = assess(total, history);
    if (!outlier?.flagged) continue;
    const [year, month] = r.month.split('-').map(Number) as [number, number];
    const review =
      r.decision !== null && Number(r.reviewed_total) === total
        ? { decision: r.decision, note: r.note, reviewedBy: r.reviewed_by!, reviewedAt: new Date(r.reviewed_at!), total }
        : null;
    flags.push({ ...outlier, unitId: r.unit_id, kind: r.kind, month: monthPeriod(year, month), total, history, review });
  }
  return flags;
}

const FlagDecisionEnum = builder.enumType('FlagDecision', {
  values: {
    CONFIRMED: { description: 'The count is right, unusual as it is.' },
    CORRECTED: { description: 'The reports were corrected (with recordReport), and the count now is right.' },
  },
});

const FlagReview = builder.objectRef<ReviewShape>('FlagReview').implement({
  description: 'An admin’s review of a flagged month: it holds while the month’s total stays the one reviewed.',
  fields: (t) => ({
    decision: t.field({ type: FlagDecisionEnum, resolve: (r) => r.decision }),
    note: t.exposeString('note', { nullable: true }),
    reviewedBy: t.exposeString('reviewedBy'),
    reviewedAt: t.expose('reviewedAt', { type: 'DateTime' }),
  }),
});

const ReportFlag = builder.objectRef<FlagShape>('ReportFlag').implement({
  description: `A unit’s month of reports of a kind far outside its own history: its modified z-score (0.6745 × (total − median) ÷ MAD, on the unit’s totals of the 12 months before in which it reported, at least ${MIN_HISTORY} of them) is above ${Z_THRESHOLD} either way (docs/leadership.md).`,
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: async (f, _a, ctx) => (await ctx.loaders.unitById.load(f.unitId))! }),
    kpi: t.field({ type: KpiDefinitionRef, resolve: (f) => kpiDefinition(f.kind) }),
    month: t.field({ type: PeriodRef, resolve: (f) => f.month }),
    total: t.field({ type: 'Count', description: 'The month’s reports of the kind by the unit, summed.', resolve: (f) => f.total }),
    history: t.field({ type: ['Count'], description: 'The unit’s totals of the months before (up to 12) in which it reported, oldest first.', resolve: (f) => f.history }),
    median: t.exposeFloat('median'),
    mad: t.exposeFloat('mad', { description: 'The median absolute deviation of the history from its median.' }),
    score: t.float({ nullable: true, description: 'The modified z-score; null when the history is all one value and the month is another (infinitely far).', resolve: (f) => (Number.isFinite(f.score) ? f.score : null) }),
    reason: t.string({
      resolve: (f) =>
        `${f.total} is ${f.total > f.median ? 'far above' : 'far below'} the median ${f.median} of the ${f.history.length} months before` +
        (Number.isFinite(f.score) ? ` (modified z-score ${f.score.toFixed(1)}, flagged above ${Z_THRESHOLD})` : ', which were all the same'),
    }),
    review: t.field({ type: FlagReview, nullable: true, resolve: (f) => f.review }),
    open: t.boolean({ description: 'Not reviewed at this total.', resolve: (f) => f.review === null }),
  }),
});

/** The months a period has begun by `asOfDay`: [its first day, the first day of the month after the one holding asOfDay − 1). */
function monthsBegun(period: Period, asOfDay: number): [number, number] {
  if (asOfDay <= period.startDay) return [period.startDay, period.startDay];
  const last = dayParts(asOfDay - 1);
  return [period.startDay, last.month === 12 ? dayNumber(last.year + 1, 1, 1) : dayNumber(last.year, last.month + 1, 1)];
}

const FLOW_KPIS = REPORT_KINDS as readonly string[];

function flowKind(kpi: KpiId, argument: string): ReportKind {
  if (!FLOW_KPIS.includes(kpi)) throw badInput(argument, `${kpi} is not fed by monthly reports (one of ${REPORT_KINDS.join(', ')})`);
  return kpi as ReportKind;
}

builder.objectFields(Unit, (t) => ({
  reportFlags: t.field({
    type: [ReportFlag],
    description:
      'The flagged months of the reports of this unit and every unit below it, in the months of a period (a year, a half, a quarter, a month or a term), by month. For the unit’s admins (UNIT_ADMIN of it or above, CENTRAL_ADMIN).',
    args: {
      period: t.arg.string({ required: true }),
      kpi: t.arg({ type: KpiIdEnum, description: 'One report kind; default: all.' }),
      open: t.arg.boolean({ description: 'true: only those not reviewed; false: only those reviewed; default: both.' }),
    },
    resolve: async (unit, args, ctx) => {
      if (!ctx.access.writes(unit)) throw forbidden(`the report flags of ${unit.code} are for its admins`);
      const period = targetPeriodArg(args.period);
      const kinds = args.kpi ? [flowKind(args.kpi, 'kpi')] : REPORT_KINDS;
      const flags = await flaggedMonths(ctx.db, unit, kinds, period.startDay, period.endDay);
      return args.open == null ? flags : flags.filter((f) => (f.review === null) === args.open);
    },
  }),
}));

/** A request's open flags per progress report, read once for all its flow KPIs. */
const openOf = new WeakMap<object, Promise<FlagShape[]>>();

builder.objectFields(KpiProgress, (t) => ({
  openFlags: t.int({
    nullable: true,
    description: 'For a flow KPI: the months of reports under the unit flagged as far outside their unit’s history and not reviewed, in the months of the period begun by today (their admins list them with `Unit.reportFlags`). Null for other KPIs.',
    resolve: async (item, _args, ctx) => {
      if (item.kpi.kind !== 'FLOW' || !item.report) return null;
      const report = item.report;
      let flags = openOf.get(report);
      if (!flags) {
        const [from, to] = monthsBegun(report.period, report.asOfDay);
        flags = flaggedMonths(ctx.db, report.unit, FLOW_KPIS, from, to);
        openOf.set(report, flags);
      }
      return (await flags).filter((f) => f.kind === item.kpi.id && f.review === null).length;
    },
  }),
}));

// ── reviewing a flag ────────────────────────────────────────────────────────

const ReviewReportFlagInput = builder.inputType('ReviewReportFlagInput', {
  fields: (t) => ({
    unit: t.string({ required: true, description: 'Code of the unit whose reports are flagged.' }),
    kpi: t.field({ type: KpiIdEnum, required: true, description: 'The report kind (a flow KPI).' }),
    month: t.string({ required: true, description: 'The month flagged, e.g. 2026-03.' }),
    decision: t.field({ type: FlagDecisionEnum, required: true }),
    note: t.string(),
  }),
});

const reviewSchema = z.object({
  unit: text(100),
  kpi: z.enum(REPORT_KINDS, { error: `must be a report kind: one of ${REPORT_KINDS.join(', ')}` }),
  month: z.string().transform((s, c): Period => {
    try {
      const p = parsePeriod(s);
      if (p.kind === 'MONTH') return p;
      c.addIssue({ code: 'custom', message: `must be a month such as 2026-03 (${p.id} is a ${p.kind.toLowerCase()})` });
    } catch (e) {
      if (!(e instanceof PeriodError)) throw e;
      c.addIssue({ code: 'custom', message: e.message });
    }
    return z.NEVER;
  }),
  decision: z.enum(['CONFIRMED', 'CORRECTED']),
  note: text(1000).nullish(),
});

const ReviewSuccess = builder.objectRef<FlagShape>('ReviewReportFlagSuccess').implement({
  fields: (t) => ({ flag: t.field({ type: ReportFlag, resolve: (f) => f }) }),
});

builder.mutationField('reviewReportFlag', (t) =>
  t.field({
    type: ReviewSuccess,
    description:
      'Closes a flagged month of a unit’s reports: CONFIRMED (the count is right) or CORRECTED (corrected with recordReport, and right now). The review holds while the month’s total stays as reviewed. For the unit’s admins; written to the audit log.',
    authScopes: { writer: true },
    errors: resultUnion('ReviewReportFlag'),
    args: { input: t.arg({ type: ReviewReportFlagInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: async (_root, args, ctx: Context) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(reviewSchema, args.input);
      let flag: FlagShape | undefined;
      await mutate(ctx, {
        action: 'reviewReportFlag',
        entity: 'reportFlag',
        entityKey: `${input.unit}/${input.kpi}/${input.month.id}`,
        idempotencyKey,
        request: { ...input, month: input.month.id },
        lockScope: `report-flag:${input.unit}/${input.kpi}/${input.month.id}`,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          const found = (await flaggedMonths(tx, unit, [input.kpi], input.month.startDay, input.month.endDay)).find((f) => f.unitId === unit.id);
          if (!found) throw invalid('month', `the ${input.kpi} reports of ${unit.code} in ${input.month.id} are not flagged`);
          const before = found.review && { unit: unit.code, decision: found.review.decision, note: found.review.note, total: found.total };
          await rows(
            tx,
            sql`INSERT INTO report_flag_reviews (unit_id, kind, month, total, decision, note, reviewed_by)
                VALUES (${unit.id}, ${input.kpi}, ${formatDay(input.month.startDay)}::date, ${found.total}, ${input.decision}, ${input.note ?? null}, ${ctx.access.actor})
                ON CONFLICT (unit_id, kind, month) DO UPDATE
                  SET total = excluded.total, decision = excluded.decision, note = excluded.note, reviewed_by = excluded.reviewed_by, reviewed_at = now()`,
          );
          flag = { ...found, review: { decision: input.decision, note: input.note ?? null, reviewedBy: ctx.access.actor, reviewedAt: new Date(), total: found.total } };
          return { before, after: { unit: unit.code, decision: input.decision, note: input.note ?? null, total: found.total } };
        },
      });
      if (!flag) {
        // Sent again under its key: the flag as it stands.
        const unit = (await ctx.loaders.unitByCode.load(input.unit))!;
        flag = (await flaggedMonths(ctx.db, unit, [input.kpi], input.month.startDay, input.month.endDay)).find((f) => f.unitId === unit.id);
        if (!flag) throw invalid('month', `the ${input.kpi} reports of ${input.unit} in ${input.month.id} are not flagged`);
      }
      return flag;
    },
  }),
);


