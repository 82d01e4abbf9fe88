// Writes that keep the roll-ups fresh: each runs in a transaction, reads the roll-up steps
// of what it touches before and after it writes, and adds the difference (db/rollup.ts), so
// a write is visible at every level on the next read. Invalid input is refused by the database's
// constraints, and the transaction leaves nothing behind.
import { sql, type SQL } from 'drizzle-orm';
import { intArray, rows, type Db } from './client.js';
import { searchForm } from '../domain/names.js';
import { applyEvents, deferRollups, defersRollups, unitsEverAbove, withRollups, withTreeChange } from './rollup.js';
import type { GENDERS, UnitLevel } from './schema.js';
import type { ReportKind } from '../domain/catalogue.js';
import { MODEL, PRODUCT, RELIC, TEAM, upsertByExternalId, upsertEvaluations, upsertReports, upsertRoster, writeMembers, type MemberRowIn } from './upserts.js';

const ts = (d: Date | null | undefined) => (d == null ? null : d.toISOString());

/**
 * Which writes take turns. A write reads the steps of the rows it touches before and after
 * it changes them (db/rollup.ts, withRollups): a concurrent write to the same rows (the
 * same report sent twice at once, two entries of one team's roster) would make that read
 * stale and the roll-ups wrong. So:
 * - a write of one thing (a member, a report, a team's roster, a product, a relic) holds
 *   the lock of that thing, and a shared lock on the tree: writes of different things run
 *   side by side, and meet only at the roll-up rows they share, which each locks in one
 *   order, in its last statement;
 * - a write of the tree (opening, closing or renaming a unit; a model or a team, whose
 *   coverage is a unit's) holds the tree's lock alone (`scope` left out): everything waits.
 * Held until the transaction ends; taking one again in it is free.
 */
export async function lockWrites(db: Db, scope?: string | SQL): Promise<void> {
  const tree = sql`hashtext('kpi-rollup-writes')`;
  // A scope given as SQL names it from a row (a member by its id): the same key as when it is named by its sender's id.
  const thing = typeof scope === 'string' ? sql`${scope}` : sql`(${scope})`;
  await db.execute(
    scope === undefined
      ? sql`SELECT pg_advisory_xact_lock(${tree})`
      : sql`SELECT pg_advisory_xact_lock_shared(${tree}), pg_advisory_xact_lock(hashtext(${thing}))`,
  );
}

/**
 * Marks a transaction as a mutation's (schema/ingest/run.ts): it holds its lock, and any
 * error rolls it back whole, so a write in it runs without a savepoint of its own; its
 * roll-up change goes with its audit row, in its last statement.
 */
export async function lockMutation(tx: Db, scope?: string): Promise<void> {
  await lockWrites(tx, scope);
  deferRollups(tx);
}

/**
 * A write's transaction: it takes the tree's write lock (`lockWrites`) for `scope`, or for
 * the whole tree when there is none (an import batch writes many things of the tree at
 * once); inside a mutation that holds the lock already, the work runs in its transaction.
 */
export function inTransaction<T>(db: Db, scope: SQL | string | undefined, work: (tx: Db) => Promise<T>): Promise<T> {
  if (defersRollups(db)) return work(db);
  return db.transaction(async (t) => {
    const tx = t as unknown as Db;
    await lockWrites(tx, scope);
    return work(tx);
  });
}

/** The lock scope of a member, by the member-management software's id. */
export const memberScope = (externalId: string) => `member:${externalId}`;
const memberScopeOf = (memberId: number) => sql`SELECT 'member:' || external_id FROM members WHERE id = ${memberId}`;
/** The lock scope of a report: its sender's id, or its unit, kind and day. */
export const reportScope = (r: { externalId?: string | null; unit: string | number; kind: string; date: string }) =>
  r.externalId != null ? `report:${r.externalId}` : `report:${r.unit}/${r.kind}/${r.date}`;

