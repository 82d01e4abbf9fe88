// Mutations that reorganise the tree from a date (the July 2025 mergers): re-parent a unit
// with its subtree, merge units into one, split a unit. History stays as it was (the
// AS_OF_THEN view reads the tree as it stood) and is restated onto today's units in the
// CURRENT_TREE view. Who may use them: a CENTRAL_ADMIN anywhere; a UNIT_ADMIN when every
// unit named (moved, merged, split, the new parents, the successor) is in its subtree.
import { sql } from 'drizzle-orm';
import * as z from 'zod';
import { rows, type Db } from '../../db/client.js';
import type { UnitRow } from '../context.js';
import { mergeUnits, reparentUnit } from '../../db/writes.js';
import { vietnamDay, vietnamMidnightMs } from '../../domain/time.js';
import { builder } from '../builder.js';
import { Unit } from '../unit/index.js';
import { invalid } from './errors.js';
import { unitNamed, unitSnapshot, type UnitSnapshot } from './records.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, instant, iso, mutate, parse, resultUnion, text } from './run.js';
import { PARENT_LEVELS } from './units.js';

const AT_DESCRIPTION =
  'The day it takes effect: a Vietnam midnight (such as 2025-07-01T00:00:00+07:00), not in the future. Periods ending on or before it count in the tree as it stood before; later ones in the new tree.';

/** A change of the tree holds from a Vietnam midnight (the roll-ups move on a day), and not ahead of today. */
function checkAt(at: Date, field = 'at'): void {
  if (vietnamMidnightMs(vietnamDay(at)) !== at.getTime()) throw invalid(field, `must be a Vietnam midnight (00:00+07:00): the tree changes from one day to the next`);
  if (at.getTime() > Date.now()) throw invalid(field, 'must not be in the future: the tree changes once it has changed');
}

/** The unit is open on the day: opened before it and not closed by then. */
function openAt(unit: UnitRow, at: Date, field: string): void {
  if (unit.validFrom >= at) throw invalid(field, `${unit.code} opened at ${iso(unit.validFrom)}, not before ${iso(at)}`);
  if (unit.validTo && unit.validTo <= at) throw invalid(field, `${unit.code} closed at ${iso(unit.validTo)}, not after ${iso(at)}`);
}

/** `parent` may take `child` under it from `at`. */
function checkParent(child: UnitRow, parent: UnitRow, at: Date, field: string): void {
  const allowed = PARENT_LEVELS[child.level];
  if (!allowed.includes(parent.level)) throw invalid(field, `must be a ${allowed.join(' or ')}: a ${child.level} sits under one (${parent.code} is a ${parent.level})`);
  if (parent.path.includes(child.id)) throw invalid(field, `must not be ${child.code} or a unit below it`);
  if (parent.validFrom > at || (parent.validTo && parent.validTo <= at)) throw invalid(field, `${parent.code} is not open at ${iso(at)}`);
}

/** Since when the unit is under its current parent. */
async function parentSince(tx: Db, unit: UnitRow): Promise<Date> {
  const [row] = await rows<{ since: Date | string | null }>(tx, sql`SELECT parent_since AS since FROM units WHERE id = ${unit.id}`);
  return row?.since == null ? unit.validFrom : new Date(row.since);
}

/** Reports of the units dated at or after `at`: nothing of a closing unit may follow its closing. */
async function reportsFrom(tx: Db, unitIds: number[], at: Date): Promise<{ code: string; date: string } | undefined> {
  const [found] = await rows<{ code: string; date: string }>(
    tx,
    sql`SELECT u.code, to_char(a.date, 'YYYY-MM-DD') AS date FROM activity_reports a JOIN units u ON u.id = a.unit_id
         WHERE a.unit_id = ANY(${`{${unitIds.join(',')}}`}::int[]) AND (a.date::timestamp AT TIME ZONE INTERVAL '+07:00') >= ${at.toISOString()}::timestamptz
         ORDER BY a.date LIMIT 1`,
  );
  return found;
}

interface TreeChangeShape {
  unit: UnitSnapshot;
  /** Codes of the units put under another parent by the change. */
  moved: string[];
  /** Codes of the units that closed into `unit` (a merger, a split). */
  merged: UnitSnapshot[];
}

const TreeChange = builder.objectRef<TreeChangeShape>('TreeChange').implement({
  description: 'A change of the tree: the unit it is about, and the units it moved and closed.',
  fields: (t) => ({
    unit: t.field({ type: Unit, description: 'The unit re-parented, or the successor of a merger or split.', resolve: (c, _a, ctx) => unitNamed(ctx, c.unit.code) }),
    moved: t.field({
      type: [Unit],
      description: 'The units put under another parent (with their subtrees), by code.',
      resolve: (c, _a, ctx) => Promise.all(c.moved.map((code) => unitNamed(ctx, code))),
    }),
    merged: t.field({
      type: [Unit],
      description: 'The units closed into `unit`, by code.',
      resolve: (c, _a, ctx) => Promise.all(c.merged.map((u) => unitNamed(ctx, u.code))),
    }),
  }),
});

