// The KPI surface of the API: the catalogue, periods, and KPI values on units.
import { builder } from '../builder.js';
import { badInput } from '../errors.js';
import type { UnitRow } from '../context.js';
import type { KpiParts } from '../kpi/compute.js';
import { formatDay, parsePeriod, PeriodError, type Period, type PeriodKind } from '../kpi/period.js';
import { KPIS, kpiDefinition, ratioPercent, type KpiDefinition, type KpiId } from '../kpi/registry.js';
import { Unit } from '../unit/index.js';

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

const KpiDefinitionRef = builder.objectRef<KpiDefinition>('KpiDefinition').implement({
  description: 'A KPI of the catalogue, as DOMAIN.md defines it.',
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

const PeriodRef = builder.objectRef<Period>('Period').implement({
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

interface KpiValueShape extends KpiParts {
  kpi: KpiDefinition;
  period: Period;
  unit: UnitRow;
}

const KpiValue = builder.objectRef<KpiValueShape>('KpiValue').implement({
  description: 'A KPI over a unit’s whole subtree for a period: numerators and denominators are summed, never percentages averaged.',
  fields: (t) => ({
    kpi: t.field({ type: KpiDefinitionRef, resolve: (v) => v.kpi }),
    unit: t.field({ type: Unit, resolve: (v) => v.unit }),
    period: t.field({ type: PeriodRef, resolve: (v) => v.period }),
    value: t.float({
      nullable: true,
      description: 'A ratio as a percentage (100 × numerator ÷ denominator, null when the denominator is 0); a count otherwise.',
      resolve: (v) => (v.kpi.kind === 'RATIO' ? ratioPercent(v.numerator, v.denominator ?? 0) : v.numerator),
    }),
    numerator: t.int({ description: 'The numerator of a ratio; the count itself for a stock or a flow.', resolve: (v) => v.numerator }),
    denominator: t.int({ nullable: true, description: 'The denominator of a ratio; null for counts.', resolve: (v) => v.denominator }),
  }),
});

export function periodArg(text: string, argument = 'period'): Period {
  try {
    return parsePeriod(text);
  } catch (e) {
    if (e instanceof PeriodError) throw badInput(argument, e.message);
    throw e;
  }
}

builder.objectField(Unit, 'kpi', (t) =>
  t.field({
    type: KpiValue,
    description: 'A KPI over this unit and everything under it, for a period such as "2026-03", "2026-Q1" or "2026".',
    args: {
      id: t.arg({ type: KpiIdEnum, required: true }),
      period: t.arg.string({ required: true }),
    },
    resolve: async (unit, args, ctx) => {
      const period = periodArg(args.period);
      const parts = await ctx.loaders.kpi.load({ kpi: args.id, period, unit });
      return { ...parts, kpi: kpiDefinition(args.id), period, unit };
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
    description: 'Parses a period, to show its boundaries.',
    args: { id: t.arg.string({ required: true }) },
    resolve: (_root, { id }) => periodArg(id, 'id'),
  }),
}));
