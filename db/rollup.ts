// Roll-ups that stay fresh. Every series is a count that changes by signed steps at
// instants: a member joining adds +1 to MEMBERS at the instant they join and −1 at the
// instant they leave; an app activation adds +1 to MEMBERS_APP, and so on. A value at a
// Vietnam midnight E is the sum of the steps before E, and every E is a Vietnam midnight,
// so bucketing steps by Vietnam day (month, year) is exact.
//
// Each source of data derives its steps in one SQL query (`events`), for any selection of
// its rows. A write subtracts the steps of the rows it touches, writes, and adds their
// steps again, in the same transaction: O(depth of the tree) roll-up rows per step. The
// rebuild applies the same queries to every row, so incremental and rebuilt roll-ups are
// made by one definition.
//
// "Active at End" for an interval [s, e) (e null: open) is s < End ≤ e: a step +1 at s
// and −1 at e, emitted only when s < e. Intervals are clipped to the life of the unit
// that holds them (a unit closed before End, and what it held, no longer count).
// GREATEST and LEAST skip NULLs, so a missing end stays "open" and a missing start is
// filtered out before it reaches them.
import { sql, type SQL } from 'drizzle-orm';
import { SERIES } from '../domain/catalogue.js';
import { intArray, preparedRows, rows, type Db } from './client.js';
import { STRIPES } from './schema.js';
import { commonTables, flowAmounts, seriesOfSource, SOURCES, stockIntervals, type Source } from './series.js';

export { SOURCES, type Source };

/**
 * Which rows of each source a change touches, as SQL conditions on the source's alias:
 * members `m`, units `u`, rosters (by team) `t`, products `p`, relics `r`, reports `a`.
 */
export type Selection = Partial<Record<Source, SQL>>;

/** Steps (unit_id, series, variant, at, delta) of an interval [s, e) per row of `intervals`: one pass, two steps a row. */
const steps = (intervals: SQL) => sql`
  SELECT i.unit_id, i.series, i.variant, x.at, x.delta
    FROM (${intervals}) i CROSS JOIN LATERAL (VALUES (i.s, 1), (i.e, -1)) AS x(at, delta)
   WHERE i.s IS NOT NULL AND (i.e IS NULL OR i.s < i.e) AND x.at IS NOT NULL`;

/**
 * Turns overlapping intervals per unit into the steps of "at least one is active":
 * +1 where the count of active intervals goes from 0 to more, −1 where it returns to 0.
 */
const anyActive = (intervals: SQL, series: string) => sql`
  SELECT unit_id, ${series}::text AS series, 0 AS variant, at, CASE WHEN c > 0 THEN 1 ELSE -1 END AS delta
    FROM (
      SELECT unit_id, at, d, sum(d) OVER (PARTITION BY unit_id ORDER BY at) AS c
        FROM (SELECT unit_id, at, sum(delta) AS d FROM (${steps(intervals)}) x GROUP BY unit_id, at) g
    ) r
   WHERE (c > 0) <> (c - d > 0)`;

/**
 * The steps (unit_id, series, variant, at, delta) of every series of the catalogue whose
 * records the source's rows selected by `where` hold: intervals counted record by record
 * in one pass, units with at least one record each by its own, flows as their amounts.
 */
function events(source: Source, where: SQL): SQL {
  const ids = seriesOfSource(source);
  const each: string[] = [];
  const parts: SQL[] = [];
  for (const id of ids) {
    const def = SERIES.get(id)!;
    if (def.type === 'FLOW') parts.push(flowAmounts(id, where));
    else if (def.count === 'units') parts.push(anyActive(stockIntervals(id, where), id));
    else each.push(id);
  }
  if (each.length) parts.unshift(steps(sql.join(each.map((id) => stockIntervals(id, where)), sql` UNION ALL `)));
  if (parts.length === 0) return sql`SELECT NULL::int AS unit_id, NULL::text AS series, 0 AS variant, NULL::timestamptz AS at, 0 AS delta WHERE FALSE`;
  const common = commonTables(ids, where);
  return sql`${common ? sql`WITH ${common} ` : sql``}${sql.join(parts, sql` UNION ALL `)}`;
}

/**
 * Adds (sign +1) or takes away (sign −1) the steps of the selected rows to the roll-ups of
 * every unit above the rows' units: one statement per source. Steps are summed per leaf
 * unit and day first, then per month before they are spread over the ancestors (a
 * branch's own values are computed from the base tables, so branches get no roll-up
 * rows), and per day only for the Central Committee and provinces.
 */