const ReparentUnitSuccess = builder.objectRef<TreeChangeShape>('ReparentUnitSuccess').implement({
  fields: (t) => ({ change: t.field({ type: TreeChange, resolve: (c) => c }) }),
});
const MergeUnitsSuccess = builder.objectRef<TreeChangeShape>('MergeUnitsSuccess').implement({
  fields: (t) => ({ change: t.field({ type: TreeChange, resolve: (c) => c }) }),
});
const SplitUnitSuccess = builder.objectRef<TreeChangeShape>('SplitUnitSuccess').implement({
  fields: (t) => ({ change: t.field({ type: TreeChange, resolve: (c) => c }) }),
});

// ── reparentUnit ─────────────────────────────────────────────────────────────

const ReparentUnitInput = builder.inputType('ReparentUnitInput', {
  fields: (t) => ({
    code: t.string({ required: true, description: 'The unit to move, with everything below it.' }),
    parent: t.string({ required: true, description: 'Its new parent, open on `at`, of a level it may sit under.' }),
    at: t.field({ type: 'DateTime', required: true, description: AT_DESCRIPTION }),
  }),
});

const reparentSchema = z.object({ code: text(100), parent: text(100), at: instant() });

const snapshot = async (tx: Db, code: string) => (await unitSnapshot(tx, code))!;

builder.mutationField('reparentUnit', (t) =>
  t.field({
    type: ReparentUnitSuccess,
    description:
      'Moves a unit and its subtree under another parent from a day on. What it holds counts for the old parent’s side for every period ending on or before that day, and for the new side after; flows count where the unit stood on their date. Sent again, it changes nothing.',
    authScopes: { writer: true },
    errors: resultUnion('ReparentUnit'),
    args: { input: t.arg({ type: ReparentUnitInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(reparentSchema, args.input);
      return mutate<TreeChangeShape>(ctx, {
        action: 'reparentUnit',
        entity: 'unit',
        entityKey: input.code,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.code, 'code');
          const parent = await guard.unit(input.parent, 'parent');
          const before: TreeChangeShape = { unit: await snapshot(tx, input.code), moved: [], merged: [] };
          const since = await parentSince(tx, unit);
          if (unit.parentId === parent.id && since.getTime() === input.at.getTime()) return { before, after: { ...before, moved: [unit.code] } };
          if (unit.level === 'CENTRAL') throw invalid('code', 'the Central Committee has no parent');
          if (unit.parentId === parent.id) throw invalid('parent', `${unit.code} is under ${parent.code} already`);
          checkAt(input.at);
          openAt(unit, input.at, 'code');
          checkParent(unit, parent, input.at, 'parent');
          if (input.at <= since) throw invalid('at', `must be after ${unit.code} came under ${before.unit.parent} (${iso(since)})`);
          await reparentUnit(tx, unit.id, parent.id, input.at);
          return { before, after: { unit: await snapshot(tx, input.code), moved: [unit.code], merged: [] } };
        },
      });
    },
  }),
);

// ── mergeUnits and splitUnit ─────────────────────────────────────────────────

/** Checks and runs a merger of `merged` into `successor` on `at`, the children listed in `moves` going elsewhere (a split). */
async function merge(
  tx: Db,
  merged: UnitRow[],
  successor: UnitRow,
  at: Date,
  moves: { child: UnitRow; parent: UnitRow }[],
  fields: { merged: string; successor: string },
) {
  const field = fields.merged;
  const before: TreeChangeShape = { unit: await snapshot(tx, successor.code), moved: [], merged: await Promise.all(merged.map((u) => snapshot(tx, u.code))) };
  const done = merged.every((u) => u.validTo?.getTime() === at.getTime() && u.successorId === successor.id);
  if (done) return { before, after: before };
  checkAt(at);
  for (const u of merged) {
    if (u.level === 'CENTRAL') throw invalid(field, 'the Central Committee does not close');
    if (u.id === successor.id || successor.path.includes(u.id)) throw invalid(fields.successor, `must not be ${u.code} or a unit below it`);
    if (successor.level !== u.level) throw invalid(fields.successor, `must be a ${u.level} like ${u.code} (${successor.code} is a ${successor.level})`);
    openAt(u, at, field);
  }
  if (successor.validFrom > at || (successor.validTo && successor.validTo <= at)) throw invalid(fields.successor, `${successor.code} is not open at ${iso(at)}`);
  const late = await reportsFrom(tx, merged.map((u) => u.id), at);
  if (late) throw invalid('at', `must be after everything of ${late.code}: a report is dated ${late.date}`);
  for (const [i, { child, parent }] of moves.entries()) checkParent(child, parent, at, `children.${i}.parent`);
  const moved = await mergeUnits(tx, merged.map((u) => u.id), successor.id, at, new Map(moves.map((m) => [m.child.id, m.parent.id])));
  return {
    before,
    after: { unit: await snapshot(tx, successor.code), moved, merged: await Promise.all(merged.map((u) => snapshot(tx, u.code))) },
  };
}

