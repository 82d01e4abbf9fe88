// Targets: what a unit aims for, per KPI and period (a year, a half, a quarter, a month or
// a congress term such as 2025/2030), set by the unit's admins and those above it, and
// allocated from a unit to its children. A target on a ratio is a percentage; on a stock or
// a flow, a whole count. Whoever reads a unit's KPI reads its target.
import { and, asc, eq, gte, isNull, lt, ne, or, sql } from 'drizzle-orm';
import * as z from 'zod';
import type { Db } from '../../db/client.js';
import { targets, units, type UnitLevel } from '../../db/schema.js';
import { removeTarget, upsertTargets } from '../../db/writes.js';
import { builder } from '../builder.js';
import { forbidden, type Context, type UnitRow } from '../context.js';
import { KpiDefinitionRef, KpiIdEnum, loadValue, periodArg, PeriodRef, shownValue } from '../dashboard/index.js';
import { badInput } from '../errors.js';
import { invalid } from '../ingest/errors.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, mutate, parse, resultUnion, text, type WriteGuard } from '../ingest/run.js';
import { allocatedTotal, largestRemainder } from '../kpi/allocation.js';
import { dayPeriod, parsePeriod, PeriodError, parseTargetPeriod, samePeriodLastYear, targetPeriodProblem, type Period } from '../../domain/period.js';
import { KPI_IDS, kpiDefinition, type KpiDefinition, type KpiId } from '../../domain/catalogue.js';
import { Unit } from '../unit/index.js';

/** A target's period from a query argument: BAD_USER_INPUT naming the argument when it is not one. */
export function targetPeriodArg(text: string, argument = 'period'): Period {
  const p = periodArg(text, argument);
  const problem = targetPeriodProblem(p);
  if (problem) throw badInput(argument, problem);
  return p;
}

/** Why a value cannot be a target of this KPI, or null: a percentage (0–100) for a ratio, a whole count otherwise. */
function valueProblem(kpi: KpiDefinition, value: number): string | null {
  if (!Number.isFinite(value) || value < 0) return 'must be a number ≥ 0';
  if (kpi.kind === 'RATIO') return value > 100 ? `must be at most 100: ${kpi.id} is a percentage` : null;
  return Number.isSafeInteger(value) ? null : `must be a whole number: ${kpi.id} is a count`;
}

export interface TargetShape {
  unit: UnitRow;
  kpi: KpiDefinition;
  period: Period;
  value: number;
}

export const Target = builder.objectRef<TargetShape>('Target').implement({
  description: 'What a unit aims for on a KPI over a period: a percentage for a ratio, a whole count for a stock or a flow.',
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (g) => g.unit }),
    kpi: t.field({ type: KpiDefinitionRef, resolve: (g) => g.kpi }),
    period: t.field({ type: PeriodRef, resolve: (g) => g.period }),
    value: t.exposeFloat('value'),
  }),
});

/** The KPIs the caller reads of a unit, in catalogue order; FORBIDDEN when there is none. */
export function readableKpis(ctx: Context, unit: UnitRow): KpiId[] {
  const readable = KPI_IDS.filter((k) => ctx.access.readsAggregate(unit, k));
  if (readable.length === 0) throw forbidden(`the KPIs of ${unit.code} are outside what this caller may read`);
  return readable;
}

/** The stored targets of some units for a period, by `unitId|kpi`: one statement. */
export async function targetsOf(db: Db, unitIds: readonly number[], period: Period): Promise<Map<string, number>> {
  if (unitIds.length === 0) return new Map();
  const found = await db
    .select({ unitId: targets.unitId, kpi: targets.kpi, value: targets.value })
    .from(targets)
    .where(and(sql`${targets.unitId} = ANY(${`{${unitIds.join(',')}}`}::int[])`, eq(targets.period, period.id)));
  return new Map(found.map((g) => [`${g.unitId}|${g.kpi}`, Number(g.value)]));
}