export async function applyEvents(db: Db, selection: Selection, sign: 1 | -1, only?: { view: 1 }): Promise<void> {
  for (const source of SOURCES) {
    const where = selection[source];
    if (!where) continue;
    await db.execute(applyLeaves(sql`
      SELECT e.unit_id, e.series, e.variant, (e.at AT TIME ZONE INTERVAL '+07:00')::date AS day, sum(e.delta) * ${sign}::int AS delta
        FROM (${events(source, where)}) e
       GROUP BY 1, 2, 3, 4`, undefined, only?.view));
  }
}

/**
 * What CURRENT_TREE adds for the members and reports of the units whose facts it restates
 * (closed units): a bulk load sums AS_OF_THEN in memory, and these with this.
 */
export function addCurrentTreeOfMembersAndReports(db: Db): Promise<void> {
  const restated = sql`SELECT DISTINCT unit_id FROM unit_ancestry WHERE view = 1`;
  return applyEvents(db, { members: membersEverIn(restated), reports: heldBy(restated).reports }, 1, { view: 1 });
}

/** The copy of the roll-up rows this connection adds to (db/schema.ts, STRIPES). */
const stripe = sql.raw(`(pg_backend_pid() % ${STRIPES})::smallint`);

/** The flow series: their steps count only for the units above them on their date. */
const FLOWS = sql.raw(`'{${[...SERIES].filter(([, d]) => d.type === 'FLOW').map(([id]) => id).join(',')}}'::text[]`);
/**
 * An instant of unit_ancestry as a Vietnam day: the day it falls in (a stock is counted at
 * a midnight E when the bound is before E, so on the days after that day), and the first
 * day at or after it (a flow on day t, at its midnight, falls in the segment when t is).
 */
const vnDay = (column: string) => sql.raw(`(${column} AT TIME ZONE INTERVAL '+07:00')::date`);
const vnDayUp = (column: string) => sql.raw(`((${column} - INTERVAL '1 microsecond') AT TIME ZONE INTERVAL '+07:00')::date + 1`);

/**
 * One statement that adds leaf steps (unit_id, series, variant, day, delta) to the roll-ups
 * of every unit the leaf counts toward (unit_ancestry, both views), and stamps `kpi_as_of`.
 * Over a segment [f, g) of the tree a stock's step at day t reaches the unit as +delta at
 * max(t, f) and −delta at g (when max(t, f) < g): what the leaf had gathered moves with it
 * on the day it moves. A flow's step reaches the units above it on its own day only.
 * Rows are upserted in key order, table by table, so two writers lock the rows they share
 * in one order; writers on other connections mostly add to other copies of them, and do
 * not wait.
 */
