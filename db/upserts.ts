// What a row of each record kind is, written once: its columns, its key, and the upsert that
// writes a list of them. An import batch writes many rows a statement, a mutation one
// (db/writes.ts); both keep the roll-ups with their own selection around the write. A
// stored row equal to the one sent is not written again.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from './client.js';

/** A row as json_to_recordset reads it: columns by name, instants as ISO text. `line` names the record it came from, where there is one. */
export type RowOf<K extends string> = { line?: number } & Partial<Record<K, string | number | null>>;

export interface Spec<K extends string> {
  table: string;
  /** Columns of a row and their types, in order; the first is the key (external_id) where there is one. */
  columns: Record<K, string>;
  /** Columns an update sets (all but the key). */
  fields: K[];
}

const spec = <K extends string>(table: string, columns: Record<K, string>, fields: NoInfer<K>[]): Spec<K> => ({ table, columns, fields });

/** `unit_since` is read only when the member changes unit: the instant of the transfer (`writeMembers`). */
export const MEMBER = spec(
  'members',
  {
    external_id: 'text',
    unit_id: 'int',
    joined_at: 'timestamptz',
    left_at: 'timestamptz',
    birth_year: 'smallint',
    gender: 'text',
    digitized_at: 'timestamptz',
    app_activated_at: 'timestamptz',
    unit_since: 'timestamptz',
  },
  ['unit_id', 'joined_at', 'left_at', 'birth_year', 'gender', 'digitized_at', 'app_activated_at'],
);
export const MODEL = spec(
  'digital_models',
  { external_id: 'text', unit_id: 'int', kind: 'text', established_at: 'timestamptz', effective_from: 'timestamptz', ended_at: 'timestamptz' },
  ['unit_id', 'kind', 'established_at', 'effective_from', 'ended_at'],
);
export const TEAM = spec('teams', { external_id: 'text', unit_id: 'int', established_at: 'timestamptz', disbanded_at: 'timestamptz' }, ['unit_id', 'established_at', 'disbanded_at']);
export const PRODUCT = spec(
  'startup_products',
  { external_id: 'text', unit_id: 'int', name: 'text', listed_at: 'timestamptz', delisted_at: 'timestamptz' },
  ['unit_id', 'name', 'listed_at', 'delisted_at'],
);
export const RELIC = spec('relics', { external_id: 'text', unit_id: 'int', name: 'text', digitized_at: 'timestamptz' }, ['unit_id', 'name', 'digitized_at']);
export const REPORT = spec('activity_reports', { external_id: 'text', unit_id: 'int', kind: 'text', date: 'date', count: 'int' }, ['unit_id', 'kind', 'date', 'count']);
/** An evaluation names its member by id, or by the member-management software's id (`member`). */
export const EVALUATION = spec('member_evaluations', { member_id: 'int', member: 'text', year: 'smallint', recorded_at: 'timestamptz' }, ['recorded_at']);
/** A roster entry names its team by id, or by external id (`team`). */
export const ROSTER = spec('team_roster', { team_id: 'int', team: 'text', person: 'text', from_at: 'timestamptz', to_at: 'timestamptz' }, ['to_at']);

/** The row of each record kind. */
export type MemberRowIn = RowOf<keyof typeof MEMBER.columns>;
export type ModelRowIn = RowOf<keyof typeof MODEL.columns>;
export type TeamRowIn = RowOf<keyof typeof TEAM.columns>;
export type ProductRowIn = RowOf<keyof typeof PRODUCT.columns>;
export type RelicRowIn = RowOf<keyof typeof RELIC.columns>;
export type ReportRowIn = RowOf<keyof typeof REPORT.columns>;
export type EvaluationRowIn = RowOf<keyof typeof EVALUATION.columns>;
export type RosterRowIn = RowOf<keyof typeof ROSTER.columns>;

const json = (value: unknown[]) => sql`${JSON.stringify(value)}::json`;
/** `json_to_recordset(…) AS alias(line int, columns…)` */
export const recordset = <K extends string>(s: Spec<K>, staged: readonly object[], alias = 'x'): SQL =>
  sql`json_to_recordset(${json([...staged])}) AS ${sql.raw(`${alias}(line int, ${Object.entries(s.columns).map(([c, t]) => `${c} ${t}`).join(', ')})`)}`;
/** `(a.f1, a.f2) IS DISTINCT FROM (b.f1, b.f2)` */
export const differs = (a: string, b: string, fields: readonly string[]) =>
  sql.raw(`(${fields.map((f) => `${a}.${f}`).join(', ')}) IS DISTINCT FROM (${fields.map((f) => `${b}.${f}`).join(', ')})`);
const setAll = (fields: readonly string[]) => sql.raw(fields.map((f) => `${f} = excluded.${f}`).join(', '));
const cols = (fields: readonly string[], alias = '') => sql.raw(fields.map((f) => `${alias}${f}`).join(', '));

export interface Upserted {
  id: number;
  inserted: boolean;
}