/** Units standing at the period's end, as the tree is known now: a unit's children, or (with `level`) the units of that level under it; by code. */
export function standingUnder(db: Db, unit: UnitRow, period: Period, level: UnitLevel | null | undefined): Promise<UnitRow[]> {
  const standing = and(lt(units.validFrom, period.end), or(isNull(units.validTo), gte(units.validTo, period.end)));
  const where = level == null ? eq(units.parentId, unit.id) : and(sql`${units.path} @> ARRAY[${unit.id}::int]`, eq(units.level, level), ne(units.id, unit.id));
  return db.select().from(units).where(and(where, standing)).orderBy(asc(units.code));
}

/** The children a unit's target is allocated to: those standing at the period's end. */
export const childrenAtEnd = (db: Db, unit: UnitRow, period: Period) => standingUnder(db, unit, period, null);

// ── the allocation report ───────────────────────────────────────────────────

interface ChildTargetShape {
  unit: UnitRow;
  target: number | null;
  weight: number | null;
}

interface AllocationShape {
  unit: UnitRow;
  kpi: KpiDefinition;
  period: Period;
  target: number | null;
  children: ChildTargetShape[];
  allocated: number | null;
}

const ChildTarget = builder.objectRef<ChildTargetShape>('ChildTarget').implement({
  description: 'A child’s part of its parent’s target.',
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (c) => c.unit }),
    target: t.float({ nullable: true, description: 'The child’s target; null when it has none.', resolve: (c) => c.target }),
    weight: t.float({
      nullable: true,
      description: 'For a ratio, what the child’s percentage weighs in its parent’s: its denominator for the period (as the data stand now); null for counts.',
      resolve: (c) => c.weight,
    }),
  }),
});

const TargetAllocation = builder.objectRef<AllocationShape>('TargetAllocation').implement({
  description:
    'A unit’s target beside what its children’s targets add up to: their sum for a count, their mean weighted by their denominators for a ratio (docs/leadership.md).',
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (a) => a.unit }),
    kpi: t.field({ type: KpiDefinitionRef, resolve: (a) => a.kpi }),
    period: t.field({ type: PeriodRef, resolve: (a) => a.period }),
    target: t.float({ nullable: true, description: 'The unit’s own target; null when it has none.', resolve: (a) => a.target }),
    children: t.field({ type: [ChildTarget], description: 'The children standing at the period’s end, by code.', resolve: (a) => a.children }),
    allocated: t.float({
      nullable: true,
      description: 'What the children’s targets add up to (children without one left out); null when none has one.',
      resolve: (a) => a.allocated,
    }),
    gap: t.float({
      nullable: true,
      description: 'target − allocated: what the children’s targets leave unallocated (negative: they ask for more); null when either is null.',
      resolve: (a) => (a.target === null || a.allocated === null ? null : a.target - a.allocated),
    }),
    childrenWithoutTarget: t.int({ resolve: (a) => a.children.filter((c) => c.target === null).length }),
  }),
});

/** The allocation report of a unit's target: its children's targets and, for a ratio, their denominators. */
async function allocationReport(ctx: Context, unit: UnitRow, kpi: KpiId, period: Period): Promise<AllocationShape> {
  const definition = kpiDefinition(kpi);
  const children = await childrenAtEnd(ctx.db, unit, period);
  const found = await targetsOf(ctx.db, [unit.id, ...children.map((c) => c.id)], period);
  const weights = definition.kind === 'RATIO' ? await Promise.all(children.map((c) => loadValue(ctx, c, kpi, period).then((v) => v.denominator))) : children.map(() => null);
  const shaped = children.map((c, i) => ({ unit: c, target: found.get(`${c.id}|${kpi}`) ?? null, weight: weights[i] ?? null }));
  return { unit, kpi: definition, period, target: found.get(`${unit.id}|${kpi}`) ?? null, children: shaped, allocated: allocatedTotal(definition.kind === 'RATIO', shaped) };
}

