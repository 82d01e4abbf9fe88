// For partner systems: incremental pulls of KPI values (nightly sync). Aggregates only:
// values per unit, never a member.
import { sql } from 'drizzle-orm';
import { rows } from '../../db/client.js';
import { UNIT_LEVELS, type Series, type UnitLevel } from '../../db/schema.js';
import { builder } from '../builder.js';
import type { UnitRow } from '../context.js';
import { KpiIdEnum, KpiValue, loadValue, periodArg, type KpiValueShape } from '../dashboard/index.js';
import { badInput, pageSize } from '../errors.js';
import { KPIS, kpiDefinition, type KpiId } from '../kpi/registry.js';
import { UnitLevelEnum } from '../unit/index.js';

const CURSOR_PREFIX = 'kpi-changes:v1:';
const MAX_CHANGES = 10_000;

export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64url').toString();
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 0) throw badInput('since', 'is not a cursor returned by `changes`');
  return seq;
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
    complexity: (args) => ({ field: 1, multiplier: Math.min(args.first ?? 1000, MAX_CHANGES) }),
    description:
      'The KPI values (for `period`) of the units at `level` whose data changed since the cursor `since`; without `since`, every value. For nightly partner syncs: store `cursor` and pass it back. Only the units and KPIs this caller reads are listed (a partner key: its subtree and its KPIs).',
    args: {
      since: t.arg.string({ required: false }),
      period: t.arg.string({ required: true }),
      level: t.arg({ type: UnitLevelEnum, required: false, defaultValue: 'COMMUNE' }),
      kpis: t.arg({ type: [KpiIdEnum], required: false }),
      first: t.arg.int({ required: false, defaultValue: 1000, description: `Changes per page, at most ${MAX_CHANGES}.` }),
    },
    resolve: async (_root, args, ctx, info) => {
      const period = periodArg(args.period);
      const since = args.since ? decodeCursor(args.since) : 0;
      pageSize(args.first, MAX_CHANGES);
      const first = args.first ?? 1000;
      const level: UnitLevel = args.level ?? 'COMMUNE';
      if (!UNIT_LEVELS.includes(level)) throw badInput('level', 'unknown level');
      const kpis = (args.kpis ?? KPIS.map((k) => k.id)).filter((id) => ctx.access.readsKpi(id)).map(kpiDefinition);
      const roots = ctx.access.readRoots();
      const bySeries = new Map<Series, KpiId[]>();
      for (const k of kpis) {
        for (const s of [k.numeratorSeries, k.denominatorSeries]) if (s) bySeries.set(s, [...(bySeries.get(s) ?? []), k.id]);
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
        values: [...pairs.values()].map((p) => loadValue(ctx, unitById.get(p.unitId)!, p.kpi, period, info)),
        cursor: encodeCursor(last ? Number(last.seq) : since),
        hasMore: found.length > first,
      };
    },
  }),
);