/** Rows keyed by external_id: inserted, or stored ones updated where a field differs. */
export function upsertByExternalId<K extends string>(tx: Db, s: Spec<K>, staged: readonly RowOf<K>[]): Promise<Upserted[]> {
  return rows<Upserted>(
    tx,
    sql`INSERT INTO ${sql.identifier(s.table)} AS t (external_id, ${cols(s.fields)})
        SELECT x.external_id, ${cols(s.fields, 'x.')} FROM ${recordset(s, staged)}
        ON CONFLICT (external_id) DO UPDATE SET ${setAll(s.fields)}
        WHERE ${differs('t', 'excluded', s.fields)}
        RETURNING t.id, (t.xmax = 0) AS inserted`,
  );
}

/** A stored member whose row moves them or changes when they joined, and what that does. */
export interface MemberChange {
  line: number | null;
  id: number;
  /** Sent in another unit: the move's instant, ISO. */
  movedAt: string | null;
  /** `joined_at` sent, ISO, when it differs from the stored one. */
  joinedAt: string | null;
  /** Why the move is refused, or null. */
  problem: string | null;
}

/**
 * The stored members that rows move or re-date (`writeMembers`), one row each; with
 * `differing`, also those the rows change otherwise (with no move and no new joining): a
 * caller that reads which members a batch changes reads this once.
 */
export function memberChanges(staged: readonly MemberRowIn[], { differing = false } = {}): SQL {
  return sql`
    SELECT x.line, m.id,
           CASE WHEN m.unit_id <> x.unit_id THEN to_char(t.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS "movedAt",
           CASE WHEN m.joined_at <> x.joined_at THEN to_char(x.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS "joinedAt",
           CASE WHEN m.unit_id = x.unit_id THEN NULL
                WHEN t.at <= m.unit_since
                  THEN 'must be after ' || to_char(m.unit_since AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD"T"HH24:MI:SS"+07:00"') || ', when the member came into the unit stored for them'
                WHEN x.left_at IS NOT NULL AND t.at >= x.left_at
                  THEN CASE WHEN x.unit_since IS NULL THEN 'is required: the member has left, and a move of a member who has left needs its instant'
                            ELSE 'must be before leftAt' END
           END AS problem
      FROM ${recordset(MEMBER, staged)} JOIN members m ON m.external_id = x.external_id
      CROSS JOIN LATERAL (SELECT coalesce(x.unit_since, now()) AS at) t
     WHERE ${differing ? differs('m', 'x', MEMBER.fields) : sql`m.unit_id <> x.unit_id OR m.joined_at <> x.joined_at`}`;
}

/**
 * Members keyed by external_id; a new one is placed in its unit from joining. A stored member
 * sent in another unit moves first: the placement they had ends, in their unit history, and
 * the new one starts at the row's `unit_since`, or without one at the moment the transaction
 * writes it (a file that says only where a member is now moves them from now on, and the
 * past stays as it was). A move must come after the member came into the unit they leave,
 * and before they left, else it is refused (a member who has left moves only with the
 * instant of the move): nothing is written and the refused moves are returned. With
 * `refuse: false` (a caller that checked its input already) moves are written whatever, and
 * the database's constraints refuse a bad one. Placements that began when the member joined
 * (the current one, or the first of the unit history) begin at the `joined_at` sent, so a
 * member counts somewhere on every day of the membership; a placement since a transfer stays
 * while it lies within the membership.
 */
export async function writeMembers(
  tx: Db,
  staged: readonly MemberRowIn[],
  options: { refuse?: boolean; changes?: readonly MemberChange[] } = {},
): Promise<{ refused: MemberChange[]; upserted: Upserted[] }> {
  const refuse = options.refuse ?? true;
  const changes = options.changes ?? (await rows<MemberChange>(tx, memberChanges(staged)));
  const refused = changes.filter((c) => c.problem);
  if (refuse && refused.length) return { refused, upserted: [] };
  const moving = changes.filter((c) => c.movedAt !== null || c.joinedAt !== null);
  if (moving.length) {
    // In one statement: the placements that began at joining begin at the new joining, and the moves.
    await tx.execute(sql`
      WITH c AS (SELECT * FROM json_to_recordset(${JSON.stringify(moving)}::json) AS v(id int, "movedAt" timestamptz, "joinedAt" timestamptz)),
      first_placement AS (
        UPDATE member_unit_history h SET from_at = c."joinedAt" FROM c JOIN members m ON m.id = c.id
         WHERE c."joinedAt" IS NOT NULL AND h.member_id = m.id AND h.from_at = m.joined_at
      ),
      moved AS (
        INSERT INTO member_unit_history (member_id, unit_id, from_at, to_at)
        SELECT m.id, m.unit_id, CASE WHEN m.unit_since = m.joined_at THEN coalesce(c."joinedAt", m.joined_at) ELSE m.unit_since END, c."movedAt"
          FROM c JOIN members m ON m.id = c.id WHERE c."movedAt" IS NOT NULL
      )
      UPDATE members m SET unit_since = c."movedAt" FROM c WHERE m.id = c.id AND c."movedAt" IS NOT NULL`);
  }
  const upserted = await rows<Upserted>(
    tx,
    sql`INSERT INTO members AS m (external_id, unit_since, ${cols(MEMBER.fields)})
        SELECT x.external_id, x.joined_at, ${cols(MEMBER.fields, 'x.')} FROM ${recordset(MEMBER, staged)}
        ON CONFLICT (external_id) DO UPDATE SET ${setAll(MEMBER.fields)}, updated_at = now(),
          unit_since = CASE WHEN m.unit_since = m.joined_at THEN excluded.joined_at
                            WHEN m.unit_since >= excluded.joined_at AND (excluded.left_at IS NULL OR m.unit_since < excluded.left_at) THEN m.unit_since
                            ELSE excluded.joined_at END
        WHERE ${differs('m', 'excluded', MEMBER.fields)}
        RETURNING m.id, (m.xmax = 0) AS inserted`,
  );
  return { refused: [], upserted };
}