function applyLeaves(leaves: SQL, also?: SQL, view?: 1): SQL {
  return sql`
      WITH ${also ? sql`also AS (${also}), ` : sql``}leaf AS MATERIALIZED (${leaves}),
      -- The units each leaf counts toward (no branch keeps roll-ups), each segment's bounds as days; a plain row is unbounded.
      xa AS MATERIALIZED (
        SELECT x.unit_id, x.view, x.ancestor_id, a.level, x.sign, x.from_at IS NULL AND x.to_at IS NULL AS plain,
               ${vnDay('x.from_at')} AS f, ${vnDay('x.to_at')} AS g, ${vnDayUp('x.from_at')} AS fu, ${vnDayUp('x.to_at')} AS gu
          FROM unit_ancestry x JOIN units a ON a.id = x.ancestor_id AND a.level <> 'BRANCH'
         WHERE x.unit_id IN (SELECT DISTINCT unit_id FROM leaf)${view === undefined ? sql`` : sql` AND x.view = ${view}`}
      ),
      -- Steps through bounded segments, moved to where the segment says, by day.
      dated AS MATERIALIZED (
        SELECT xa.ancestor_id AS unit_id, xa.level, xa.view, l.series, l.variant, s.day, l.delta * xa.sign * s.k AS delta
          FROM (SELECT *, series = ANY(${FLOWS}) AS flow FROM leaf) l JOIN xa ON xa.unit_id = l.unit_id AND NOT xa.plain
          CROSS JOIN LATERAL (VALUES
            (CASE WHEN l.flow THEN CASE WHEN (xa.fu IS NULL OR l.day >= xa.fu) AND (xa.gu IS NULL OR l.day < xa.gu) THEN l.day END
                  WHEN xa.g IS NULL OR greatest(l.day, xa.f) < xa.g THEN greatest(l.day, xa.f) END, 1),
            (CASE WHEN NOT l.flow AND xa.g IS NOT NULL AND greatest(l.day, xa.f) < xa.g THEN xa.g END, -1)) AS s(day, k)
         WHERE s.day IS NOT NULL
      ),
      -- Through unbounded segments a leaf's steps count as they are: summed by month before they are spread.
      mo AS MATERIALIZED (
        SELECT unit_id, view, series, variant, month, sum(delta) AS delta
          FROM (SELECT xa.ancestor_id AS unit_id, xa.view, l.series, l.variant, l.month, l.delta * xa.sign AS delta
                  FROM (SELECT unit_id, series, variant, date_trunc('month', day)::date AS month, sum(delta) AS delta FROM leaf GROUP BY 1, 2, 3, 4) l
                  JOIN xa ON xa.unit_id = l.unit_id AND xa.plain
                UNION ALL
                SELECT unit_id, view, series, variant, date_trunc('month', day)::date, delta FROM dated) z
         GROUP BY 1, 2, 3, 4, 5
      ),
      y AS (
        INSERT INTO kpi_rollup_year (unit_id, series, variant, view, year, stripe, delta)
        SELECT unit_id, series, variant, view, extract(year FROM month)::int, ${stripe}, sum(delta) FROM mo
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (unit_id, series, variant, view, year, stripe) DO UPDATE SET delta = kpi_rollup_year.delta + excluded.delta
      ),
      m AS (
        INSERT INTO kpi_rollup_month (unit_id, series, variant, view, month, stripe, delta)
        SELECT unit_id, series, variant, view, month, ${stripe}, delta FROM mo ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (unit_id, series, variant, view, month, stripe) DO UPDATE SET delta = kpi_rollup_month.delta + excluded.delta
      ),
      d AS (
        INSERT INTO kpi_rollup_day (unit_id, series, variant, view, day, stripe, delta)
        SELECT unit_id, series, variant, view, day, ${stripe}, sum(delta)
          FROM (SELECT xa.ancestor_id AS unit_id, xa.view, l.series, l.variant, l.day, l.delta * xa.sign AS delta
                  FROM leaf l JOIN xa ON xa.unit_id = l.unit_id AND xa.plain AND xa.level IN ('CENTRAL', 'PROVINCE')
                UNION ALL
                SELECT unit_id, view, series, variant, day, delta FROM dated WHERE level IN ('CENTRAL', 'PROVINCE')) z
         GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (unit_id, series, variant, view, day, stripe) DO UPDATE SET delta = kpi_rollup_day.delta + excluded.delta
      )
      INSERT INTO kpi_as_of (unit_id, series, stripe, changed_at)
      SELECT DISTINCT x.ancestor_id, l.series, ${stripe}, now()
        FROM (SELECT DISTINCT unit_id, series FROM leaf) l JOIN unit_ancestry x ON x.unit_id = l.unit_id
       ORDER BY 1, 2
      ON CONFLICT (unit_id, series, stripe) DO UPDATE SET changed_at = excluded.changed_at, seq = nextval('kpi_change_seq')`;
}

/** The members in one of a set of units (SQL yielding unit ids) now or at some earlier time. */
const membersEverIn = (unitIds: SQL) =>
  sql`(m.unit_id IN (${unitIds}) OR m.id IN (SELECT member_id FROM member_unit_history WHERE unit_id IN (${unitIds})))`;

/** Each source's rows held by units in a set (given as SQL yielding unit ids). */
function heldBy(unitIds: SQL): Selection {
  return {
    members: sql`m.unit_id IN (${unitIds})`,
    units: sql`u.id IN (${unitIds})`,
    rosters: sql`t.unit_id IN (${unitIds})`,
    products: sql`p.unit_id IN (${unitIds})`,
    relics: sql`r.unit_id IN (${unitIds})`,
    reports: sql`a.unit_id IN (${unitIds})`,
  };
}

