// For partner systems: incremental pulls of KPI values (nightly sync). Aggregates only:
// values per unit, never a member.
import { sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import { UNIT_LEVELS, type UnitLevel } from '../../db/schema.js';
import { type Series } from '../../domain/catalogue.js';
import { builder } from '../builder.js';
import type { UnitRow } from '../context.js';
import { KpiIdEnum, KpiValue, loadValue, periodArg, VIEW_ARG, type KpiValueShape } from '../dashboard/index.js';
import { badInput, pageSize } from '../errors.js';
import { livingUnitsPage } from './export.js';
import { KPIS, kpiDefinition, type KpiId } from '../../domain/catalogue.js';
import { UnitLevelEnum } from '../unit/index.js';

const CURSOR_PREFIX = 'kpi-changes:v1:';
/** A full sync under way: the change number it began at, and the last unit code it gave. */
const FULL_PREFIX = 'kpi-changes:full:';
const MAX_CHANGES = 10_000;

type Cursor = { seq: number; fullAfter?: string };

export function encodeCursor(seq: number, fullAfter?: string): string {
  const text = fullAfter === undefined ? `${CURSOR_PREFIX}${seq}` : `${FULL_PREFIX}${seq}:${fullAfter}`;
  return Buffer.from(text).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  const text = Buffer.from(cursor, 'base64url').toString();
  const full = text.startsWith(FULL_PREFIX) ? /^(\d+):(.*)$/s.exec(text.slice(FULL_PREFIX.length)) : null;
  const seq = full ? Number(full[1]) : text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 0) throw badInput('since', 'is not a cursor returned by `changes`');
  return full ? { seq, fullAfter: full[2]! } : { seq };
}

interface FeedShape {
  values: Promise<KpiValueShape>[];
  cursor: string;
  hasMore: boolean;
}

const KpiChangeFeed = builder.objectRef<FeedShape>('KpiChangeFeed').implement({
  description: 'KPI values that changed since a cursor, oldest change first.',
  fields: (t) => ({
    values: t.field({ type: [KpiValue], nullable: { list: false, items: true }, complexity: { field: 1, multiplier: 1 }, resolve: (f) => f.values }),
    cursor: t.exposeString('cursor', { description: 'Pass as `since` next time to get only what changed after this page.' }),
    hasMore: t.exposeBoolean('hasMore', { description: 'More changes wait: ask again with `since: cursor` now.' }),
  }),
});

builder.queryField('changes', (t) =>
  t.field({
    type: KpiChangeFeed,
    nullable: true,
    authScopes: { reader: true },
    // A change of a series can be up to three values (MEMBERS is the denominator of three KPIs).
    complexity: (args) => ({ field: 1, multiplier: 3 * Math.min(args.first ?? 1000, MAX_CHANGES) }),
    description:
      'For partner syncs, the KPI values (for `period`) of the units at `level`. Without `since`: a full sync, every value of every unit at `level` that lived during the period, zeros included (what the export lists), a page of units at a time by code. With `since`: the values of the units whose data changed after that cursor. Store `cursor` and pass it back: while `hasMore`, it gives the next page; once a full sync is through, it gives only what changed since the full sync began (a value changed during it comes again). Only the units and KPIs this caller reads are listed (a partner key: its subtree and its KPIs).',
    args: {
      since: t.arg.string({ required: false }),
      period: t.arg.string({ required: true }),
      level: t.arg({ type: UnitLevelEnum, required: false, defaultValue: 'COMMUNE' }),
      kpis: t.arg({ type: [KpiIdEnum], required: false }),
      first: t.arg.int({ required: false, defaultValue: 1000, description: `Changes per page, at most ${MAX_CHANGES}.` }),
      view: t.arg(VIEW_ARG),
    },
    resolve: async (_root, args, ctx, info) => {
      const period = periodArg(args.period);
      // Left out (or null): a full sync. Any text given must be a cursor, the empty one included.
      const cursor: Cursor = args.since != null ? decodeCursor(args.since) : { seq: -1, fullAfter: '' };
      pageSize(args.first, MAX_CHANGES);
      const first = args.first ?? 1000;
      const level: UnitLevel = args.level ?? 'COMMUNE';
      const view = args.view ?? 'AS_OF_THEN';
      if (!UNIT_LEVELS.includes(level)) throw badInput('level', 'unknown level');
      const kpis = [...new Set(args.kpis ?? KPIS.map((k) => k.id))].filter((id) => ctx.access.readsKpi(id)).map(kpiDefinition);
      const roots = ctx.access.readRoots();
      if (cursor.fullAfter !== undefined) {
        // A full sync: the change number it starts from is the last one before its first page.
        const start =
          cursor.seq >= 0 ? cursor.seq : Number((await rows<{ seq: string | number }>(ctx.db, sql`SELECT coalesce(max(seq), 0) AS seq FROM kpi_as_of`))[0]!.seq);
        const perPage = Math.max(1, Math.floor(first / Math.max(1, kpis.length)));
        if (roots?.length === 0) return { values: [], cursor: encodeCursor(start), hasMore: false };
        const found = await livingUnitsPage(ctx.db, level, roots === null ? null : roots[0]!, period, cursor.fullAfter, perPage + 1, view);
        const page = found.slice(0, perPage);
        const more = found.length > perPage;
        return {
          values: page.flatMap((u) => kpis.map((k) => loadValue(ctx, u, k.id, period, info, view))),
          cursor: more ? encodeCursor(start, page.at(-1)!.code) : encodeCursor(start),
          hasMore: more,
        };
      }
      const since = cursor.seq;
      const bySeries = new Map<Series, KpiId[]>();
      for (const k of kpis) {
        for (const s of k.series) bySeries.set(s, [...(bySeries.get(s) ?? []), k.id]);
      }
      const found = await rows<{ unit_id: number; series: Series; seq: string | number }>(
        ctx.db,
        sql`SELECT a.unit_id, a.series, a.seq FROM kpi_as_of a JOIN units u ON u.id = a.unit_id
             WHERE a.seq > ${since} AND u.level = ${level} AND a.series = ANY(${`{${[...bySeries.keys()].join(',')}}`}::text[])
               ${roots === null ? sql`` : sql`AND u.path && ${`{${roots.join(',')}}`}::int[]`}
             ORDER BY a.seq LIMIT ${first + 1}`,
      );
      const page = found.slice(0, first);
      const pairs = new Map<string, { unitId: number; kpi: KpiId }>();
      for (const r of page) for (const kpi of bySeries.get(r.series) ?? []) pairs.set(`${r.unit_id}|${kpi}`, { unitId: r.unit_id, kpi });
      const units = await ctx.loaders.unitById.loadMany([...new Set([...pairs.values()].map((p) => p.unitId))]);
      const unitById = new Map(units.filter((u): u is UnitRow => !!u && !(u instanceof Error)).map((u) => [u.id, u]));
      const last = page.at(-1);
      return {
        values: [...pairs.values()].map((p) => loadValue(ctx, unitById.get(p.unitId)!, p.kpi, period, info, view)),
        cursor: encodeCursor(last ? Number(last.seq) : since),
        hasMore: found.length > first,
      };
    },
  }),
);
