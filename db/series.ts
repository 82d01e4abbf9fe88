// The catalogue's series (domain/catalogue.ts) as SQL over the base tables. Each kind of
// record becomes rows (unit_id, s, e, and the fields the catalogue names, by their column
// names): the unit that holds the record and the record's life [s, e) clipped to that
// unit's life (e null: open). A unit closed by a merger or a split hands what it holds to
// its successor (unit_holders): a record is then a row per holder, each over its part. A
// series is then read off those rows in one of two ways:
//   - as intervals (unit_id, series, variant, s, e), for the roll-ups' signed steps
//     (db/rollup.ts): +1 at s and −1 at e;
//   - counted at an End, for the values computed directly (schema/kpi/compute.ts).
// So the roll-ups kept by writes, their rebuild and the direct values all read one
// declaration, and the bulk load (db/rollup-members.ts) reads the same one in memory.
import { sql, type SQL } from 'drizzle-orm';
import { SERIES, type FlowRecords, type Series, type SeriesDefinition, type StockRecords } from '../domain/catalogue.js';

export type Records = StockRecords | FlowRecords;

/** The tables a write names the rows it touches by (db/rollup.ts, `Selection`), each with its alias in the conditions. */
export type Source = 'members' | 'units' | 'rosters' | 'products' | 'relics' | 'reports';
export const SOURCES: Source[] = ['members', 'units', 'rosters', 'products', 'relics', 'reports'];

/** The source whose rows hold each kind of record: members `m`, units `u`, rosters (by team) `t`, products `p`, relics `r`, reports `a`. */
export const SOURCE_OF: Record<Records, Source> = {
  members: 'members',
  evaluations: 'members',
  branches: 'units',
  communes: 'units',
  models: 'units',
  teams: 'units',
  rosters: 'rosters',
  products: 'products',
  relics: 'relics',
  reports: 'reports',
};

/** A record field's column: `digitizedAt` is `digitized_at`. */
export const columnOf = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const col = (alias: string, field: string) => sql.raw(`${alias}.${columnOf(field)}`);

/** The fields a series reads off its records. */
function fieldsOf(def: SeriesDefinition): string[] {
  if (def.type === 'STOCK') return [...(def.from ?? []), ...(def.byEvaluationYear ? ['year'] : [])];
  return [def.on, ...(def.amount ? [def.amount] : [])];
}

/** The fields of `records` that any series of the catalogue reads. */
function fieldsOfRecords(records: Records): string[] {
  const out = new Set<string>();
  for (const def of SERIES.values()) if (def.records === records) for (const f of fieldsOf(def)) out.add(f);
  return [...out];
}

const list = (items: SQL[]) => (items.length ? sql`, ${sql.join(items, sql`, `)}` : sql``);
/** ` AND column IN (…)`, when there is a holder to keep to: the units whose things one of `holder`'s units holds at some time. */
const heldBy = (holder: SQL | null, column: string) =>
  holder ? sql` AND ${sql.raw(column)} IN (SELECT unit_id FROM unit_holders WHERE holder_id IN (${holder}))` : sql``;
/** The holders of what the unit `column` names holds, each over its part: `h.holder_id`, from `h.from_at` to `h.to_at`. */
const holders = (column: string) => sql.raw(`JOIN unit_holders h ON h.unit_id = ${column}`);

/**
 * The rows of a kind of record selected by `where` (a condition on the source's alias) and,
 * when `holder` is given, held by one of the units it yields. Members and evaluations read
 * the placements `pl` (`placements` below), a common table of their statement.
 */
