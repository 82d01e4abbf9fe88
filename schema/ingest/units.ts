// Mutations of the unit tree: open a unit under its parent, rename it, close it (with the
// open units below it) and name its successor. A parent changes only from a date, by a
// reorganisation (./tree.ts: re-parent, merger, split), so history stays put.
import { sql } from 'drizzle-orm';
import * as z from 'zod';
import { rows, type Db } from '../../db/client.js';
import { PARENT_LEVELS, UNIT_LEVELS } from '../../db/schema.js';
import { closeUnit, createUnit, renameUnit } from '../../db/writes.js';
import { builder } from '../builder.js';
import { Unit, UnitLevelEnum } from '../unit/index.js';
import { invalid } from './errors.js';
import { unitNamed, unitSnapshot, type UnitSnapshot } from './records.js';
import {
  IDEMPOTENCY_KEY_DESCRIPTION,
  idempotencyKeySchema,
  instant,
  iso,
  mutate,
  parse,
  resultUnion,
  same,
  text,
} from './run.js';


// ── createUnit ───────────────────────────────────────────────────────────────

const CreateUnitInput = builder.inputType('CreateUnitInput', {
  fields: (t) => ({
    code: t.string({ required: true, description: 'A code no other unit has.' }),
    name: t.string({ required: true, description: 'Vietnamese name, with diacritics.' }),
    level: t.field({ type: UnitLevelEnum, required: true }),
    parent: t.string({
      description: 'Code of the parent, open at `validFrom`: a PROVINCE sits under the CENTRAL unit, a COMMUNE or BLOC under a PROVINCE, a BRANCH under a COMMUNE or BLOC. Left out only for the CENTRAL unit.',
    }),
    validFrom: t.field({ type: 'DateTime', required: true, description: 'When the unit opens.' }),
  }),
});

const createUnitSchema = z
  .object({ code: text(100), name: text(300), level: z.enum(UNIT_LEVELS), parent: text(100).nullish(), validFrom: instant() })
  .superRefine((v, ctx) => {
    if (v.level === 'CENTRAL' && v.parent != null) ctx.addIssue({ code: 'custom', path: ['parent'], message: 'must be left out: the Central Committee has no parent' });
    if (v.level !== 'CENTRAL' && v.parent == null) {
      ctx.addIssue({ code: 'custom', path: ['parent'], message: `is required: a ${v.level} sits under a ${PARENT_LEVELS[v.level].join(' or ')}` });
    }
  });

const CreateUnitSuccess = builder.objectRef<UnitSnapshot>('CreateUnitSuccess').implement({
  fields: (t) => ({ unit: t.field({ type: Unit, resolve: (u, _a, ctx) => unitNamed(ctx, u.code) }) }),
});