/**
 * Activity reports: with an id, keyed by it; without one, a report is the unit's count for
 * a kind and day, and sent again it replaces the stored one (never adds).
 */
export async function upsertReports(tx: Db, staged: readonly ReportRowIn[]): Promise<Upserted[]> {
  const withId = staged.filter((r) => r.external_id != null);
  const withoutId = staged.filter((r) => r.external_id == null);
  const out: Upserted[] = [];
  if (withId.length) {
    out.push(
      ...(await rows<Upserted>(
        tx,
        sql`INSERT INTO activity_reports AS a (external_id, ${cols(REPORT.fields)})
            SELECT x.external_id, ${cols(REPORT.fields, 'x.')} FROM ${recordset(REPORT, withId)}
            ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE SET ${setAll(REPORT.fields)}
            WHERE ${differs('a', 'excluded', REPORT.fields)}
            RETURNING a.id, (a.xmax = 0) AS inserted`,
      )),
    );
  }
  if (withoutId.length) {
    out.push(
      ...(await rows<Upserted>(
        tx,
        sql`INSERT INTO activity_reports AS a (${cols(REPORT.fields)})
            SELECT ${cols(REPORT.fields, 'x.')} FROM ${recordset(REPORT, withoutId)}
            ON CONFLICT (unit_id, kind, date) WHERE external_id IS NULL DO UPDATE SET count = excluded.count
            WHERE a.count IS DISTINCT FROM excluded.count
            RETURNING a.id, (a.xmax = 0) AS inserted`,
      )),
    );
  }
  return out;
}

/** What an upsert of rows naming their parent (a member, a team) did: lines whose parent is unknown, counts, and the parents changed. */
export interface ChildUpsert {
  missing: number[] | null;
  inserted: number;
  updated: number;
  parents: number[] | null;
}

/**
 * Rows that name their parent by id (`parentId`) or by external id (`parentRef`), keyed by
 * the parent and `key`: inserted, or `field` replaced where it differs.
 */
async function upsertChildren<K extends string>(
  tx: Db,
  s: Spec<K>,
  staged: readonly RowOf<K>[],
  parent: { table: string; parentId: K; parentRef: K; key: K[]; field: K },
): Promise<ChildUpsert> {
  const { parentId, parentRef, key, field } = parent;
  const written = [parentId, ...key, field];
  const [r] = await rows<ChildUpsert>(
    tx,
    sql`WITH j AS (SELECT c.line, coalesce(c.${sql.raw(parentId)}, p.id) AS ${sql.raw(parentId)}, ${cols(written.slice(1), 'c.')}
                     FROM ${recordset(s, staged, 'c')} LEFT JOIN ${sql.identifier(parent.table)} p ON p.external_id = c.${sql.raw(parentRef)}),
        w AS (INSERT INTO ${sql.identifier(s.table)} AS v (${cols(written)})
              SELECT ${cols(written)} FROM j WHERE ${sql.raw(parentId)} IS NOT NULL
              ON CONFLICT (${cols([parentId, ...key])}) DO UPDATE SET ${setAll([field])}
              WHERE v.${sql.raw(field)} IS DISTINCT FROM excluded.${sql.raw(field)}
              RETURNING v.${sql.raw(parentId)} AS parent, (v.xmax = 0) AS inserted)
        SELECT (SELECT array_agg(line) FROM j WHERE ${sql.raw(parentId)} IS NULL) AS missing,
               (SELECT count(*) FILTER (WHERE inserted) FROM w)::int AS inserted,
               (SELECT count(*) FILTER (WHERE NOT inserted) FROM w)::int AS updated,
               (SELECT array_agg(DISTINCT parent) FROM w) AS parents`,
  );
  return r!;
}

/** A member's evaluation for a year: inserted, or its instant replaced. */
export const upsertEvaluations = (tx: Db, staged: readonly EvaluationRowIn[]) =>
  upsertChildren(tx, EVALUATION, staged, { table: 'members', parentId: 'member_id', parentRef: 'member', key: ['year'], field: 'recorded_at' });

/** A person's roster entry on a team from an instant: inserted, or its end replaced. */
export const upsertRoster = (tx: Db, staged: readonly RosterRowIn[]) =>
  upsertChildren(tx, ROSTER, staged, { table: 'teams', parentId: 'team_id', parentRef: 'team', key: ['person', 'from_at'], field: 'to_at' });
