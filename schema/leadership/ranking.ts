// Emulation (thi đua) rankings: named, versioned frameworks of weighted criteria, defined by
// a CENTRAL_ADMIN, applied to units side by side (a unit's children, or the units of a level
// under it), each with its score and the points of every criterion, so that a secretary sees
// why a commune ranks 12th.
import { and, desc, eq, sql } from 'drizzle-orm';
import * as z from 'zod';
import { rows, type Db } from '../../db/client.js';
import { emulationFrameworks } from '../../db/schema.js';
import { builder } from '../builder.js';
import type { Context, UnitRow } from '../context.js';
import { KpiDefinitionRef, KpiIdEnum, PeriodRef } from '../dashboard/index.js';
import { badInput, notFound } from '../errors.js';
import { invalid } from '../ingest/errors.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, mutate, parse, resultUnion, text } from '../ingest/run.js';
import { criterionPoints, rankByScore, weightedScore, type Criterion } from '../kpi/emulation.js';
import { formatDay, type Period } from '../../domain/period.js';
import { elapsedShare, progress } from '../kpi/progress.js';
import { KPI_IDS, kpiDefinition, type KpiDefinition } from '../../domain/catalogue.js';
import { Unit, UnitLevelEnum } from '../unit/index.js';
import { TargetProgress, todayArg, valueAt } from './progress.js';
import { standingUnder, targetPeriodArg, targetsOf } from './targets.js';

export interface FrameworkShape {
  name: string;
  version: number;
  description: string | null;
  criteria: Criterion[];
  createdAt: Date;
  createdBy: string;
}

const ScoringMethodEnum = builder.enumType('ScoringMethod', {
  description: 'How a criterion’s KPI becomes points (0–100).',
  values: {
    PERCENT_OF_TARGET: { description: 'The % of its target the unit has achieved to date, at most 100; 0 without a target or a value.' },
    BANDS: { description: 'The points of the last band whose `from` the value to date reaches (bands in ascending order); 0 below the first band or without a value.' },
  },
});

const ScoreBand = builder.objectRef<{ from: number; points: number }>('ScoreBand').implement({
  fields: (t) => ({ from: t.exposeFloat('from', { description: 'The least value of the band.' }), points: t.exposeFloat('points') }),
});

const EmulationCriterion = builder.objectRef<Criterion>('EmulationCriterion').implement({
  fields: (t) => ({
    kpi: t.field({ type: KpiDefinitionRef, resolve: (c) => kpiDefinition(c.kpi) }),
    weight: t.exposeFloat('weight', { description: 'How much the criterion counts against the others: a score is the criteria’s points averaged by weight.' }),
    method: t.field({ type: ScoringMethodEnum, resolve: (c) => c.scoring.method }),
    bands: t.field({ type: [ScoreBand], nullable: true, description: 'BANDS only.', resolve: (c) => (c.scoring.method === 'BANDS' ? c.scoring.bands : null) }),
  }),
});

export const EmulationFramework = builder.objectRef<FrameworkShape>('EmulationFramework').implement({
  description: 'A named, versioned set of weighted criteria that scores and ranks units side by side (thi đua).',
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeInt('version', { description: 'Defining a framework again makes its next version; each stays as it was.' }),
    description: t.exposeString('description', { nullable: true }),
    criteria: t.field({ type: [EmulationCriterion], resolve: (f) => f.criteria }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
  }),
});

type FrameworkRow = typeof emulationFrameworks.$inferSelect;
const shaped = (r: FrameworkRow): FrameworkShape => ({
  name: r.name,
  version: r.version,
  description: r.description,
  criteria: (typeof r.criteria === 'string' ? JSON.parse(r.criteria) : r.criteria) as Criterion[],
  createdAt: r.createdAt,
  createdBy: r.createdBy,
});

/** A framework by name (its latest version unless one is given), or the latest defined of all; null when there is none. */
export async function findFramework(db: Db, name?: string | null, version?: number | null): Promise<FrameworkShape | null> {
  const where = name == null ? undefined : version == null ? eq(emulationFrameworks.name, name) : and(eq(emulationFrameworks.name, name), eq(emulationFrameworks.version, version));
  const [row] = await db.select().from(emulationFrameworks).where(where).orderBy(desc(emulationFrameworks.id)).limit(1);
  return row ? shaped(row) : null;
}