function recordRows(records: Records, where: SQL, holder: SQL | null): SQL {
  const held = (column: string) => heldBy(holder, column);
  const fields = fieldsOfRecords(records);
  switch (records) {
    case 'members':
      return sql`SELECT pl.unit_id, pl.s, pl.e${list(fields.map((f) => col('pl', f)))} FROM pl`;
    case 'evaluations':
      return sql`SELECT pl.unit_id, pl.s, pl.e${list(fields.map((f) => col('ev', f)))}
                   FROM pl JOIN member_evaluations ev ON ev.member_id = pl.member_id`;
    case 'branches':
    case 'communes':
      return sql`SELECT u.id AS unit_id, u.valid_from AS s, u.valid_to AS e FROM units u
                  WHERE u.level = ${records === 'branches' ? 'BRANCH' : 'COMMUNE'} AND ${where}${held('u.id')}`;
    case 'models':
      return sql`SELECT h.holder_id AS unit_id, greatest(d.established_at, h.from_at) AS s, least(d.ended_at, h.to_at) AS e${list(fields.map((f) => col('d', f)))}
                   FROM units u JOIN digital_models d ON d.unit_id = u.id ${holders('u.id')}
                  WHERE u.level = 'BRANCH' AND ${where}${held('u.id')}`;
    case 'teams':
      // A team counts for the commune it belongs to (u): the commune that holds it, or the
      // commune above the unit that holds it (h), at each time (x, the tree as it stood).
      return sql`SELECT u.id AS unit_id, greatest(t.established_at, h.from_at, x.from_at, u.valid_from) AS s,
                        least(t.disbanded_at, h.to_at, x.to_at, u.valid_to) AS e${list(fields.map((f) => col('t', f)))}
                   FROM teams t ${holders('t.unit_id')}
                   JOIN unit_ancestry x ON x.unit_id = h.holder_id AND x.view = 0 JOIN units u ON u.id = x.ancestor_id
                  WHERE u.level = 'COMMUNE' AND ${where}${held('u.id')}`;
    case 'rosters':
      return sql`SELECT h.holder_id AS unit_id, greatest(r.from_at, t.established_at, h.from_at) AS s,
                        least(r.to_at, t.disbanded_at, h.to_at) AS e${list(fields.map((f) => col('r', f)))}
                   FROM teams t JOIN team_roster r ON r.team_id = t.id ${holders('t.unit_id')}
                  WHERE ${where}${held('t.unit_id')}`;
    case 'products':
      return sql`SELECT h.holder_id AS unit_id, greatest(p.listed_at, h.from_at) AS s, least(p.delisted_at, h.to_at) AS e${list(fields.map((f) => col('p', f)))}
                   FROM startup_products p ${holders('p.unit_id')} WHERE ${where}${held('p.unit_id')}`;
    case 'relics':
      return sql`SELECT h.holder_id AS unit_id, h.from_at AS s, h.to_at AS e${list(fields.map((f) => col('r', f)))}
                   FROM relics r ${holders('r.unit_id')} WHERE ${where}${held('r.unit_id')}`;
    case 'reports':
      // A report's day is read as its Vietnam midnight; a report is never clipped by its unit's life.
      return sql`SELECT a.unit_id, NULL::timestamptz AS s, NULL::timestamptz AS e, a.kind,
                        (a.date::timestamp AT TIME ZONE INTERVAL '+07:00') AS date, a.count
                   FROM activity_reports a WHERE ${where}${held('a.unit_id')}`;
  }
}

/**
 * Each placement of the selected members (the current unit since unit_since, earlier ones
 * in the history), within the membership and the life of the unit, with the member fields
 * the series read.
 */
function placements(where: SQL, holder: SQL | null): SQL {
  const fields = fieldsOfRecords('members');
  const memberFields = list(fields.map((f) => col('m', f)));
  return sql`pl AS MATERIALIZED (
      SELECT x.member_id, h.holder_id AS unit_id, greatest(x.pf, h.from_at) AS s, least(x.pt, h.to_at) AS e${list(fields.map((f) => col('x', f)))}
        FROM (
          SELECT m.id AS member_id, m.unit_id, greatest(m.unit_since, m.joined_at) AS pf, m.left_at AS pt${memberFields}
            FROM members m WHERE ${where}${heldBy(holder, 'm.unit_id')}
          UNION ALL
          SELECT m.id, h.unit_id, greatest(h.from_at, m.joined_at), least(h.to_at, m.left_at)${memberFields}
            FROM member_unit_history h JOIN members m ON m.id = h.member_id WHERE ${where}${heldBy(holder, 'h.unit_id')}
        ) x ${holders('x.unit_id')})`;
}

/** The common tables the records of these series read. */
export function commonTables(series: readonly Series[], where: SQL, holder: SQL | null = null): SQL | null {
  const placed = series.some((id) => ['members', 'evaluations'].includes(SERIES.get(id)!.records));
  return placed ? placements(where, holder) : null;
}

/** A stock series as intervals (unit_id, series, variant, s, e): one row per record (a record lacking a `from` instant has none). */
export function stockIntervals(id: Series, where: SQL, holder: SQL | null = null): SQL {
  const def = SERIES.get(id)!;
  if (def.type !== 'STOCK') throw new Error(`${id} is a flow`);
  const from = def.from ?? [];
  const start = from.length ? sql`greatest(b.s, ${sql.join(from.map((f) => col('b', f)), sql`, `)})` : sql`b.s`;
  const set = from.map((f) => sql` AND ${col('b', f)} IS NOT NULL`);
  return sql`SELECT b.unit_id, ${id}::text AS series, ${def.byEvaluationYear ? sql`b.year` : sql`0`} AS variant, ${start} AS s, b.e
               FROM (${recordRows(def.records, where, holder)}) b WHERE TRUE${sql.join(set, sql``)}`;
}

/** A flow series as amounts (unit_id, series, variant, at, delta): one row per record, at its instant, within the record's life. */
export function flowAmounts(id: Series, where: SQL, holder: SQL | null = null): SQL {
  const def = SERIES.get(id)!;
  if (def.type !== 'FLOW') throw new Error(`${id} is a stock`);
  const on = col('b', def.on);
  return sql`SELECT b.unit_id, ${id}::text AS series, 0 AS variant, ${on} AS at, ${def.amount ? col('b', def.amount) : sql`1`} AS delta
               FROM (${recordRows(def.records, where, holder)}) b
              WHERE ${on} IS NOT NULL AND (b.s IS NULL OR ${on} >= b.s) AND (b.e IS NULL OR ${on} < b.e)
                ${def.reportKind ? sql`AND b.kind = ${def.reportKind}` : sql``}`;
}

/** The series whose records a source holds, in catalogue order. */
export const seriesOfSource = (source: Source): Series[] => [...SERIES].filter(([, d]) => SOURCE_OF[d.records] === source).map(([id]) => id);
