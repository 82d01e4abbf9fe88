// Units of the Union: the tree, its history (names over time, mergers), search without
// diacritics over every name a unit has had, and pagination.
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import { searchForm } from '../../domain/names.js';
import { UNIT_LEVELS, units, type UnitLevel } from '../../db/schema.js';
import { builder } from '../builder.js';
import type { UnitRow } from '../context.js';
import { badInput, connectionArgs, notFound } from '../errors.js';

export const UnitLevelEnum = builder.enumType('UnitLevel', {
  description: 'Level of a unit in the Union’s tree.',
  values: {
    CENTRAL: { description: 'The Central Committee of the Union.' },
    PROVINCE: { description: 'A province or centrally-run city union (34 since 1 July 2025).' },
    COMMUNE: { description: 'A commune, ward or special-zone union.' },
    BLOC: { description: 'An affiliated bloc under a province (agencies, enterprises, universities).' },
    BRANCH: { description: 'A grassroots branch (chi đoàn), where members belong.' },
  } satisfies Record<UnitLevel, unknown>,
});

export const Unit = builder.objectRef<UnitRow>('Unit');

interface NameRow {
  name: string;
  from: Date;
  to: Date | null;
}
const UnitName = builder.objectRef<NameRow>('UnitName').implement({
  description: 'A name a unit has borne, from an instant until the next one took over.',
  fields: (t) => ({
    name: t.exposeString('name'),
    from: t.expose('from', { type: 'DateTime', description: 'From when (the opening, for its first name).' }),
    to: t.expose('to', { type: 'DateTime', nullable: true, description: 'Until when; null for the name it bears now.' }),
  }),
});

const UnitHistoryKind = builder.enumType('UnitHistoryKind', {
  description: 'What happened to a unit.',
  values: {
    OPENED: { description: 'The unit opened, under `name`.' },
    RENAMED: { description: 'The unit took `name` (same unit, same code, same KPI history).' },
    MERGED_IN: { description: '`unit` closed and merged into this one.' },
    MOVED: { description: 'The unit (with its subtree) came under `unit`, a new parent: a re-parent, or its parent’s merger or split.' },
    CLOSED: { description: 'The unit closed: merged into `unit`, or dissolved when `unit` is null.' },
  },
});

interface HistoryEvent {
  at: Date;
  kind: 'OPENED' | 'RENAMED' | 'MERGED_IN' | 'MOVED' | 'CLOSED';
  name: string | null;
  unitId: number | null;
}
const UnitHistoryEvent = builder.objectRef<HistoryEvent>('UnitHistoryEvent').implement({
  description: 'An event in a unit’s lineage.',
  fields: (t) => ({
    at: t.expose('at', { type: 'DateTime' }),
    kind: t.field({ type: UnitHistoryKind, resolve: (e) => e.kind }),
    name: t.exposeString('name', { nullable: true, description: 'OPENED, RENAMED: the name it took.' }),
    unit: t.field({
      type: Unit,
      nullable: true,
      description: 'MERGED_IN: the unit merged into this one; MOVED: the new parent; CLOSED: the unit this one merged into (null: dissolved).',
      resolve: (e, _a, ctx) => (e.unitId === null ? null : ctx.loaders.unitById.load(e.unitId)),
    }),
  }),
});

/** A unit's names, oldest first, each until the next. */
async function namesOf(db: Parameters<typeof rows>[0], unitId: number): Promise<NameRow[]> {
  const found = await rows<{ name: string; from_at: Date | string }>(db, sql`SELECT name, from_at FROM unit_names WHERE unit_id = ${unitId} ORDER BY from_at`);
  return found.map((n, i) => ({ name: n.name, from: new Date(n.from_at), to: found[i + 1] ? new Date(found[i + 1]!.from_at) : null }));
}

const activeNow = () => or(isNull(units.validTo), gt(units.validTo, new Date()));