async function frameworkArg(db: Db, name: string, version: number | null | undefined): Promise<FrameworkShape> {
  const found = await findFramework(db, name, version);
  if (!found) throw notFound('framework', version == null ? `no emulation framework is named "${name}"` : `"${name}" has no version ${version}`);
  return found;
}

// ── scoring units ───────────────────────────────────────────────────────────

interface CriterionScoreShape {
  kpi: KpiDefinition;
  weight: number;
  value: number | null;
  target: number | null;
  percentAchieved: number | null;
  points: number;
}

export interface RankingEntryShape {
  rank: number;
  unit: UnitRow;
  code: string;
  score: number;
  criteria: CriterionScoreShape[];
}

const CriterionScore = builder.objectRef<CriterionScoreShape>('CriterionScore').implement({
  description: 'What one criterion gave a unit.',
  fields: (t) => ({
    kpi: t.field({ type: KpiDefinitionRef, resolve: (c) => c.kpi }),
    weight: t.exposeFloat('weight'),
    value: t.float({ nullable: true, description: 'The KPI to date (as targetProgress’s `actual`).', resolve: (c) => c.value }),
    target: t.float({ nullable: true, resolve: (c) => c.target }),
    percentAchieved: t.float({ nullable: true, resolve: (c) => c.percentAchieved }),
    points: t.exposeFloat('points', { description: '0–100, by the criterion’s method.' }),
  }),
});

export const RankingEntry = builder.objectRef<RankingEntryShape>('RankingEntry').implement({
  description: 'A unit’s place in a ranking, its score and what each criterion gave it.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: 'Equal scores share the better rank, and the next rank skips as many (1, 2, 2, 4).' }),
    unit: t.field({ type: Unit, resolve: (e) => e.unit }),
    score: t.exposeFloat('score', { description: 'The criteria’s points averaged by weight, rounded to 0.01.' }),
    criteria: t.field({ type: [CriterionScore], resolve: (e) => e.criteria }),
  }),
});

/** Scores and ranks units on a framework: their targets in one statement, their values in one batch. */
export async function rankUnits(ctx: Context, ranked: UnitRow[], framework: FrameworkShape, period: Period, today: number): Promise<RankingEntryShape[]> {
  const { asOfDay, elapsed } = elapsedShare(period.startDay, period.endDay, today);
  const found = await targetsOf(ctx.db, ranked.map((u) => u.id), period);
  const kpis = framework.criteria.map((c) => kpiDefinition(c.kpi));
  const values = await Promise.all(ranked.map((u) => Promise.all(kpis.map((k) => valueAt(ctx, u, k, period.startDay, asOfDay)))));
  return rankByScore(
    ranked.map((unit, i) => {
      const criteria = framework.criteria.map((c, j): CriterionScoreShape => {
        const kpi = kpis[j]!;
        const target = found.get(`${unit.id}|${c.kpi}`) ?? null;
        const value = values[i]![j]!;
        const { percentAchieved } = progress({ kind: kpi.kind, higherIsBetter: kpi.higherIsBetter, target, actual: value, baseline: null, elapsed, seasonal: null });
        return { kpi, weight: c.weight, value, target, percentAchieved, points: criterionPoints(c.scoring, value, percentAchieved) };
      });
      return { unit, code: unit.code, score: weightedScore(criteria), criteria };
    }),
  );
}

interface RankingShape {
  framework: FrameworkShape;
  period: Period;
  today: number;
  entries: RankingEntryShape[];
}

const Ranking = builder.objectRef<RankingShape>('Ranking').implement({
  description: 'Units side by side on an emulation framework, best first.',
  fields: (t) => ({
    framework: t.field({ type: EmulationFramework, resolve: (r) => r.framework }),
    period: t.field({ type: PeriodRef, resolve: (r) => r.period }),
    today: t.field({ type: 'Date', resolve: (r) => formatDay(r.today) }),
    entries: t.field({ type: [RankingEntry], resolve: (r) => r.entries }),
  }),
});