/**
 * Rebuilds every roll-up from the base tables, a province at a time (the parts are
 * disjoint and steps add up, so the sum is the whole), reporting progress. With `sources`
 * and `truncate: false`, adds the steps of those sources only (a bulk load sums the steps
 * of members and reports itself); `whole: true` takes each source in one statement, which
 * is faster when the sources are small (everything but members).
 */
export async function rebuildRollups(
  db: Db,
  onProgress?: (done: number, total: number) => void,
  options: { sources?: Source[]; truncate?: boolean; whole?: boolean } = {},
): Promise<void> {
  if (options.truncate ?? true) await db.execute(sql`TRUNCATE kpi_rollup_year, kpi_rollup_month, kpi_rollup_day`);
  const sources = options.sources ?? SOURCES;
  if (options.whole) {
    const all = heldBy(sql`SELECT id FROM units`);
    for (const [i, source] of sources.entries()) {
      await applyEvents(db, { [source]: all[source] }, 1);
      onProgress?.(i + 1, sources.length);
    }
    return;
  }
  const provinces = await rows<{ id: number }>(db, sql`SELECT id FROM units WHERE level = 'PROVINCE' ORDER BY id`);
  const parts = [
    ...provinces.map((p) => sql`SELECT id FROM units WHERE path @> ARRAY[${p.id}::int]`),
    sql`SELECT id FROM units WHERE NOT path && ARRAY(SELECT id FROM units WHERE level = 'PROVINCE')`,
  ];
  for (const [i, part] of parts.entries()) {
    const selection = heldBy(part);
    await applyEvents(db, Object.fromEntries(sources.map((s) => [s, selection[s]])), 1);
    onProgress?.(i + 1, parts.length);
  }
}

/** The steps of a selection's rows as (unit, series, variant, Vietnam day, delta), one statement for every source. */
function stepsOf(selection: Selection): SQL | null {
  const parts = SOURCES.filter((s) => selection[s]).map((s) => sql`SELECT * FROM (${events(s, selection[s]!)}) ev`);
  if (parts.length === 0) return null;
  return sql`SELECT e.unit_id, e.series, e.variant, (e.at AT TIME ZONE INTERVAL '+07:00')::date AS day, e.delta
               FROM (${sql.join(parts, sql` UNION ALL `)}) e`;
}

type Steps = { unit_id: number; series: string; variant: number; day: string; delta: string | number }[];

/** The leaf steps of a selection, summed by (unit, series, variant, Vietnam day). */
async function leafSteps(db: Db, selection: Selection): Promise<Steps> {
  const steps = stepsOf(selection);
  if (!steps) return [];
  return preparedRows(db, sql`SELECT unit_id, series, variant, to_char(day, 'YYYY-MM-DD') AS day, sum(delta) AS delta FROM (${steps}) s GROUP BY 1, 2, 3, 4`);
}

/**
 * Runs a write so that the roll-ups change with it: the steps of `selection` are read
 * before it, and after it one statement reads them again and adds only the difference.
 * The roll-up rows (the Central Committee's are shared by every write) are so locked for
 * the last moment of the transaction only, and a write that changes no step (a rename, a
 * birth year, the same report again) touches none and leaves `kpi_as_of` as it was.
 */
export async function withRollups<T>(db: Db, selection: Selection, write: () => Promise<T>): Promise<T> {
  // A change still to apply reads the steps as they are now: it goes first.
  await settleRollups(db);
  const before = await leafSteps(db, selection);
  const result = await write();
  const after = stepsOf(selection);
  if (!after) return result;
  const column = <K extends keyof Steps[number]>(key: K) => `{${before.map((b) => (key === 'series' ? `"${b[key]}"` : String(b[key]))).join(',')}}`;
  const change = sql`
      SELECT unit_id, series, variant, day, sum(delta) AS delta
        FROM (${after}
              UNION ALL
              SELECT unit_id, series, variant, day, -delta
                FROM unnest(${column('unit_id')}::int[], ${column('series')}::text[], ${column('variant')}::smallint[], ${column('day')}::date[], ${column('delta')}::bigint[])
                  AS b(unit_id, series, variant, day, delta)) x
       GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0`;
  if (deferring.has(db)) pending.set(db, change);
  else await preparedRows(db, applyLeaves(change));
  return result;
}

/** Transactions whose roll-up change waits for their last statement (a mutation's: see `deferRollups`). */
const deferring = new WeakSet<Db>();
/** The change each of them has still to apply. */
const pending = new WeakMap<Db, SQL>();