async function one<T>(db: Db, query: ReturnType<typeof sql>): Promise<T> {
  const [row] = await rows<T>(db, query);
  if (!row) throw new Error('expected a row');
  return row;
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
  return inTransaction(db, memberScopeOf(memberId), (tx) =>
    withRollups(tx, { members: sql`m.id = ${memberId}` }, async () => {
      await tx.execute(sql`UPDATE members SET ${sql.join(sets, sql`, `)}, updated_at = now() WHERE id = ${memberId}`);
    }),
  );
}

/** Moves a member to another unit from an instant on: they count in the old unit before it and in the new one from it. */
export function transferMember(db: Db, memberId: number, toUnitId: number, at: Date): Promise<void> {
  return inTransaction(db, memberScopeOf(memberId), (tx) =>
    withRollups(tx, { members: sql`m.id = ${memberId}` }, async () => {
      await tx.execute(sql`
        INSERT INTO member_unit_history (member_id, unit_id, from_at, to_at)
        SELECT id, unit_id, unit_since, ${ts(at)} FROM members WHERE id = ${memberId}`);
      await tx.execute(sql`UPDATE members SET unit_id = ${toUnitId}, unit_since = ${ts(at)}, updated_at = now() WHERE id = ${memberId}`);
    }),
  );
}

export interface MemberState {
  externalId: string;
  unitId: number;
  joinedAt: Date;
  leftAt: Date | null;
  birthYear: number | null;
  gender: (typeof GENDERS)[number] | null;
  digitizedAt: Date | null;
  appActivatedAt: Date | null;
  /** When the member moved into `unitId`; needed when that is not the unit they are in. */
  movedAt?: Date | null;
}

/** A member's row as the import writes it (db/upserts.ts). */
const memberRow = (m: MemberState): MemberRowIn => ({
  external_id: m.externalId,
  unit_id: m.unitId,
  joined_at: ts(m.joinedAt),
  left_at: ts(m.leftAt),
  birth_year: m.birthYear,
  gender: m.gender,
  digitized_at: ts(m.digitizedAt),
  app_activated_at: ts(m.appActivatedAt),
});

/**
 * Creates or updates a member by external id. Another unit is a transfer at `movedAt`:
 * the member counts in the old unit before it and in the new one from it. Placements
 * that began when the member joined begin at the new `joinedAt`. Returns the member's id.
 */
export function upsertMember(db: Db, m: MemberState): Promise<number> {
  return inTransaction(db, memberScope(m.externalId), (tx) =>
    withRollups(tx, { members: sql`m.external_id = ${m.externalId}` }, async () => {
      const [current] = await rows<{ id: number; unit_id: number }>(
        tx,
        sql`SELECT id, unit_id FROM members WHERE external_id = ${m.externalId} FOR UPDATE`,
      );
      if (!current) {
        const { upserted } = await writeMembers(tx, [memberRow(m)]);
        return upserted[0]!.id;
      }
      const moves = current.unit_id !== m.unitId;
      if (moves && !m.movedAt) throw new Error(`member ${m.externalId}: a transfer needs the instant of the move`);
      // The import's rules: a move at movedAt, then the row.
      const row = { ...memberRow(m), unit_since: ts(m.movedAt) };
      // The API checked the transfer; what it let through, the database's constraints refuse.
      await writeMembers(tx, [row], { refuse: false });
      return current.id;
    }),
  );
}

/** Records (or replaces) a member's evaluation for a year. */
export function recordEvaluation(db: Db, memberId: number, year: number, recordedAt: Date): Promise<void> {
  return inTransaction(db, memberScopeOf(memberId), (tx) =>
    withRollups(tx, { members: sql`m.id = ${memberId}` }, async () => {
      await upsertEvaluations(tx, [{ member_id: memberId, year, recorded_at: ts(recordedAt) }]);
    }),
  );
}

export interface NewUnit {
  code: string;
  name: string;
  level: UnitLevel;
  parentId: number | null;
  validFrom: Date;
}