builder.objectFields(Unit, (t) => ({
  ranking: t.field({
    type: Ranking,
    description:
      'Ranks the unit’s children (or, with `level`, the units of that level under it) standing at the period’s end on an emulation framework, as of `today`. For whoever reads the KPIs of every unit ranked.',
    args: {
      framework: t.arg.string({ required: true }),
      version: t.arg.int({ description: 'Default: the latest.' }),
      period: t.arg.string({ required: true, description: 'A target’s period: a year, a half, a quarter, a month or a congress term.' }),
      level: t.arg({ type: UnitLevelEnum, description: 'Default: the unit’s children.' }),
      today: t.arg({ type: 'Date', description: 'Default: today (Vietnam time).' }),
    },
    resolve: async (unit, args, ctx) => {
      const period = targetPeriodArg(args.period);
      const today = todayArg(ctx, args.today);
      const framework = await frameworkArg(ctx.db, args.framework, args.version);
      const ranked = await standingUnder(ctx.db, unit, period, args.level);
      return { framework, period, today, entries: await rankUnits(ctx, ranked, framework, period, today) };
    },
  }),
}));

// ── the unit's rank among its siblings, on the leadership screen ────────────

const SiblingRank = builder.objectRef<{ framework: FrameworkShape; of: number; entry: RankingEntryShape }>('SiblingRank').implement({
  description: 'Where a unit ranks among its parent’s children on an emulation framework.',
  fields: (t) => ({
    framework: t.field({ type: EmulationFramework, resolve: (r) => r.framework }),
    rank: t.int({ resolve: (r) => r.entry.rank }),
    of: t.exposeInt('of', { description: 'How many units are ranked: the parent’s children standing at the period’s end.' }),
    score: t.float({ resolve: (r) => r.entry.score }),
    criteria: t.field({ type: [CriterionScore], resolve: (r) => r.entry.criteria }),
  }),
});

builder.objectFields(TargetProgress, (t) => ({
  rank: t.field({
    type: SiblingRank,
    nullable: true,
    description:
      'The unit’s rank among its parent’s children on an emulation framework (default: the latest defined). Null for the Central Committee, or when no framework is defined. Needs the siblings’ KPIs: a LEADER reads them; a VIEWER or UNIT_ADMIN of the unit does not.',
    args: { framework: t.arg.string(), version: t.arg.int() },
    resolve: async (report, args, ctx) => {
      if (report.unit.parentId === null) return null;
      const framework = args.framework == null ? await findFramework(ctx.db) : await frameworkArg(ctx.db, args.framework, args.version);
      if (!framework) return null;
      const parent = (await ctx.loaders.unitById.load(report.unit.parentId))!;
      const siblings = await standingUnder(ctx.db, parent, report.period, null);
      const entries = await rankUnits(ctx, siblings, framework, report.period, report.today);
      const entry = entries.find((e) => e.unit.id === report.unit.id);
      return entry ? { framework, of: entries.length, entry } : null;
    },
  }),
}));

// ── defining a framework ────────────────────────────────────────────────────

const ScoreBandInput = builder.inputType('ScoreBandInput', {
  fields: (t) => ({ from: t.float({ required: true }), points: t.float({ required: true, description: '0–100.' }) }),
});
const EmulationCriterionInput = builder.inputType('EmulationCriterionInput', {
  fields: (t) => ({
    kpi: t.field({ type: KpiIdEnum, required: true }),
    weight: t.float({ required: true, description: 'A positive number: a score is the criteria’s points averaged by weight.' }),
    method: t.field({ type: ScoringMethodEnum, required: true }),
    bands: t.field({ type: [ScoreBandInput], description: 'BANDS: in ascending order of `from`.' }),
  }),
});
const DefineEmulationFrameworkInput = builder.inputType('DefineEmulationFrameworkInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    criteria: t.field({ type: [EmulationCriterionInput], required: true }),
  }),
});