Unit.implement({
  description: 'A unit of the Union: the Central Committee, a province, a commune or ward, a bloc or a grassroots branch.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'Stable code of the unit.' }),
    name: t.exposeString('name', { description: 'Vietnamese name, with diacritics.' }),
    level: t.field({ type: UnitLevelEnum, resolve: (u) => u.level }),
    validFrom: t.expose('validFrom', { type: 'DateTime', description: 'When the unit opened.' }),
    validTo: t.expose('validTo', {
      type: 'DateTime',
      nullable: true,
      description: 'When the unit closed (merged, split or dissolved); null while it is open.',
    }),
    parent: t.field({
      type: Unit,
      nullable: true,
      resolve: (u, _args, ctx) => (u.parentId === null ? null : ctx.loaders.unitById.load(u.parentId)),
    }),
    successor: t.field({
      type: Unit,
      nullable: true,
      description: 'The unit this one was merged into.',
      resolve: (u, _args, ctx) => (u.successorId === null ? null : ctx.loaders.unitById.load(u.successorId)),
    }),
    names: t.field({
      type: [UnitName],
      description: 'Every name the unit has borne, oldest first: renames keep the unit, its code and its KPI history. Search finds a unit by any of them.',
      resolve: (u, _args, ctx) => namesOf(ctx.db, u.id),
    }),
    history: t.field({
      type: [UnitHistoryEvent],
      complexity: { field: 2, multiplier: 5 },
      description:
        'The unit’s lineage, oldest first: its opening, its renames, the units merged into it (each with its own history), its moves under another parent and its closing, with their dates.',
      resolve: async (u, _args, ctx) => {
        const names = await namesOf(ctx.db, u.id);
        const merged = await ctx.db
          .select({ id: units.id, validTo: units.validTo })
          .from(units)
          .where(eq(units.successorId, u.id))
          .orderBy(asc(units.validTo), asc(units.code));
        // Each earlier parent ended when the next began: the moves are the starts of the later links.
        const moves = await rows<{ at: Date | string; parent_id: number }>(
          ctx.db,
          sql`SELECT h.to_at AS at, coalesce(n.parent_id, u.parent_id) AS parent_id
                FROM unit_parent_history h JOIN units u ON u.id = h.unit_id
                LEFT JOIN unit_parent_history n ON n.unit_id = h.unit_id AND n.from_at = h.to_at
               WHERE h.unit_id = ${u.id} ORDER BY h.to_at`,
        );
        const events: HistoryEvent[] = [
          { at: u.validFrom, kind: 'OPENED', name: names[0]?.name ?? u.name, unitId: null },
          ...names.slice(1).map((n): HistoryEvent => ({ at: n.from, kind: 'RENAMED', name: n.name, unitId: null })),
          ...merged.map((m): HistoryEvent => ({ at: m.validTo!, kind: 'MERGED_IN', name: null, unitId: m.id })),
          ...moves.map((m): HistoryEvent => ({ at: new Date(m.at), kind: 'MOVED', name: null, unitId: Number(m.parent_id) })),
          ...(u.validTo ? [{ at: u.validTo, kind: 'CLOSED' as const, name: null, unitId: u.successorId }] : []),
        ];
        const order = { OPENED: 0, MERGED_IN: 1, MOVED: 2, RENAMED: 3, CLOSED: 4 };
        return events.sort((a, b) => a.at.getTime() - b.at.getTime() || order[a.kind] - order[b.kind]);
      },
    }),
    ancestors: t.field({
      type: [Unit],
      complexity: { field: 1, multiplier: 5 },
      description: 'Units above this one, from the Central Committee down to the parent.',
      resolve: async (u, _args, ctx) => {
        const found = await ctx.loaders.unitById.loadMany(u.path.slice(0, -1));
        return found.filter((x): x is UnitRow => x !== null && !(x instanceof Error));
      },
    }),
    children: t.connection({
      type: Unit,
      nullable: true,
      complexity: (args) => ({ field: 1, multiplier: args.first ?? args.last ?? 100 }),
      description: 'Units directly below, by code; null, with an error naming the argument, when an argument is invalid.',
      args: {
        includeClosed: t.arg.boolean({ defaultValue: false, description: 'Also list children that have closed.' }),
      },
      resolve: (u, args, ctx) => {
        connectionArgs(args);
        return resolveOffsetConnection({ args, defaultSize: 100, maxSize: 500 }, ({ offset, limit }) =>
          ctx.db
            .select()
            .from(units)
            .where(and(eq(units.parentId, u.id), args.includeClosed ? undefined : activeNow()))
            .orderBy(asc(units.code))
            .offset(offset)
            .limit(limit),
        );
      },
    }),
  }),
});

