// Units of the Union: the tree, search without diacritics, and pagination.
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { and, asc, eq, gt, isNull, like, or, sql } from 'drizzle-orm';
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
      description: 'When the unit closed (merged, dissolved or re-parented); null while it is open.',
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
      'Units, optionally filtered by a search text matched without diacritics ("thanh oai" finds "Xã Thanh Oai", "dong dang" finds "Đồng Đăng") and by level. Best matches first: whole name, then name start, then anywhere.',
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
      const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      // Names usually start with their kind ("xa ", "phuong "): a match right after it ranks as a name start.
      const rank = sql`CASE WHEN ${units.searchName} = ${q} OR regexp_replace(${units.searchName}, '^(xa|phuong|dac khu|doan thanh nien|chi doan) ', '') = ${q} THEN 0
                            WHEN ${units.searchName} LIKE ${`${q}%`} OR regexp_replace(${units.searchName}, '^(xa|phuong|dac khu|doan thanh nien|chi doan) ', '') LIKE ${`${q}%`} THEN 1
                            ELSE 2 END`;
      return resolveOffsetConnection({ args, defaultSize: 50, maxSize: 500 }, ({ offset, limit }) =>
        ctx.db
          .select()
          .from(units)
          .where(
            and(
              q ? like(units.searchName, pattern) : undefined,
              args.level ? eq(units.level, args.level) : undefined,
              args.includeClosed ? undefined : activeNow(),
            ),
          )
          .orderBy(...(q ? [rank] : []), asc(units.path), asc(units.code))
          .offset(offset)
          .limit(limit),
      );
    },
  }),
}));
