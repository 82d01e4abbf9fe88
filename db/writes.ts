// Writes that keep the roll-ups fresh: each runs in a transaction, takes away the roll-up
// steps of what it touches, writes, and adds them back (db/rollup.ts), so a write is
// visible at every level on the next read. Invalid input is refused by the database's
// constraints, and the transaction leaves nothing behind.
import { sql } from 'drizzle-orm';
import { rows, type Db } from './client.js';
import { applyEvents, unitLifeSelection, withRollups } from './rollup.js';
import type { ReportKind } from './schema.js';

const ts = (d: Date | null | undefined) => (d == null ? null : d.toISOString());

function inTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => work(tx as unknown as Db));
}

async function one<T>(db: Db, query: ReturnType<typeof sql>): Promise<T> {
  const [row] = await rows<T>(db, query);
  if (!row) throw new Error('expected a row');
  return row;
}

export interface NewMember {
  externalId: string;
  unitId: number;
  joinedAt: Date;
  leftAt?: Date | null;
  digitizedAt?: Date | null;
  appActivatedAt?: Date | null;
}

export function addMember(db: Db, m: NewMember): Promise<number> {
  return inTransaction(db, async (tx) => {
    const { id } = await one<{ id: number }>(
      tx,
      sql`INSERT INTO members (external_id, unit_id, unit_since, joined_at, left_at, digitized_at, app_activated_at)
          VALUES (${m.externalId}, ${m.unitId}, ${ts(m.joinedAt)}, ${ts(m.joinedAt)}, ${ts(m.leftAt)}, ${ts(m.digitizedAt)}, ${ts(m.appActivatedAt)})
          RETURNING id`,
    );
    // A new member had no steps to take away: only add theirs.
    await applyEvents(tx, { members: sql`m.id = ${id}` }, 1);
    return id;
  });
}

export interface MemberPatch {
  leftAt?: Date | null;
  digitizedAt?: Date | null;
  appActivatedAt?: Date | null;
}

export function updateMember(db: Db, memberId: number, patch: MemberPatch): Promise<void> {
  const sets = [
    'leftAt' in patch ? sql`left_at = ${ts(patch.leftAt)}` : null,
    'digitizedAt' in patch ? sql`digitized_at = ${ts(patch.digitizedAt)}` : null,
    'appActivatedAt' in patch ? sql`app_activated_at = ${ts(patch.appActivatedAt)}` : null,
  ].filter((s) => s !== null);
  if (sets.length === 0) return Promise.resolve();
  return inTransaction(db, (tx) =>
    withRollups(tx, { members: sql`m.id = ${memberId}` }, async () => {
      await tx.execute(sql`UPDATE members SET ${sql.join(sets, sql`, `)}, updated_at = now() WHERE id = ${memberId}`);
    }),
  );
}

/** Moves a member to another unit from an instant on: they count in the old unit before it and in the new one from it. */
export function transferMember(db: Db, memberId: number, toUnitId: number, at: Date): Promise<void> {
  return inTransaction(db, (tx) =>
    withRollups(tx, { members: sql`m.id = ${memberId}` }, async () => {
      await tx.execute(sql`
        INSERT INTO member_unit_history (member_id, unit_id, from_at, to_at)
        SELECT id, unit_id, unit_since, ${ts(at)} FROM members WHERE id = ${memberId}`);
      await tx.execute(sql`UPDATE members SET unit_id = ${toUnitId}, unit_since = ${ts(at)}, updated_at = now() WHERE id = ${memberId}`);
    }),
  );
}

/** Records (or replaces) a member's evaluation for a year. */
export function recordEvaluation(db: Db, memberId: number, year: number, recordedAt: Date): Promise<void> {
  return inTransaction(db, (tx) =>
    withRollups(tx, { members: sql`m.id = ${memberId}` }, async () => {
      await tx.execute(sql`
        INSERT INTO member_evaluations (member_id, year, recorded_at) VALUES (${memberId}, ${year}, ${ts(recordedAt)})
        ON CONFLICT (member_id, year) DO UPDATE SET recorded_at = excluded.recorded_at`);
    }),
  );
}

/**
 * Closes a unit and every unit below it still open at that instant (a merger names the
 * successor). What they hold stops counting from then on; their flows stay where they were.
 */
export function closeUnit(db: Db, unitId: number, at: Date, successorId: number | null = null): Promise<void> {
  return inTransaction(db, (tx) =>
    withRollups(tx, unitLifeSelection(unitId), async () => {
      // Deepest first: a unit cannot close while a child is open.
      await tx.execute(sql`
        UPDATE units SET valid_to = ${ts(at)}, updated_at = now()
         WHERE id IN (SELECT id FROM units WHERE path @> ARRAY[${unitId}::int] AND id <> ${unitId} AND (valid_to IS NULL OR valid_to > ${ts(at)})
                      ORDER BY cardinality(path) DESC)`);
      await tx.execute(sql`UPDATE units SET valid_to = ${ts(at)}, successor_id = ${successorId}, updated_at = now() WHERE id = ${unitId}`);
    }),
  );
}

/** A unit's model coverage and team coverage, and those of the communes above it, depend on its models and teams. */
const unitAndCommunesAbove = (unitId: number) =>
  sql`u.id IN (SELECT a FROM units x CROSS JOIN LATERAL unnest(x.path) a WHERE x.id = ${unitId}::int)`;

export interface ModelInput {
  externalId: string;
  unitId: number;
  kind: string;
  establishedAt: Date;
  effectiveFrom?: Date | null;
  endedAt?: Date | null;
}