const frameworkSchema = z.object({
  name: text(100),
  description: text(2000).nullish(),
  criteria: z
    .array(
      z
        .object({
          kpi: z.enum(KPI_IDS),
          weight: z.number().positive('must be above 0').max(1000, 'must be at most 1,000'),
          method: z.enum(['PERCENT_OF_TARGET', 'BANDS']),
          bands: z.array(z.object({ from: z.number().finite(), points: z.number().min(0, 'must be 0–100').max(100, 'must be 0–100') })).nullish(),
        })
        .superRefine((c, ctx) => {
          if (c.method === 'BANDS' && !c.bands?.length) ctx.addIssue({ code: 'custom', path: ['bands'], message: 'BANDS needs at least one band' });
          if (c.method !== 'BANDS' && c.bands?.length) ctx.addIssue({ code: 'custom', path: ['bands'], message: 'is for BANDS only' });
          for (const [i, b] of (c.bands ?? []).entries()) {
            if (i > 0 && b.from <= c.bands![i - 1]!.from) ctx.addIssue({ code: 'custom', path: ['bands', i, 'from'], message: 'bands must be in ascending order of `from`' });
          }
        }),
    )
    .min(1, 'needs at least one criterion')
    .max(20, 'at most 20 criteria')
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      for (const [i, c] of list.entries()) {
        if (seen.has(c.kpi)) ctx.addIssue({ code: 'custom', path: [i, 'kpi'], message: `${c.kpi} is a criterion already` });
        seen.add(c.kpi);
      }
    }),
});

const DefineSuccess = builder.objectRef<FrameworkShape>('DefineEmulationFrameworkSuccess').implement({
  fields: (t) => ({ framework: t.field({ type: EmulationFramework, resolve: (f) => f }) }),
});

builder.mutationField('defineEmulationFramework', (t) =>
  t.field({
    type: DefineSuccess,
    description: 'Defines an emulation framework, or its next version when the name is taken (earlier versions stay as they were). CENTRAL_ADMIN only; written to the audit log.',
    authScopes: { centralAdmin: true },
    errors: resultUnion('DefineEmulationFramework'),
    args: { input: t.arg({ type: DefineEmulationFrameworkInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: async (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(frameworkSchema, args.input);
      const criteria: Criterion[] = input.criteria.map((c) => ({
        kpi: c.kpi,
        weight: c.weight,
        scoring: c.method === 'BANDS' ? { method: 'BANDS', bands: c.bands! } : { method: 'PERCENT_OF_TARGET' },
      }));
      const after = await mutate<{ name: string; version: number; criteria: Criterion[] }>(ctx, {
        action: 'defineEmulationFramework',
        entity: 'emulationFramework',
        entityKey: input.name,
        idempotencyKey,
        request: input,
        lockScope: `framework:${input.name}`,
        run: async (tx) => {
          const previous = await findFramework(tx, input.name);
          const version = (previous?.version ?? 0) + 1;
          await rows(
            tx,
            sql`INSERT INTO emulation_frameworks (name, version, description, criteria, created_by)
                VALUES (${input.name}, ${version}, ${input.description ?? null}, ${JSON.stringify(criteria)}::jsonb, ${ctx.access.actor})`,
          );
          return { before: previous && { name: previous.name, version: previous.version, criteria: previous.criteria }, after: { name: input.name, version, criteria } };
        },
      });
      const stored = await findFramework(ctx.db, after.name, after.version);
      if (!stored) throw invalid('name', 'the framework was not stored');
      return stored;
    },
  }),
);

builder.queryField('emulationFrameworks', (t) =>
  t.field({
    type: [EmulationFramework],
    description: 'Emulation frameworks, every version, newest first; with `name`, that framework’s versions.',
    authScopes: { reader: true },
    args: { name: t.arg.string() },
    resolve: async (_root, args, ctx) => {
      if (args.name !== undefined && args.name !== null && args.name.trim() === '') throw badInput('name', 'must not be blank');
      const found = await ctx.db
        .select()
        .from(emulationFrameworks)
        .where(args.name == null ? undefined : eq(emulationFrameworks.name, args.name))
        .orderBy(desc(emulationFrameworks.id));
      return found.map(shaped);
    },
  }),
);
