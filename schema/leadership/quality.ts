// Data-quality flags on monthly reports: a unit's month far outside its own history (a
// robust z-score, schema/kpi/quality.ts) is flagged with its reason, listed for the unit's
// admins, counted beside the progress it affects, and closed when an admin confirms it or
// marks it corrected (written to the audit log).
import { sql } from 'drizzle-orm';
import * as z from 'zod';
import { rows, type Db } from '../../db/client.js';
import { REPORT_KINDS, type ReportKind } from '../../domain/catalogue.js';
import { builder } from '../builder.js';
import { forbidden, type Context, type UnitRow } from '../context.js';
import { KpiDefinitionRef, KpiIdEnum, PeriodRef } from '../dashboard/index.js';
import { badInput } from '../errors.js';
import { invalid } from '../ingest/errors.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, mutate, parse, resultUnion, text } from '../ingest/run.js';
import { dayParts, formatDay, monthPeriod, parsePeriod, PeriodError, type Period } from '../../domain/period.js';
import { assess, MIN_HISTORY, Z_THRESHOLD, type Outlier } from '../kpi/quality.js';
import { kpiDefinition, type KpiId } from '../../domain/catalogue.js';
import { Unit } from '../unit/index.js';
import { KpiProgress, monthsBegun, oncePerReport, type ProgressReportShape } from './progress.js';
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
  // Each unit's monthly totals of a kind, as one series (months as year × 12 + month − 1), with
  // the reviews of its months: the history of a month is the months before it in its series.
  const found = await rows<{
    unit_id: number;
    kind: ReportKind;
    months: number[];
    totals: number[];
    reviews: { m: number; decision: 'CONFIRMED' | 'CORRECTED'; note: string | null; by: string; at: string; total: number }[] | string | null;
  }>(
    db,
    sql`WITH monthly AS (
          SELECT a.unit_id, a.kind, date_trunc('month', a.date)::date AS m, sum(a.count) AS total
            FROM activity_reports a JOIN units u ON u.id = a.unit_id
           WHERE u.path @> ARRAY[${root.id}::int] AND a.kind = ANY(${`{${kinds.join(',')}}`}::text[])
             AND a.date >= (${formatDay(fromDay)}::date - interval '12 months')::date AND a.date < ${formatDay(toDay)}::date
           GROUP BY 1, 2, 3
        )
        SELECT s.unit_id, s.kind, s.months, s.totals,
               (SELECT json_agg(json_build_object('m', extract(year FROM r.month)::int * 12 + extract(month FROM r.month)::int - 1, 'decision', r.decision,
                                                  'note', r.note, 'by', r.reviewed_by, 'at', r.reviewed_at, 'total', r.total))
                  FROM report_flag_reviews r
                 WHERE r.unit_id = s.unit_id AND r.kind = s.kind AND r.month >= ${formatDay(fromDay)}::date AND r.month < ${formatDay(toDay)}::date) AS reviews
          FROM (SELECT unit_id, kind,
                       array_agg(extract(year FROM m)::int * 12 + extract(month FROM m)::int - 1 ORDER BY m) AS months,
                       array_agg(total::float8 ORDER BY m) AS totals
                  FROM monthly GROUP BY 1, 2) s
         WHERE cardinality(s.months) > ${MIN_HISTORY}`,
  );
  const first = dayParts(fromDay);
  const firstMonth = first.year * 12 + first.month - 1;
  const flags: FlagShape[] = [];
  for (const r of found) {
    const reviews = typeof r.reviews === 'string' ? (JSON.parse(r.reviews) as Exclude<typeof r.reviews, string | null>) : (r.reviews ?? []);
    let from = 0;
    for (let i = 0; i < r.months.length; i += 1) {
      const month = r.months[i]!;
      // The history: the months of the 12 before this one in which the unit reported.
      while (r.months[from]! < month - 12) from += 1;
      if (month < firstMonth || i - from < MIN_HISTORY) continue;
      const total = Number(r.totals[i]);
      const history = r.totals.slice(from, i).map(Number);
      const outlier = assess(total, history);
      if (!outlier?.flagged) continue;
      const seen = reviews.find((v) => v.m === month && Number(v.total) === total);
      const review = seen ? { decision: seen.decision, note: seen.note, reviewedBy: seen.by, reviewedAt: new Date(seen.at), total } : null;
      flags.push({ ...outlier, unitId: r.unit_id, kind: r.kind, month: monthPeriod(Math.floor(month / 12), (month % 12) + 1), total, history, review });
    }
  }
  // By month, then unit and kind.
  return flags.sort((a, b) => a.month.startDay - b.month.startDay || a.unitId - b.unitId || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
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
const openOf = new WeakMap<ProgressReportShape, Promise<FlagShape[]>>();

builder.objectFields(KpiProgress, (t) => ({
  openFlags: t.int({
    nullable: true,
    description: 'For a flow KPI: the months of reports under the unit flagged as far outside their unit’s history and not reviewed, in the months of the period begun by today (their admins list them with `Unit.reportFlags`). Null for other KPIs.',
    resolve: async (item, _args, ctx) => {
      if (item.kpi.kind !== 'FLOW' || !item.report) return null;
      const report = item.report;
      const flags = await oncePerReport(openOf, report, () => flaggedMonths(ctx.db, report.unit, FLOW_KPIS, ...monthsBegun(report.period, report.asOfDay)));
      return flags.filter((f) => f.kind === item.kpi.id && f.review === null).length;
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


