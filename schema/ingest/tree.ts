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

/**
 * A mutation of the tree: its input parsed, every unit it names checked against the
 * caller's writes (`named`), then `run` in one transaction with its audit row. Its result
 * is `<Name>Success { change: TreeChange }`, or a ValidationError naming the field.
 */
function treeMutation<S extends z.ZodType>(
  field: 'reparentUnit' | 'mergeUnits' | 'splitUnit',
  options: {
    input: ReturnType<typeof builder.inputType>;
    schema: S;
    description: string;
    /** The audit's key. */
    key: (input: z.output<S>) => string;
    /** The units named, with their fields. */
    named: (input: z.output<S>) => [code: string, field: string][];
    run: (tx: Db, input: z.output<S>) => Promise<{ before: TreeChangeShape; after: TreeChangeShape }>;
  },
): void {
  const name = `${field[0]!.toUpperCase()}${field.slice(1)}`;
  const Success = builder.objectRef<TreeChangeShape>(`${name}Success`).implement({
    fields: (t) => ({ change: t.field({ type: TreeChange, resolve: (c) => c }) }),
  });
  builder.mutationField(field, (t) =>
    t.field({
      type: Success,
      description: options.description,
      authScopes: { writer: true },
      errors: resultUnion(name),
      args: { input: t.arg({ type: options.input, required: true }), idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }) },
      resolve: (_root, args, ctx) => {
        const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
        const input = parse(options.schema, args.input);
        return mutate<TreeChangeShape>(ctx, {
          action: field,
          entity: 'unit',
          entityKey: options.key(input),
          idempotencyKey,
          request: input,
          run: async (tx, guard) => {
            for (const [code, at] of options.named(input)) await guard.unit(code, at);
            return options.run(tx, input);
          },
        });
      },
    }),
  );
}

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

treeMutation('reparentUnit', {
  input: ReparentUnitInput,
  schema: reparentSchema,
  description:
    'Moves a unit and its subtree under another parent from a day on. What it holds counts for the old parent’s side for every period ending on or before that day, and for the new side after; flows count where the unit stood on their date. Sent again, it changes nothing.',
  key: (input) => input.code,
  named: (input) => [
    [input.code, 'code'],
    [input.parent, 'parent'],
  ],
  run: async (tx, input) => {
    const before: TreeChangeShape = { unit: await snapshot(tx, input.code), moved: [], merged: [] };
    const done = await treeChange(() => reparent(tx, input));
    return { before, after: done.changed ? { unit: await snapshot(tx, input.code), moved: done.moved, merged: [] } : { ...before, moved: done.moved } };
  },
});

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

treeMutation('mergeUnits', {
  input: MergeUnitsInput,
  schema: mergeSchema,
  description:
    'Merges units into one from a day on: the units below each (with their subtrees) move under `into`, and each unit closes naming `into` as its successor, which holds what they held (members, models, teams, products, relics) from that day. Their history stays theirs as it stood (AS_OF_THEN) and is the successor’s in today’s tree (CURRENT_TREE). Sent again, it changes nothing.',
  key: (input) => input.into,
  named: (input) => [...[...new Set(input.codes)].map((code): [string, string] => [code, 'codes']), [input.into, 'into']],
  run: (tx, input) => mergeChange(tx, input, { merged: 'codes', into: 'into', children: 'children' }),
});

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

treeMutation('splitUnit', {
  input: SplitUnitInput,
  schema: splitSchema,
  description:
    'Splits a unit from a day on: its children go under the units stated (the rest under `successor`), and it closes naming `successor`, which inherits its own history and holds what it held. Every count stays whole. Sent again, it changes nothing.',
  key: (input) => input.code,
  named: (input) => [
    [input.code, 'code'],
    [input.successor, 'successor'],
    ...input.children.flatMap((c, i): [string, string][] => [
      [c.code, `children.${i}.code`],
      [c.parent, `children.${i}.parent`],
    ]),
  ],
  run: (tx, input) =>
    mergeChange(tx, { codes: [input.code], into: input.successor, at: input.at, children: input.children }, { merged: 'code', into: 'successor', children: 'children' }),
});