/**
 * Lets a transaction apply its roll-up change with its last statement (the mutation's audit
 * row, `settleRollups`): one statement less a write. It must settle before it commits.
 */
export function deferRollups(tx: Db): void {
  deferring.add(tx);
}

/** Whether a transaction defers its roll-up change: a mutation's (db/writes.ts, lockMutation). */
export const defersRollups = (tx: Db): boolean => deferring.has(tx);

/** Applies a transaction's waiting roll-up change, with `also` (a statement of its own) in the same statement. */
export async function settleRollups(db: Db, also?: SQL): Promise<void> {
  const change = pending.get(db);
  pending.delete(db);
  if (change) await preparedRows(db, applyLeaves(change, also));
  else if (also) await db.execute(also);
}

/**
 * `u.id IN (…)`: the units that are or were above (or are) the holders of what the given
 * units hold, at any time. Teams count for the commune above them, and a unit's model and
 * team coverage for itself: a write of a model or team on these units reads those.
 */
export const unitsEverAbove = (unitIds: Iterable<number>) =>
  sql`u.id IN (SELECT x.ancestor_id FROM unit_holders h JOIN unit_ancestry x ON x.unit_id = h.holder_id AND x.view = 0 WHERE h.unit_id = ANY(${intArray(unitIds)}))`;

/**
 * Everything whose steps a change of the tree at `roots` can move (their lives, parents,
 * successors, who holds what they hold): what the units below them at any time hold, and
 * the units whose line of successors reaches one of those (unit_tree_affected); and the
 * units above any of those, or above `also` (a new parent, a successor), for teams.
 * Read once, before the change, so that the steps taken away before it and added after it
 * are those of the same rows.
 */
export async function treeSelection(db: Db, roots: Iterable<number>, also: Iterable<number> = []): Promise<Selection> {
  const found = await rows<{ id: number; held: boolean }>(
    db,
    sql`WITH a AS (SELECT unnest(unit_tree_affected(${intArray(roots)})) AS id)
        SELECT id, true AS held FROM a
        UNION SELECT x.ancestor_id, false FROM unit_ancestry x
         WHERE x.view = 0 AND x.unit_id IN (SELECT id FROM a UNION SELECT unnest(${intArray(also)}))`,
  );
  // A subtree holds thousands of units: `IN (SELECT unnest(…))` is hashed once, where `= ANY(…)` would read the array for every row.
  const held = sql`SELECT unnest(${intArray(found.filter((r) => r.held).map((r) => Number(r.id)))})`;
  const units = sql`SELECT unnest(${intArray(new Set(found.map((r) => Number(r.id))))})`;
  return { ...heldBy(held), members: membersEverIn(held), units: heldBy(units).units };
}

/**
 * Runs a change of the tree so that the roll-ups change with it, in both views: the steps
 * of everything it can move are taken away before (as the tree stood) and added after (as
 * it stands). Only the subtrees involved are read again, not the whole tree.
 */
export async function withTreeChange<T>(db: Db, roots: Iterable<number>, also: Iterable<number>, change: () => Promise<T>): Promise<T> {
  await settleRollups(db);
  const selection = await treeSelection(db, roots, also);
  await applyEvents(db, selection, -1);
  const result = await change();
  await applyEvents(db, selection, 1);
  return result;
}

/** The non-zero roll-up values (the sums of their copies), for comparing two roll-ups exactly. */
export async function rollupSnapshot(db: Db): Promise<string[]> {
  const found = await rows<{ k: string }>(
    db,
    sql`SELECT 'y|' || unit_id || '|' || series || '|' || variant || '|' || view || '|' || year || '|' || sum(delta) AS k FROM kpi_rollup_year GROUP BY unit_id, series, variant, view, year HAVING sum(delta) <> 0
        UNION ALL SELECT 'm|' || unit_id || '|' || series || '|' || variant || '|' || view || '|' || month || '|' || sum(delta) FROM kpi_rollup_month GROUP BY unit_id, series, variant, view, month HAVING sum(delta) <> 0
        UNION ALL SELECT 'd|' || unit_id || '|' || series || '|' || variant || '|' || view || '|' || day || '|' || sum(delta) FROM kpi_rollup_day GROUP BY unit_id, series, variant, view, day HAVING sum(delta) <> 0
        ORDER BY 1`,
  );
  return found.map((r) => r.k);
}