/** Opens a unit under its parent; returns its id. */
export function createUnit(db: Db, u: NewUnit): Promise<number> {
  return inTransaction(db, undefined, async (tx) => {
    const { id } = await one<{ id: number }>(
      tx,
      sql`INSERT INTO units (code, name, search_name, level, parent_id, valid_from)
          VALUES (${u.code}, ${u.name}, ${searchForm(u.name)}, ${u.level}, ${u.parentId}, ${ts(u.validFrom)})
          RETURNING id`,
    );
    // A new unit holds nothing yet (no members, models or teams), so only its own life counts.
    await applyEvents(tx, { units: sql`u.id = ${id}` }, 1);
    return id;
  });
}

/** Renames a unit in place, from `from` (default: now): KPIs do not depend on names; the unit's names keep the old one. */
export async function renameUnit(db: Db, unitId: number, name: string, from: Date | null = null): Promise<void> {
  // The units trigger keeps the unit's names (unit_names), dated `app.renamed_at` when set, else now.
  await db.execute(sql`
    WITH dated AS (SELECT set_config('app.renamed_at', ${from ? from.toISOString() : ''}, true))
    UPDATE units SET name = ${name}, search_name = ${searchForm(name)}, updated_at = now() FROM dated WHERE id = ${unitId}`);
}

/**
 * Closes a unit and every unit below it still open at that instant (a merger names the
 * successor). What they hold stops counting from then on; their flows stay where they were.
 * Returns the codes of the units closed, the unit itself first.
 */
export function closeUnit(db: Db, unitId: number, at: Date, successorId: number | null = null): Promise<string[]> {
  return inTransaction(db, undefined, (tx) =>
    withTreeChange(tx, [unitId], successorId === null ? [] : [successorId], async () => {
      // A unit cannot close while a child is open, and rows of one statement are updated in
      // no set order: close one depth at a time, deepest first.
      const open = sql`path @> ARRAY[${unitId}::int] AND id <> ${unitId} AND (valid_to IS NULL OR valid_to > ${ts(at)})`;
      const depths = await rows<{ depth: number }>(tx, sql`SELECT DISTINCT cardinality(path) AS depth FROM units WHERE ${open} ORDER BY 1 DESC`);
      const below: string[][] = [];
      for (const { depth } of depths) {
        const closed = await rows<{ code: string }>(
          tx,
          sql`UPDATE units SET valid_to = ${ts(at)}, updated_at = now() WHERE ${open} AND cardinality(path) = ${depth} RETURNING code`,
        );
        below.unshift(closed.map((c) => c.code).sort());
      }
      const { code } = await one<{ code: string }>(
        tx,
        sql`UPDATE units SET valid_to = ${ts(at)}, successor_id = ${successorId}, updated_at = now() WHERE id = ${unitId} RETURNING code`,
      );
      return [code, ...below.flat()];
    }),
  );
}

/**
 * Puts a unit (and its subtree) under another parent from `at`: the link it had is kept in
 * unit_parent_history, and the paths below it are those of today's tree again. No roll-up
 * work: the caller runs it inside `withTreeChange`.
 */
async function moveUnder(tx: Db, unitId: number, parentId: number, at: Date): Promise<void> {
  await tx.execute(sql`
    INSERT INTO unit_parent_history (unit_id, parent_id, from_at, to_at)
    SELECT id, parent_id, parent_since, ${ts(at)} FROM units WHERE id = ${unitId}`);
  const depths = await rows<{ depth: number }>(
    tx,
    sql`SELECT DISTINCT cardinality(path) AS depth FROM units WHERE path @> ARRAY[${unitId}::int] AND id <> ${unitId} ORDER BY 1`,
  );
  await tx.execute(sql`UPDATE units SET parent_id = ${parentId}, parent_since = ${ts(at)}, updated_at = now() WHERE id = ${unitId}`);
  // The units trigger makes each path from its parent's: the shallowest first.
  for (const { depth } of depths) {
    await tx.execute(sql`UPDATE units SET path = path WHERE path @> ARRAY[${unitId}::int] AND id <> ${unitId} AND cardinality(path) = ${depth}`);
  }
}