builder.mutationField('createUnit', (t) =>
  t.field({
    type: CreateUnitSuccess,
    description: 'Opens a unit under its parent. Sent again with the same input, it changes nothing.',
    authScopes: { writer: true },
    errors: resultUnion('CreateUnit'),
    args: {
      input: t.arg({ type: CreateUnitInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(createUnitSchema, args.input);
      return mutate(ctx, {
        action: 'createUnit',
        entity: 'unit',
        entityKey: input.code,
        idempotencyKey,
        request: input,
        fields: { at: 'validFrom' },
        run: async (tx, guard) => {
          const intended: UnitSnapshot = {
            code: input.code,
            name: input.name,
            level: input.level,
            parent: input.parent ?? null,
            validFrom: iso(input.validFrom)!,
            validTo: null,
            successor: null,
          };
          const existing = await unitSnapshot(tx, input.code);
          if (existing) {
            if (same(existing, intended)) return { before: existing, after: existing };
            throw invalid('code', `is already used by ${existing.level} ${existing.code} "${existing.name}"`);
          }
          let parentId: number | null = null;
          if (input.parent != null) {
            const parent = await guard.unit(input.parent, 'parent');
            const allowed = PARENT_LEVELS[input.level];
            if (!allowed.includes(parent.level)) {
              throw invalid('parent', `must be a ${allowed.join(' or ')}: a ${input.level} sits under one (${parent.code} is a ${parent.level})`);
            }
            if (parent.validTo) throw invalid('parent', `${parent.code} closed at ${iso(parent.validTo)}: open the unit under an open unit (its successor?)`);
            if (input.validFrom < parent.validFrom) throw invalid('validFrom', `must not be before ${parent.code} opened (${iso(parent.validFrom)})`);
            parentId = parent.id;
          } else {
            guard.centralAdmin('a unit without a parent (the Central Committee)');
            const [central] = await rows<{ code: string }>(tx, sql`SELECT code FROM units WHERE level = 'CENTRAL' LIMIT 1`);
            if (central) throw invalid('level', `CENTRAL is taken: ${central.code} is the Central Committee`);
          }
          await createUnit(tx, { code: input.code, name: input.name, level: input.level, parentId, validFrom: input.validFrom });
          return { before: null, after: (await unitSnapshot(tx, input.code))! };
        },
      });
    },
  }),
);

// ── updateUnit ───────────────────────────────────────────────────────────────

const UpdateUnitInput = builder.inputType('UpdateUnitInput', {
  fields: (t) => ({
    code: t.string({ required: true, description: 'The unit to change.' }),
    name: t.string({ description: 'A new name (a rename): KPI history stays with the unit, and `names` and search keep the old name.' }),
    nameFrom: t.field({
      type: 'DateTime',
      description:
        'From when the new name holds (default: now): not in the future, and after the name it replaces took effect. `names` and `history` show it from then.',
    }),
    parent: t.string({
      description: 'The parent’s code: anything but the current parent is refused here (reparentUnit moves a unit and its subtree from a date).',
    }),
  }),
});

const updateUnitSchema = z.object({ code: text(100), name: text(300).optional(), nameFrom: instant().nullish(), parent: text(100).nullish() });

const UpdateUnitSuccess = builder.objectRef<UnitSnapshot>('UpdateUnitSuccess').implement({
  fields: (t) => ({ unit: t.field({ type: Unit, resolve: (u, _a, ctx) => unitNamed(ctx, u.code) }) }),
});

builder.mutationField('updateUnit', (t) =>
  t.field({
    type: UpdateUnitSuccess,
    description: 'Renames a unit in place. Its code, level and parent stay as they are.',
    authScopes: { writer: true },
    errors: resultUnion('UpdateUnit'),
    args: {
      input: t.arg({ type: UpdateUnitInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(updateUnitSchema, args.input);
      return mutate(ctx, {
        action: 'updateUnit',
        entity: 'unit',
        entityKey: input.code,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.code, 'code');
          const before = (await unitSnapshot(tx, input.code))!;
          if (input.parent !== undefined && input.parent !== before.parent) {
            throw invalid('parent', `cannot change here (${input.code} is under ${before.parent ?? 'no unit'}): reparentUnit moves a unit from a date`);
          }
          if (input.name === undefined || input.name === before.name) {
            if (input.nameFrom != null) throw invalid('nameFrom', 'dates a new name: send it with a name other than the current one');
            return { before, after: before };
          }
          if (input.nameFrom != null) {
            if (input.nameFrom.getTime() > Date.now()) throw invalid('nameFrom', 'must not be in the future: a unit bears the name it has now');
            const [latest] = await rows<{ from_at: Date | string }>(tx, sql`SELECT max(from_at) AS from_at FROM unit_names WHERE unit_id = ${unit.id}`);
            const since = latest?.from_at == null ? unit.validFrom : new Date(latest.from_at);
            if (input.nameFrom.getTime() <= since.getTime()) {
              throw invalid('nameFrom', `must be after ${iso(since)}, when the name "${before.name}" took effect`);
            }
          }
          await renameUnit(tx, unit.id, input.name, input.nameFrom ?? null);
          return { before, after: (await unitSnapshot(tx, input.code))! };
        },
      });
    },
  }),
);

// ── closeUnit ────────────────────────────────────────────────────────────────

const CloseUnitInput = builder.inputType('CloseUnitInput', {
  fields: (t) => ({
    code: t.string({ required: true, description: 'The unit to close.' }),
    at: t.field({
      type: 'DateTime',
      required: true,
      description: 'When it closes. Every unit below it still open then closes with it; nothing of them may be dated at or after this instant.',
    }),
    successor: t.string({ description: 'The unit it merges into: of the same level, open at `at`, not below the closing unit.' }),
  }),
});

const closeUnitSchema = z.object({ code: text(100), at: instant(), successor: text(100).nullish() });

export interface ClosedUnits {
  unit: UnitSnapshot;
  /** Codes of the unit and the units below it that closed with it, shallowest first. */
  closed: string[];
}

const CloseUnitSuccess = builder.objectRef<ClosedUnits>('CloseUnitSuccess').implement({
  fields: (t) => ({
    unit: t.field({ type: Unit, resolve: (c, _a, ctx) => unitNamed(ctx, c.unit.code) }),
    closed: t.field({
      type: [Unit],
      description: 'The unit and every unit below it that closed at the same instant, shallowest first.',
      resolve: (c, _a, ctx) => Promise.all(c.closed.map((code) => unitNamed(ctx, code))),
    }),
  }),
});

/** Something of the subtree dated at or after `at` (a report, a member joining, a model, a team, a product, a relic, a roster entry). */
async function datedAtOrAfter(tx: Db, unitId: number, at: Date): Promise<{ code: string; what: string; at: string } | undefined> {
  const t = sql`${at.toISOString()}::timestamptz`;
  const below = sql`(SELECT id FROM units WHERE path @> ARRAY[${unitId}::int])`;
  const [found] = await rows<{ code: string; what: string; at: string }>(
    tx,
    sql`SELECT u.code, x.what, to_char(x.at AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"') AS at FROM (
          SELECT unit_id, 'a report' AS what, date::timestamp AT TIME ZONE INTERVAL '+07:00' AS at FROM activity_reports
          UNION ALL SELECT unit_id, 'member ' || external_id || ' coming in', unit_since FROM members
          UNION ALL SELECT h.unit_id, 'member ' || m.external_id || ' coming in', h.from_at FROM member_unit_history h JOIN members m ON m.id = h.member_id
          UNION ALL SELECT unit_id, 'model ' || external_id || ' established or assessed effective', greatest(established_at, effective_from) FROM digital_models
          UNION ALL SELECT unit_id, 'team ' || external_id || ' established', established_at FROM teams
          UNION ALL SELECT t.unit_id, 'roster entry of ' || r.person || ' on team ' || t.external_id, r.from_at FROM team_roster r JOIN teams t ON t.id = r.team_id
          UNION ALL SELECT unit_id, 'product ' || external_id || ' listed', listed_at FROM startup_products
          UNION ALL SELECT unit_id, 'relic ' || external_id || ' digitized', digitized_at FROM relics
        ) x JOIN units u ON u.id = x.unit_id
        WHERE x.unit_id IN ${below} AND x.at >= ${t}
        ORDER BY x.at LIMIT 1`,
  );
  return found;
}

async function closedWith(tx: Db, unitId: number, at: Date): Promise<string[]> {
  const found = await rows<{ code: string }>(
    tx,
    sql`SELECT code FROM units WHERE path @> ARRAY[${unitId}::int] AND valid_to = ${at.toISOString()}::timestamptz ORDER BY cardinality(path), code`,
  );
  return found.map((r) => r.code);
}

builder.mutationField('closeUnit', (t) =>
  t.field({
    type: CloseUnitSuccess,
    description:
      'Closes a unit and every unit below it still open, and names the unit it merged into. What they hold stops counting from `at` on (their members, models, teams, products, relics); their reports before `at` still count for every unit above.',
    authScopes: { writer: true },
    errors: resultUnion('CloseUnit'),
    args: {
      input: t.arg({ type: CloseUnitInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(closeUnitSchema, args.input);
      return mutate<ClosedUnits>(ctx, {
        action: 'closeUnit',
        entity: 'unit',
        entityKey: input.code,
        idempotencyKey,
        request: input,
        fields: { validFrom: 'at' },
        run: async (tx, guard) => {
          const unit = await guard.unit(input.code, 'code');
          const before = { unit: (await unitSnapshot(tx, input.code))!, closed: [] as string[] };
          if (unit.level === 'CENTRAL') throw invalid('code', 'the Central Committee does not close');
          const successor = input.successor == null ? null : await guard.unit(input.successor, 'successor');
          if (successor) {
            if (successor.path.includes(unit.id)) throw invalid('successor', `must not be ${unit.code} or a unit below it`);
            if (successor.level !== unit.level) {
              throw invalid('successor', `must be a ${unit.level} like ${unit.code} (${successor.code} is a ${successor.level})`);
            }
            if (successor.validFrom > input.at || (successor.validTo && successor.validTo <= input.at)) {
              throw invalid('successor', `${successor.code} is not open at ${iso(input.at)}`);
            }
          }
          if (unit.validTo) {
            if (unit.validTo.getTime() !== input.at.getTime()) throw invalid('at', `${unit.code} already closed at ${iso(unit.validTo)}`);
            if ((successor?.code ?? null) === before.unit.successor) {
              const unchanged = { unit: before.unit, closed: await closedWith(tx, unit.id, input.at) };
              return { before: unchanged, after: unchanged };
            }
          }
          if (input.at <= unit.validFrom) throw invalid('at', `must be after ${unit.code} opened (${iso(unit.validFrom)})`);
          const late = await datedAtOrAfter(tx, unit.id, input.at);
          if (late) throw invalid('at', `must be after everything of ${late.code}: ${late.what} is dated ${late.at}`);
          await closeUnit(tx, unit.id, input.at, successor?.id ?? null);
          return { before, after: { unit: (await unitSnapshot(tx, input.code))!, closed: await closedWith(tx, unit.id, input.at) } };
        },
      });
    },
  }),
);
