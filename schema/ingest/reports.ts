// Units' activity reports: citizens helped per kind of activity and Vietnam day. A report
// sent again replaces the earlier one (never adds), so a unit can re-send its month.
import * as z from 'zod';
import { REPORT_COUNT_MAX, REPORT_KINDS } from '../../domain/catalogue.js';
import { reportScope, upsertReport } from '../../db/writes.js';
import { builder } from '../builder.js';
import { formatDay, vietnamDay } from '../../domain/period.js';
import { ActivityReportRecord, reportSnapshot, ReportKindEnum, type ReportSnapshot } from './records.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, mutate, parse, resultUnion, same, text } from './run.js';

const RecordReportInput = builder.inputType('RecordReportInput', {
  fields: (t) => ({
    unit: t.string({ required: true, description: 'Code of the reporting unit.' }),
    kind: t.field({ type: ReportKindEnum, required: true }),
    date: t.field({ type: 'Date', required: true, description: 'The Vietnam calendar day reported, inside the unit’s life (before it closed), and not after today.' }),
    count: t.int({ required: true, description: 'How many citizens were helped: a whole number from 0 to 1,000,000.' }),
    id: t.string({
      description: 'The sender’s id for the report. Without one, a report is named by unit, kind and day, and one sent again for them replaces it.',
    }),
  }),
});

/** A real calendar day (the Date scalar only checks the shape). */
const isCalendarDay = (s: string) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;

/** Today in Vietnam, YYYY-MM-DD (ISO days compare as text). */
const todayInVietnam = () => formatDay(vietnamDay(new Date()));

const recordReportSchema = z.object({
  unit: text(100),
  kind: z.enum(REPORT_KINDS, { error: 'is not a known kind of report' }),
  date: z
    .string()
    .refine(isCalendarDay, 'must be a calendar day, YYYY-MM-DD')
    .refine((d) => d <= todayInVietnam(), { error: () => `must not be after today (${todayInVietnam()}, Vietnam time): a report counts what was done` }),
  count: z
    .number()
    .int('must be a whole number')
    .min(0, 'must be ≥ 0')
    .max(REPORT_COUNT_MAX, `must be at most ${REPORT_COUNT_MAX.toLocaleString('en')}: one report counts what one unit did in one day`),
  id: text(200).nullish(),
});

const RecordReportSuccess = builder.objectRef<ReportSnapshot>('RecordReportSuccess').implement({
  fields: (t) => ({ report: t.field({ type: ActivityReportRecord, resolve: (r) => r }) }),
});

builder.mutationField('recordReport', (t) =>
  t.field({
    type: RecordReportSuccess,
    description:
      'Records how many citizens a unit helped with one kind of activity on a day (a monthly report sends one per kind and day). Sent again, it replaces the earlier count: it never adds to it.',
    authScopes: { writer: true },
    errors: resultUnion('RecordReport'),
    args: {
      input: t.arg({ type: RecordReportInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(recordReportSchema, args.input);
      return mutate<ReportSnapshot>(ctx, {
        action: 'recordReport',
        entity: 'report',
        entityKey: input.id ?? `${input.unit}/${input.kind}/${input.date}`,
        idempotencyKey,
        request: input,
        lockScope: reportScope({ externalId: input.id, unit: input.unit, kind: input.kind, date: input.date }),
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          const before = await reportSnapshot(tx, input.id ? { id: input.id } : { unitId: unit.id, kind: input.kind, date: input.date });
          const intended: ReportSnapshot = { id: input.id ?? null, unit: unit.code, kind: input.kind, date: input.date, count: input.count };
          if (before && same(before, intended)) return { before, after: before };
          // A day outside the unit's life is refused by the database (a trigger), told as an issue on `date`.
          await upsertReport(tx, { externalId: input.id ?? null, unitId: unit.id, kind: input.kind, date: input.date, count: input.count });
          // What was written is what was intended: the row holds exactly these values now.
          return { before, after: intended };
        },
      });
    },
  }),
);