const MergeUnitsInput = builder.inputType('MergeUnitsInput', {
  fields: (t) => ({
    codes: t.stringList({ required: true, description: 'The units that merge (1 to 100), each open on `at`.' }),
    into: t.string({ required: true, description: 'The unit they merge into: of their level, open on `at`, and not one of them or below one.' }),
    at: t.field({ type: 'DateTime', required: true, description: AT_DESCRIPTION }),
  }),
});

const mergeSchema = z.object({ codes: z.array(text(100)).min(1, 'name at least one unit').max(100, 'at most 100 units at once'), into: text(100), at: instant() });

builder.mutationField('mergeUnits', (t) =>
  t.field({
    type: MergeUnitsSuccess,
    description:
      'Merges units into one from a day on: the units below each (with their subtrees) move under `into`, and each unit closes naming `into` as its successor, which holds what they held (members, models, teams, products, relics) from that day. Their history stays theirs as it stood (AS_OF_THEN) and is the successor’s in today’s tree (CURRENT_TREE). Sent again, it changes nothing.',
    authScopes: { writer: true },
    errors: resultUnion('MergeUnits'),
    args: { input: t.arg({ type: MergeUnitsInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(mergeSchema, args.input);
      return mutate<TreeChangeShape>(ctx, {
        action: 'mergeUnits',
        entity: 'unit',
        entityKey: input.into,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const merged: UnitRow[] = [];
          for (const code of [...new Set(input.codes)]) merged.push(await guard.unit(code, 'codes'));
          const successor = await guard.unit(input.into, 'into');
          return merge(tx, merged, successor, input.at, [], { merged: 'codes', successor: 'into' });
        },
      });
    },
  }),
);

const SplitChildInput = builder.inputType('SplitChildInput', {
  fields: (t) => ({
    code: t.string({ required: true, description: 'A unit directly below the unit that splits.' }),
    parent: t.string({ required: true, description: 'Where it goes: open on `at`, of a level it may sit under.' }),
  }),
});

const SplitUnitInput = builder.inputType('SplitUnitInput', {
  fields: (t) => ({
    code: t.string({ required: true, description: 'The unit that splits.' }),
    children: t.field({ type: [SplitChildInput], required: true, description: 'Where its children go; a child left out goes to `successor`.' }),
    successor: t.string({ required: true, description: 'The unit that inherits its own history (its reports and what it holds): of its level, open on `at`.' }),
    at: t.field({ type: 'DateTime', required: true, description: AT_DESCRIPTION }),
  }),
});

const splitSchema = z.object({
  code: text(100),
  children: z.array(z.object({ code: text(100), parent: text(100) })).max(1000, 'at most 1,000 children'),
  successor: text(100),
  at: instant(),
});

builder.mutationField('splitUnit', (t) =>
  t.field({
    type: SplitUnitSuccess,
    description:
      'Splits a unit from a day on: its children go under the units stated (the rest under `successor`), and it closes naming `successor`, which inherits its own history and holds what it held. Every count stays whole. Sent again, it changes nothing.',
    authScopes: { writer: true },
    errors: resultUnion('SplitUnit'),
    args: { input: t.arg({ type: SplitUnitInput, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(splitSchema, args.input);
      return mutate<TreeChangeShape>(ctx, {
        action: 'splitUnit',
        entity: 'unit',
        entityKey: input.code,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.code, 'code');
          const successor = await guard.unit(input.successor, 'successor');
          const moves: { child: UnitRow; parent: UnitRow }[] = [];
          for (const [i, c] of input.children.entries()) {
            const child = await guard.unit(c.code, `children.${i}.code`);
            if (child.parentId !== unit.id) throw invalid(`children.${i}.code`, `${child.code} is not directly below ${unit.code}`);
            if (moves.some((m) => m.child.id === child.id)) throw invalid(`children.${i}.code`, `${child.code} is listed twice`);
            moves.push({ child, parent: await guard.unit(c.parent, `children.${i}.parent`) });
          }
          return merge(tx, [unit], successor, input.at, moves, { merged: 'code', successor: 'successor' });
        },
      });
    },
  }),
);