/**
 * Re-parents a unit with its subtree from `at` (a Vietnam midnight): what it gathered
 * counts for the units above it as the tree stood at each time, and moves from the old
 * ancestors to the new ones on that day.
 */
export function reparentUnit(db: Db, unitId: number, parentId: number, at: Date): Promise<void> {
  return inTransaction(db, undefined, (tx) => withTreeChange(tx, [unitId], [parentId], () => moveUnder(tx, unitId, parentId, at)));
}

/**
 * Merges units into a successor from `at`: each unit's open children are re-parented (to
 * the successor, or where `moves` says: a split), and each unit closes naming the
 * successor, which holds what the unit held from then on (its members, models, teams,
 * products, relics). Their earlier history stays theirs (AS_OF_THEN) and is the
 * successor's in today's tree (CURRENT_TREE). Returns the codes of the units re-parented.
 */
export function mergeUnits(db: Db, unitIds: readonly number[], successorId: number, at: Date, moves: ReadonlyMap<number, number> = new Map()): Promise<string[]> {
  return inTransaction(db, undefined, (tx) =>
    withTreeChange(tx, unitIds, [successorId, ...moves.values()], async () => {
      const children = await rows<{ id: number; code: string }>(
        tx,
        sql`SELECT id, code FROM units WHERE parent_id = ANY(${intArray(unitIds)}) AND (valid_to IS NULL OR valid_to > ${ts(at)}) ORDER BY code`,
      );
      for (const c of children) await moveUnder(tx, c.id, moves.get(c.id) ?? successorId, at);
      await tx.execute(sql`
        UPDATE units SET valid_to = ${ts(at)}, successor_id = ${successorId}, holdings_moved = true, updated_at = now()
         WHERE id = ANY(${intArray(unitIds)})`);
      return children.map((c) => c.code);
    }),
  );
}

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
  return inTransaction(db, undefined, async (tx) => {
    const before = await rows<{ unit_id: number }>(tx, sql`SELECT unit_id FROM digital_models WHERE external_id = ${m.externalId}`);
    const unitIds = [...new Set([m.unitId, ...before.map((b) => b.unit_id)])];
    await withRollups(tx, { units: sql`u.id = ANY(${intArray(unitIds)})` }, async () => {
      await upsertByExternalId(tx, MODEL, [
        { external_id: m.externalId, unit_id: m.unitId, kind: m.kind, established_at: ts(m.establishedAt), effective_from: ts(m.effectiveFrom), ended_at: ts(m.endedAt) },
      ]);
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
  return inTransaction(db, undefined, async (tx) => {
    const before = await rows<{ id: number; unit_id: number }>(tx, sql`SELECT id, unit_id FROM teams WHERE external_id = ${t.externalId}`);
    const selection = {
      // A team's coverage counts for the communes above it.
      units: unitsEverAbove([t.unitId, before[0]?.unit_id ?? t.unitId]),
      rosters: sql`t.external_id = ${t.externalId}`,
    };
    return withRollups(tx, selection, async () => {
      const [written] = await upsertByExternalId(tx, TEAM, [{ external_id: t.externalId, unit_id: t.unitId, established_at: ts(t.establishedAt), disbanded_at: ts(t.disbandedAt) }]);
      // A team sent as it is stored is not written again: it is the one found before.
      return written?.id ?? before[0]!.id;
    });
  });
}

/** Adds a person to a team's roster from an instant, or ends their entry. */
export function setRosterEntry(db: Db, teamId: number, person: string, from: Date, to: Date | null): Promise<void> {
  return inTransaction(db, sql`SELECT 'team:' || external_id FROM teams WHERE id = ${teamId}`, (tx) =>
    withRollups(tx, { rosters: sql`t.id = ${teamId}` }, async () => {
      await upsertRoster(tx, [{ team_id: teamId, person, from_at: ts(from), to_at: ts(to) }]);
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
  return inTransaction(db, `product:${p.externalId}`, (tx) =>
    withRollups(tx, { products: sql`p.external_id = ${p.externalId}` }, async () => {
      await upsertByExternalId(tx, PRODUCT, [{ external_id: p.externalId, unit_id: p.unitId, name: p.name, listed_at: ts(p.listedAt), delisted_at: ts(p.delistedAt) }]);
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
  return inTransaction(db, `relic:${r.externalId}`, (tx) =>
    withRollups(tx, { relics: sql`r.external_id = ${r.externalId}` }, async () => {
      await upsertByExternalId(tx, RELIC, [{ external_id: r.externalId, unit_id: r.unitId, name: r.name, digitized_at: ts(r.digitizedAt) }]);
    }),
  );
}

export interface ReportInput {
  /** The sender's id for the report; without one a report is keyed by unit, kind and day. */
  externalId?: string | null;
  unitId: number;
  kind: ReportKind;
  /** A Vietnam calendar day, YYYY-MM-DD. */
  date: string;
  count: number;
}

/** Records a unit's report for a kind and day; sent again, it replaces the earlier one (never adds). */
export function upsertReport(db: Db, r: ReportInput): Promise<void> {
  const key =
    r.externalId != null
      ? sql`a.external_id = ${r.externalId}`
      : sql`a.unit_id = ${r.unitId} AND a.kind = ${r.kind} AND a.date = ${r.date}::date AND a.external_id IS NULL`;
  return inTransaction(db, reportScope({ ...r, unit: r.unitId }), (tx) =>
    withRollups(tx, { reports: key }, async () => {
      await upsertReports(tx, [{ external_id: r.externalId ?? null, unit_id: r.unitId, kind: r.kind, date: r.date, count: r.count }]);
    }),
  );
}

/** A target as stored: its period's text and bounds (instants, ISO), and its value. */
export interface TargetInput {
  unitId: number;
  kpi: string;
  period: string;
  periodStart: string;
  periodEnd: string;
  value: number;
}

/**
 * Sets targets (unit, KPI, period): new ones are inserted, stored ones updated where a value
 * differs. Targets move no roll-up. Returns a row per target inserted or changed.
 */
export function upsertTargets(db: Db, targets: readonly TargetInput[]): Promise<{ id: number; inserted: boolean }[]> {
  return rows(
    db,
    sql`INSERT INTO targets AS g (unit_id, kpi, period, period_start, period_end, value)
        SELECT x.unit_id, x.kpi, x.period, x.period_start, x.period_end, x.value
          FROM json_to_recordset(${JSON.stringify(targets.map((t) => ({ unit_id: t.unitId, kpi: t.kpi, period: t.period, period_start: t.periodStart, period_end: t.periodEnd, value: t.value })))}::json)
            AS x(unit_id int, kpi text, period text, period_start timestamptz, period_end timestamptz, value numeric)
        ON CONFLICT (unit_id, kpi, period) DO UPDATE SET value = excluded.value, period_start = excluded.period_start, period_end = excluded.period_end
        WHERE (g.value, g.period_start, g.period_end) IS DISTINCT FROM (excluded.value, excluded.period_start, excluded.period_end)
        RETURNING g.id, (g.xmax = 0) AS inserted`,
  );
}

/** Removes a unit's target for a KPI and period; whether there was one. */
export async function removeTarget(db: Db, unitId: number, kpi: string, period: string): Promise<boolean> {
  const removed = await rows(db, sql`DELETE FROM targets WHERE unit_id = ${unitId} AND kpi = ${kpi} AND period = ${period} RETURNING id`);
  return removed.length > 0;
}