builder.objectFields(Unit, (t) => ({
  targets: t.field({
    type: [Target],
    description:
      'The unit’s targets for a period (a year, a half, a quarter, a month or a congress term), for the KPIs the caller reads of this unit, in catalogue order. Who reads a KPI of the unit reads its target.',
    args: { period: t.arg.string({ required: true }) },
    resolve: async (unit, args, ctx) => {
      const period = targetPeriodArg(args.period);
      const readable = readableKpis(ctx, unit);
      const found = await targetsOf(ctx.db, [unit.id], period);
      return readable.filter((k) => found.has(`${unit.id}|${k}`)).map((k) => ({
        unit,
        kpi: kpiDefinition(k),
        period,
        value: found.get(`${unit.id}|${k}`)!,
      }));
    },
  }),
  targetAllocation: t.field({
    type: TargetAllocation,
    description:
      'How the unit’s target for a KPI and period is allocated to its children, and the gap between it and what their targets add up to. For whoever reads the KPI of the unit and of its children.',
    args: { kpi: t.arg({ type: KpiIdEnum, required: true }), period: t.arg.string({ required: true }) },
    resolve: async (unit, args, ctx) => {
      const period = targetPeriodArg(args.period);
      // The unit's own value is what decides: a caller who may not read it is refused here.
      await loadValue(ctx, unit, args.kpi, period);
      return allocationReport(ctx, unit, args.kpi, period);
    },
  }),
}));

// ── setTarget and removeTarget ──────────────────────────────────────────────

interface TargetSnapshot {
  unit: string;
  kpi: KpiId;
  period: string;
  value: number | null;
}

const targetKey = {
  unit: text(100),
  kpi: z.enum(KPI_IDS),
  period: z.string().transform((s, c): Period => {
    const p = parseTargetPeriod(s);
    if (typeof p === 'string') {
      c.addIssue({ code: 'custom', message: p });
      return z.NEVER;
    }
    return p;
  }),
};
const setTargetSchema = z.object({ ...targetKey, value: z.number() }).superRefine((v, c) => {
  const problem = valueProblem(kpiDefinition(v.kpi), v.value);
  if (problem) c.addIssue({ code: 'custom', path: ['value'], message: problem });
});

/** The unit named by the input, which the caller may write and which stands during the period. */
async function unitDuring(guard: WriteGuard, code: string, period: Period, field = 'unit'): Promise<UnitRow> {
  const unit = await guard.unit(code, field);
  if (unit.validTo && unit.validTo <= period.start) throw invalid(field, `${unit.code} closed before ${period.id} begins: a closed unit has no target`);
  if (unit.validFrom >= period.end) throw invalid(field, `${unit.code} opens after ${period.id} ends`);
  return unit;
}

const SetTargetInput = builder.inputType('SetTargetInput', {
  fields: (t) => ({
    unit: t.string({ required: true, description: 'Code of the unit.' }),
    kpi: t.field({ type: KpiIdEnum, required: true }),
    period: t.string({ required: true, description: 'A year (2026), a half (2026-H1), a quarter (2026-Q1), a month (2026-03) or a congress term (2025/2030).' }),
    value: t.float({ required: true, description: 'A percentage (0–100) for a ratio; a whole count ≥ 0 for a stock or a flow.' }),
  }),
});

const TargetKeyInput = builder.inputType('TargetKeyInput', {
  fields: (t) => ({
    unit: t.string({ required: true, description: 'Code of the unit.' }),
    kpi: t.field({ type: KpiIdEnum, required: true }),
    period: t.string({ required: true }),
  }),
});

const SetTargetSuccess = builder.objectRef<TargetShape>('SetTargetSuccess').implement({
  fields: (t) => ({ target: t.field({ type: Target, resolve: (g) => g }) }),
});

const RemoveTargetSuccess = builder.objectRef<{ target: TargetShape | null }>('RemoveTargetSuccess').implement({
  fields: (t) => ({ target: t.field({ type: Target, nullable: true, description: 'The target removed; null when there was none.', resolve: (r) => r.target }) }),
});