/** Creates or updates a digital youth model (by external id). */
export function upsertModel(db: Db, m: ModelInput): Promise<void> {
  return inTransaction(db, async (tx) => {
    const before = await rows<{ unit_id: number }>(tx, sql`SELECT unit_id FROM digital_models WHERE external_id = ${m.externalId}`);
    const unitIds = [...new Set([m.unitId, ...before.map((b) => b.unit_id)])];
    await withRollups(tx, { units: sql`u.id = ANY(${`{${unitIds.join(',')}}`}::int[])` }, async () => {
      await tx.execute(sql`
        INSERT INTO digital_models (external_id, unit_id, kind, established_at, effective_from, ended_at)
        VALUES (${m.externalId}, ${m.unitId}, ${m.kind}, ${ts(m.establishedAt)}, ${ts(m.effectiveFrom)}, ${ts(m.endedAt)})
        ON CONFLICT (external_id) DO UPDATE SET unit_id = excluded.unit_id, kind = excluded.kind, established_at = excluded.established_at,
          effective_from = excluded.effective_from, ended_at = excluded.ended_at`);
    });
  });
}

export interface TeamInput {
  externalId: string;
  unitId: number;
  establishedAt: Date;
  disbandedAt?: Date | null;
}

/** Creates or updates a Community Digital Transformation Team (by external id); returns its id. */
export function upsertTeam(db: Db, t: TeamInput): Promise<number> {
  return inTransaction(db, async (tx) => {
    const before = await rows<{ id: number; unit_id: number }>(tx, sql`SELECT id, unit_id FROM teams WHERE external_id = ${t.externalId}`);
    const selection = {
      units: sql`(${unitAndCommunesAbove(t.unitId)} OR u.id IN (SELECT a FROM units x CROSS JOIN LATERAL unnest(x.path) a WHERE x.id = ${before[0]?.unit_id ?? t.unitId}::int))`,
      rosters: sql`t.external_id = ${t.externalId}`,
    };
    return withRollups(tx, selection, async () => {
      const { id } = await one<{ id: number }>(
        tx,
        sql`INSERT INTO teams (external_id, unit_id, established_at, disbanded_at)
            VALUES (${t.externalId}, ${t.unitId}, ${ts(t.establishedAt)}, ${ts(t.disbandedAt)})
            ON CONFLICT (external_id) DO UPDATE SET unit_id = excluded.unit_id, established_at = excluded.established_at, disbanded_at = excluded.disbanded_at
            RETURNING id`,
      );
      return id;
    });
  });
}

/** Adds a person to a team's roster from an instant, or ends their entry. */
export function setRosterEntry(db: Db, teamId: number, person: string, from: Date, to: Date | null): Promise<void> {
  return inTransaction(db, (tx) =>
    withRollups(tx, { rosters: sql`t.id = ${teamId}` }, async () => {
      await tx.execute(sql`
        INSERT INTO team_roster (team_id, person, from_at, to_at) VALUES (${teamId}, ${person}, ${ts(from)}, ${ts(to)})
        ON CONFLICT (team_id, person, from_at) DO UPDATE SET to_at = excluded.to_at`);
    }),
  );
}

export interface ProductInput {
  externalId: string;
  unitId: number;
  name: string;
  listedAt: Date;
  delistedAt?: Date | null;
}

export function upsertProduct(db: Db, p: ProductInput): Promise<void> {
  return inTransaction(db, (tx) =>
    withRollups(tx, { products: sql`p.external_id = ${p.externalId}` }, async () => {
      await tx.execute(sql`
        INSERT INTO startup_products (external_id, unit_id, name, listed_at, delisted_at)
        VALUES (${p.externalId}, ${p.unitId}, ${p.name}, ${ts(p.listedAt)}, ${ts(p.delistedAt)})
        ON CONFLICT (external_id) DO UPDATE SET unit_id = excluded.unit_id, name = excluded.name, listed_at = excluded.listed_at, delisted_at = excluded.delisted_at`);
    }),
  );
}

export interface RelicInput {
  externalId: string;
  unitId: number;
  name: string;
  digitizedAt?: Date | null;
}

export function upsertRelic(db: Db, r: RelicInput): Promise<void> {
  return inTransaction(db, (tx) =>
    withRollups(tx, { relics: sql`r.external_id = ${r.externalId}` }, async () => {
      await tx.execute(sql`
        INSERT INTO relics (external_id, unit_id, name, digitized_at) VALUES (${r.externalId}, ${r.unitId}, ${r.name}, ${ts(r.digitizedAt)})
        ON CONFLICT (external_id) DO UPDATE SET unit_id = excluded.unit_id, name = excluded.name, digitized_at = excluded.digitized_at`);
    }),
  );
}

export interface ReportInput {
  unitId: number;
  kind: ReportKind;
  /** A Vietnam calendar day, YYYY-MM-DD. */
  date: string;
  count: number;
}

/** Records a unit's report for a kind and day; sent again, it replaces the earlier one (never adds). */
export function upsertReport(db: Db, r: ReportInput): Promise<void> {
  const key = sql`a.unit_id = ${r.unitId} AND a.kind = ${r.kind} AND a.date = ${r.date}::date AND a.external_id IS NULL`;
  return inTransaction(db, (tx) =>
    withRollups(tx, { reports: key }, async () => {
      await tx.execute(sql`
        INSERT INTO activity_reports (unit_id, kind, date, count) VALUES (${r.unitId}, ${r.kind}, ${r.date}::date, ${r.count})
        ON CONFLICT (unit_id, kind, date) WHERE external_id IS NULL DO UPDATE SET count = excluded.count`);
    }),
  );
}