builder.queryFields((t) => ({
  unit: t.field({
    type: Unit,
    nullable: true,
    authScopes: { reader: true },
    description: 'A unit by its code; null, with a NOT_FOUND error, when no unit has it.',
    args: { code: t.arg.string({ required: true }) },
    resolve: async (_root, { code }, ctx) => {
      const unit = await ctx.loaders.unitByCode.load(code);
      if (!unit) throw notFound('code', `no unit has code "${code}"`);
      return unit;
    },
  }),
  units: t.connection({
    type: Unit,
    nullable: true,
    authScopes: { reader: true },
    complexity: (args) => ({ field: 1, multiplier: args.first ?? args.last ?? 50 }),
    description:
      'Units, optionally filtered by a search text matched without diacritics ("thanh oai" finds "Xã Thanh Oai", "dong dang" finds "Đồng Đăng") against every name a unit has borne, and by level. A closed unit found by its name is listed as the open unit it merged into (a ward merged in 2025 finds the ward that took it over), or itself with `includeClosed`. Best matches first: whole name, then name start, then anywhere.',
    args: {
      search: t.arg.string({ required: false }),
      level: t.arg({ type: UnitLevelEnum, required: false }),
      includeClosed: t.arg.boolean({ defaultValue: false }),
    },
    resolve: (_root, args, ctx) => {
      connectionArgs(args);
      const q = args.search == null ? '' : searchForm(args.search);
      if (args.search != null && q === '') throw badInput('search', 'must contain a letter or digit');
      if (args.level && !UNIT_LEVELS.includes(args.level)) throw badInput('level', 'unknown level');
      if (!q) {
        return resolveOffsetConnection({ args, defaultSize: 50, maxSize: 500 }, ({ offset, limit }) =>
          ctx.db
            .select()
            .from(units)
            .where(and(args.level ? eq(units.level, args.level) : undefined, args.includeClosed ? undefined : activeNow()))
            .orderBy(asc(units.path), asc(units.code))
            .offset(offset)
            .limit(limit),
        );
      }
      return resolveOffsetConnection({ args, defaultSize: 50, maxSize: 500 }, async ({ offset, limit }) => {
        const ids = await searchUnits(ctx.db, q, { level: args.level ?? null, includeClosed: args.includeClosed ?? false, offset, limit });
        if (ids.length === 0) return [];
        const found = new Map((await ctx.db.select().from(units).where(inArray(units.id, ids))).map((u) => [u.id, u]));
        return ids.map((id) => found.get(id)!);
      });
    },
  }),
}));

/**
 * The ids of the units a search text finds, a page of them, best first: units by any name
 * they have borne; a closed one, unless closed units are asked for, replaced by the open
 * unit it merged into (following successors), or left out when it was dissolved.
 */
async function searchUnits(
  db: Parameters<typeof rows>[0],
  q: string,
  o: { level: UnitLevel | null; includeClosed: boolean; offset: number; limit: number },
): Promise<number[]> {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  // Names usually start with their kind ("xa ", "phuong "): a match right after it ranks as a name start.
  const bare = sql`regexp_replace(n.search_name, '^(xa|phuong|dac khu|doan thanh nien|chi doan) ', '')`;
  const found = await rows<{ id: number }>(
    db,
    sql`WITH RECURSIVE hit AS (
          SELECT n.unit_id, min(CASE WHEN n.search_name = ${q} OR ${bare} = ${q} THEN 0
                                     WHEN n.search_name LIKE ${`${q}%`} OR ${bare} LIKE ${`${q}%`} THEN 1 ELSE 2 END) AS rank
            FROM unit_names n WHERE n.search_name LIKE ${pattern} GROUP BY n.unit_id
        ),
        chain AS (
          SELECT h.unit_id AS hit, h.rank, u.id, u.successor_id, (u.valid_to IS NULL OR u.valid_to > now()) AS open, 0 AS depth
            FROM hit h JOIN units u ON u.id = h.unit_id
          UNION ALL
          SELECT c.hit, c.rank, u.id, u.successor_id, (u.valid_to IS NULL OR u.valid_to > now()), c.depth + 1
            FROM chain c JOIN units u ON u.id = c.successor_id
           WHERE NOT c.open AND ${o.includeClosed ? sql`FALSE` : sql`TRUE`} AND c.depth < 50
        ),
        listed AS (
          SELECT id, min(rank) AS rank FROM chain WHERE ${o.includeClosed ? sql`depth = 0` : sql`open`} GROUP BY id
        )
        SELECT u.id FROM listed l JOIN units u ON u.id = l.id
         WHERE ${o.level ? sql`u.level = ${o.level}` : sql`TRUE`}
         ORDER BY l.rank, u.path, u.code
         OFFSET ${o.offset} LIMIT ${o.limit}`,
  );
  return found.map((r) => Number(r.id));
}
