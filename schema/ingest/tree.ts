// Mutations that reorganise the tree from a date (the July 2025 mergers): re-parent a unit
// with its subtree, merge units into one, split a unit. History stays as it was (the
// AS_OF_THEN view reads the tree as it stood) and is restated onto today's units in the
// CURRENT_TREE view. Who may use them: a CENTRAL_ADMIN anywhere; a UNIT_ADMIN when every
// unit named (moved, merged, split, the new parents, the successor) is in its subtree.
import * as z from 'zod';
import type { Db } from '../../db/client.js';
import { merge, reparent, TreeRefusal, type MergeInput, type TreeChangeDone } from '../../db/tree.js';
import { builder } from '../builder.js';
import { Unit } from '../unit/index.js';
import { invalid } from './errors.js';
import { unitNamed, unitSnapshot, type UnitSnapshot } from './records.js';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeySchema, instant, mutate, parse, resultUnion, text } from './run.js';

const AT_DESCRIPTION =
  'The day it takes effect: a Vietnam midnight (such as 2025-07-01T00:00:00+07:00), not in the future. Periods ending on or before it count in the tree as it stood before; later ones in the new tree.';

/** Runs a change of db/tree.ts; its refusal is the mutation's ValidationError on the field it names. */
async function treeChange(work: () => Promise<TreeChangeDone>): Promise<TreeChangeDone> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof TreeRefusal) throw invalid(e.field, e.reason);
    throw e;
  }
}

interface TreeChangeShape {
  unit: UnitSnapshot;
  /** Codes of the units put under another parent by the change. */
  moved: string[];
  /** The units that closed into `unit` (a merger, a split). */
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
          await guard.unit(input.code, 'code');
          await guard.unit(input.parent, 'parent');
          const before: TreeChangeShape = { unit: await snapshot(tx, input.code), moved: [], merged: [] };
          const done = await treeChange(() => reparent(tx, input));
          return { before, after: done.changed ? { unit: await snapshot(tx, input.code), moved: done.moved, merged: [] } : { ...before, moved: done.moved } };
        },
      });
    },
  }),
);

// ── mergeUnits and splitUnit ─────────────────────────────────────────────────

/** Runs a merger (or a split), with the audit's before and after of the successor and the units closed. */
async function mergeChange(tx: Db, input: MergeInput, fields: { merged: string; into: string; children: string }): Promise<{ before: TreeChangeShape; after: TreeChangeShape }> {
  const closing = async () => (await Promise.all([...new Set(input.codes)].map((code) => unitSnapshot(tx, code)))).filter((u): u is UnitSnapshot => u !== null);
  const before: TreeChangeShape = { unit: (await unitSnapshot(tx, input.into)) ?? ({ code: input.into } as UnitSnapshot), moved: [], merged: await closing() };
  const done = await treeChange(() => merge(tx, input, fields));
  if (!done.changed) return { before, after: before };
  return { before, after: { unit: await snapshot(tx, input.into), moved: done.moved, merged: await closing() } };
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
          for (const code of new Set(input.codes)) await guard.unit(code, 'codes');
          await guard.unit(input.into, 'into');
          return mergeChange(tx, input, { merged: 'codes', into: 'into', children: 'children' });
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
          await guard.unit(input.code, 'code');
          await guard.unit(input.successor, 'successor');
          for (const [i, c] of input.children.entries()) {
            await guard.unit(c.code, `children.${i}.code`);
            await guard.unit(c.parent, `children.${i}.parent`);
          }
          return mergeChange(tx, { codes: [input.code], into: input.successor, at: input.at, children: input.children }, { merged: 'code', into: 'successor', children: 'children' });
        },
      });
    },
  }),
);