const snapshot = (unit: UnitRow, kpi: KpiId, period: Period, value: number | null): TargetSnapshot => ({ unit: unit.code, kpi, period: period.id, value });

/**
 * What the plans of the target mutations share: the audit's entity and key (the unit's,
 * KPI's and period's), the request as parsed, and the lock: targets of one KPI and period
 * are written one writer at a time (a parent's allocation writes its children's).
 */
const targetPlan = (action: string, input: { unit: string; kpi: KpiId; period: Period }, idempotencyKey: string | null | undefined) => ({
  action,
  entity: 'target',
  entityKey: `${input.unit}/${input.kpi}/${input.period.id}`,
  idempotencyKey,
  request: { ...input, period: input.period.id },
  lockScope: `targets:${input.kpi}/${input.period.id}`,
});

/** A target as db/writes.ts stores it. */
const stored = (unitId: number, kpi: KpiId, period: Period, value: number) => ({ unitId, kpi, period: period.id, periodStart: period.start.toISOString(), periodEnd: period.end.toISOString(), value });

builder.mutationField('setTarget', (t) =>
  t.field({
    type: SetTargetSuccess,
    description:
      'Sets a unit’s target for a KPI and period (set again, it replaces the value). For the unit’s admins and those above it (UNIT_ADMIN of it or of a unit above, CENTRAL_ADMIN); written to the audit log.',
    authScopes: { writer: true },
    errors: resultUnion('SetTarget'),
    args: { input: t.arg({ type: SetTargetInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: async (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(setTargetSchema, args.input);
      let shape: TargetShape | undefined;
      await mutate<TargetSnapshot>(ctx, {
        ...targetPlan('setTarget', input, idempotencyKey),
        run: async (tx, guard) => {
          const unit = await unitDuring(guard, input.unit, input.period);
          const found = await targetsOf(tx, [unit.id], input.period);
          const before = found.has(`${unit.id}|${input.kpi}`) ? snapshot(unit, input.kpi, input.period, found.get(`${unit.id}|${input.kpi}`)!) : null;
          const after = snapshot(unit, input.kpi, input.period, input.value);
          shape = { unit, kpi: kpiDefinition(input.kpi), period: input.period, value: input.value };
          if (before?.value !== input.value) await upsertTargets(tx, [stored(unit.id, input.kpi, input.period, input.value)]);
          return { before, after };
        },
      }).then(async (after) => {
        // Sent again under its key: the target as first set.
        if (!shape) {
          const unit = (await ctx.loaders.unitByCode.load(after.unit))!;
          shape = { unit, kpi: kpiDefinition(after.kpi), period: input.period, value: after.value! };
        }
      });
      return shape!;
    },
  }),
);

builder.mutationField('removeTarget', (t) =>
  t.field({
    type: RemoveTargetSuccess,
    description: 'Removes a unit’s target for a KPI and period. For the same callers as setTarget; written to the audit log.',
    authScopes: { writer: true },
    errors: resultUnion('RemoveTarget'),
    args: { input: t.arg({ type: TargetKeyInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: async (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(z.object(targetKey), args.input);
      let removed: TargetShape | null = null;
      await mutate<TargetSnapshot | null>(ctx, {
        ...targetPlan('removeTarget', input, idempotencyKey),
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          const value = (await targetsOf(tx, [unit.id], input.period)).get(`${unit.id}|${input.kpi}`);
          if (value === undefined) return { before: null, after: null };
          await removeTarget(tx, unit.id, input.kpi, input.period.id);
          removed = { unit, kpi: kpiDefinition(input.kpi), period: input.period, value };
          return { before: snapshot(unit, input.kpi, input.period, value), after: null };
        },
      });
      return { target: removed };
    },
  }),
);

// ── allocateTarget ──────────────────────────────────────────────────────────

const METHODS = ['EQUAL', 'MEMBERS', 'LAST_YEAR', 'MANUAL'] as const;
type Method = (typeof METHODS)[number];

const AllocationMethodEnum = builder.enumType('AllocationMethod', {
  description: 'How a unit’s target is shared out among its children (docs/leadership.md).',
  values: {
    EQUAL: { description: 'A count: split into equal whole parts (what is left goes one each to the first children by code). A ratio: every child gets the same percentage.' },
    MEMBERS: { description: 'A count, in proportion to each child’s members active at `membersAt` (default: the period’s start), in whole parts by the largest-remainder method.' },
    LAST_YEAR: { description: 'A count, in proportion to each child’s value of the KPI over the same period a year earlier, in whole parts by the largest-remainder method.' },
    MANUAL: { description: 'Each child’s target as given in `values`; children left out keep theirs.' },
  } satisfies Record<Method, { description: string }>,
});

const ManualTargetInput = builder.inputType('ManualTargetInput', {
  fields: (t) => ({ unit: t.string({ required: true, description: 'Code of a child.' }), value: t.float({ required: true }) }),
});

const AllocateTargetInput = builder.inputType('AllocateTargetInput', {
  fields: (t) => ({
    unit: t.string({ required: true, description: 'Code of the unit whose target is allocated to its children.' }),
    kpi: t.field({ type: KpiIdEnum, required: true }),
    period: t.string({ required: true }),
    method: t.field({ type: AllocationMethodEnum, required: true }),
    membersAt: t.field({ type: 'Date', description: 'MEMBERS: the members active at 00:00 Vietnam time of this day are counted. Default: the period’s first day.' }),
    values: t.field({ type: [ManualTargetInput], description: 'MANUAL: the children’s targets.' }),
  }),
});

const allocateSchema = z
  .object({
    ...targetKey,
    method: z.enum(METHODS),
    membersAt: z.string().nullish(),
    values: z.array(z.object({ unit: text(100), value: z.number() })).nullish(),
  })
  .superRefine((v, c) => {
    const kpi = kpiDefinition(v.kpi);
    if (v.method === 'MANUAL' && !v.values?.length) c.addIssue({ code: 'custom', path: ['values'], message: 'MANUAL needs the children’s targets' });
    if (v.method !== 'MANUAL' && v.values?.length) c.addIssue({ code: 'custom', path: ['values'], message: `is for MANUAL only (the method is ${v.method})` });
    if (v.membersAt != null && v.method !== 'MEMBERS') c.addIssue({ code: 'custom', path: ['membersAt'], message: `is for MEMBERS only (the method is ${v.method})` });
    if (kpi.kind === 'RATIO' && (v.method === 'MEMBERS' || v.method === 'LAST_YEAR')) {
      c.addIssue({ code: 'custom', path: ['method'], message: `${v.kpi} is a percentage, which is not split in proportion: EQUAL gives every child the same percentage, or give them by hand (MANUAL)` });
    }
    for (const [i, m] of (v.values ?? []).entries()) {
      const problem = valueProblem(kpi, m.value);
      if (problem) c.addIssue({ code: 'custom', path: ['values', i, 'value'], message: problem });
    }
  });

interface AllocationSnapshot {
  unit: string;
  kpi: KpiId;
  period: string;
  method: Method;
  children: Record<string, number | null>;
}

const AllocateTargetSuccess = builder.objectRef<{ unit: UnitRow; kpi: KpiId; period: Period }>('AllocateTargetSuccess').implement({
  fields: (t) => ({
    allocation: t.field({ type: TargetAllocation, description: 'The allocation as it stands after the change, with its gap.', resolve: (a, _args, ctx) => allocationReport(ctx, a.unit, a.kpi, a.period) }),
  }),
});

/** The base of a proportional allocation, per child: whole numbers. */
async function bases(ctx: Context, children: UnitRow[], kpi: KpiId, period: Period, method: 'MEMBERS' | 'LAST_YEAR', membersAt: string | null | undefined): Promise<number[]> {
  if (method === 'MEMBERS') {
    let day = period.startDay;
    if (membersAt != null) {
      try {
        day = parsePeriod(membersAt).startDay;
      } catch (e) {
        if (e instanceof PeriodError) throw invalid('membersAt', e.message);
        throw e;
      }
    }
    // Members active at 00:00 of that day: the denominator of APP_ADOPTION for the day before.
    return Promise.all(children.map((c) => loadValue(ctx, c, 'APP_ADOPTION', dayPeriod(day - 1)).then((v) => v.denominator ?? 0)));
  }
  if (period.kind === 'TERM') throw invalid('method', 'LAST_YEAR is for a year, a half, a quarter or a month: a congress term has no “last year”');
  const last = samePeriodLastYear(period);
  return Promise.all(children.map((c) => loadValue(ctx, c, kpi, last).then((v) => Math.round(shownValue(v) ?? 0))));
}

builder.mutationField('allocateTarget', (t) =>
  t.field({
    type: AllocateTargetSuccess,
    description:
      'Allocates a unit’s target for a KPI and period to its children standing at the period’s end: EQUAL, in proportion to MEMBERS or to LAST_YEAR’s values, or MANUAL. Writes the children’s targets (replacing theirs) in one transaction and one audit row, and answers with the allocation and its gap. For the unit’s admins and those above it.',
    authScopes: { writer: true },
    errors: resultUnion('AllocateTarget'),
    args: { input: t.arg({ type: AllocateTargetInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: async (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(allocateSchema, args.input);
      const kpi = kpiDefinition(input.kpi);
      let parent: UnitRow | undefined;
      await mutate<AllocationSnapshot>(ctx, {
        ...targetPlan('allocateTarget', input, idempotencyKey),
        run: async (tx, guard) => {
          parent = await unitDuring(guard, input.unit, input.period);
          const children = await childrenAtEnd(tx, parent, input.period);
          if (children.length === 0) throw invalid('unit', `${parent.code} has no children standing at the end of ${input.period.id}: there is nothing to allocate to`);
          const found = await targetsOf(tx, [parent.id, ...children.map((c) => c.id)], input.period);
          const own = found.get(`${parent.id}|${input.kpi}`);
          let parts: (number | undefined)[];
          if (input.method === 'MANUAL') {
            const byCode = new Map(children.map((c, i) => [c.code, i]));
            parts = children.map(() => undefined);
            for (const [i, m] of input.values!.entries()) {
              const at = byCode.get(m.unit);
              if (at === undefined) throw invalid(`values.${i}.unit`, `${m.unit} is not a child of ${parent.code} standing at the end of ${input.period.id}`);
              parts[at] = m.value;
            }
          } else {
            if (own === undefined) throw invalid('unit', `${parent.code} has no target for ${input.kpi} in ${input.period.id}: set it first (setTarget)`);
            if (kpi.kind === 'RATIO') parts = children.map(() => own);
            else {
              const weights = input.method === 'EQUAL' ? children.map(() => 1) : await bases(ctx, children, input.kpi, input.period, input.method, input.membersAt);
              if (weights.every((w) => w === 0)) {
                const what = input.method === 'MEMBERS' ? 'members' : `values of ${input.kpi} in ${samePeriodLastYear(input.period).id}`;
                throw invalid('method', `the children’s ${what} add up to 0: there is nothing to allocate in proportion to`);
              }
              parts = largestRemainder(own, weights);
            }
          }
          const before = Object.fromEntries(children.map((c) => [c.code, found.get(`${c.id}|${input.kpi}`) ?? null]));
          const after = Object.fromEntries(children.map((c, i) => [c.code, parts[i] ?? before[c.code]!]));
          const written = children.filter((_c, i) => parts[i] !== undefined);
          await upsertTargets(tx, written.map((c) => stored(c.id, input.kpi, input.period, after[c.code]!)));
          const key = { unit: parent.code, kpi: input.kpi, period: input.period.id, method: input.method };
          return { before: { ...key, children: before }, after: { ...key, children: after } };
        },
      });
      parent ??= (await ctx.loaders.unitByCode.load(input.unit))!;
      return { unit: parent, kpi: input.kpi, period: input.period };
    },
  }),
);
