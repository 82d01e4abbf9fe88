// Writes one batch of records (everything but units) as upserts by natural key, keeping
// the roll-ups exact: the steps of the stored rows the batch changes are taken away,
// the rows are written, and the steps of every row the batch inserted or changed are
// added (db/rollup.ts), all in the caller's transaction. Rows equal to what is stored
// are not written at all, so a re-run of the same file changes nothing.
import { sql, type SQL } from 'drizzle-orm';
import { intArray as ints, rows, type Db } from '../client.js';
import { applyEvents, unitsEverAbove, type Selection } from '../rollup.js';
import { upsertTargets, type TargetInput } from '../writes.js';
import {
  differs,
  EVALUATION,
  MEMBER,
  MODEL,
  PRODUCT,
  RELIC,
  recordset,
  REPORT,
  ROSTER,
  TEAM,
  upsertByExternalId,
  upsertEvaluations,
  memberChanges,
  writeMembers,
  type MemberChange,
  upsertReports,
  upsertRoster,
  type EvaluationRowIn,
  type MemberRowIn,
  type ModelRowIn,
  type ProductRowIn,
  type RelicRowIn,
  type ReportRowIn,
  type RosterRowIn,
  type Spec,
  type TeamRowIn,
  type Upserted,
} from '../upserts.js';
import type { Problem } from './check.js';
import type { ImportRow, UnitRow } from './validate.js';

export type Item = { file: string | null; line: number; row: Exclude<ImportRow, UnitRow> };

export const TABLES = [
  'units',
  'members',
  'member_evaluations',
  'digital_models',
  'teams',
  'team_roster',
  'startup_products',
  'relics',
  'activity_reports',
  'targets',
] as const;
export type Table = (typeof TABLES)[number];

export interface TableCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}
export type Counts = Partial<Record<Table, TableCounts>>;

export function addCounts(into: Counts, from: Counts): void {
  for (const [table, c] of Object.entries(from) as [Table, TableCounts][]) {
    const t = (into[table] ??= { inserted: 0, updated: 0, unchanged: 0 });
    t.inserted += c.inserted;
    t.updated += c.updated;
    t.unchanged += c.unchanged;
  }
}

/** Records the database cannot take, found while writing (e.g. an evaluation of a member nobody sent). */
export class RowsRejected extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.reason}`).join('; '));
    this.name = 'RowsRejected';
  }
}

export interface BatchOptions {
  /** Unit code → id. */
  unitIds: Map<string, number>;
  /** Keep the roll-ups fresh (off when they are rebuilt once at the end). */
  rollups: boolean;
}

const ts = (i: { text: string } | null) => (i ? i.text : null);

interface Staged {
  members: MemberRowIn[];
  evaluations: EvaluationRowIn[];
  models: ModelRowIn[];
  teams: TeamRowIn[];
  roster: RosterRowIn[];
  products: ProductRowIn[];
  relics: RelicRowIn[];
  reports: ReportRowIn[];
  targets: TargetInput[];
}

function stage(items: Item[], unitIds: Map<string, number>): Staged {
  const s: Staged = { members: [], evaluations: [], models: [], teams: [], roster: [], products: [], relics: [], reports: [], targets: [] };
  const unit = (code: string) => {
    const id = unitIds.get(code);
    if (id === undefined) throw new Error(`unit ${code} is not in the database`);
    return id;
  };
  for (const { line, row: r } of items) {
    switch (r.type) {
      case 'member':
        s.members.push({
          line,
          external_id: r.id,
          unit_id: unit(r.unit),
          joined_at: r.joinedAt.text,
          left_at: ts(r.leftAt),
          birth_year: r.birthYear,
          gender: r.gender,
          digitized_at: ts(r.digitizedAt),
          app_activated_at: ts(r.appActivatedAt),
          unit_since: ts(r.unitSince),
        });
        for (const e of r.evaluations) s.evaluations.push({ line, member: r.id, year: e.year, recorded_at: e.recordedAt.text });
        break;
      case 'evaluation':
        s.evaluations.push({ line, member: r.member, year: r.year, recorded_at: r.recordedAt.text });
        break;
      case 'model':
        s.models.push({
          line,
          external_id: r.id,
          unit_id: unit(r.unit),
          kind: r.kind,
          established_at: r.establishedAt.text,
          effective_from: ts(r.effectiveFrom),
          ended_at: ts(r.endedAt),
        });
        break;
      case 'team':
        s.teams.push({ line, external_id: r.id, unit_id: unit(r.unit), established_at: r.establishedAt.text, disbanded_at: ts(r.disbandedAt) });
        for (const e of r.roster) s.roster.push({ line, team: r.id, person: e.person, from_at: e.from.text, to_at: ts(e.to) });
        break;
      case 'rosterEntry':
        s.roster.push({ line, team: r.team, person: r.person, from_at: r.from.text, to_at: ts(r.to) });
        break;
      case 'product':
        s.products.push({ line, external_id: r.id, unit_id: unit(r.unit), name: r.name, listed_at: r.listedAt.text, delisted_at: ts(r.delistedAt) });
        break;
      case 'relic':
        s.relics.push({ line, external_id: r.id, unit_id: unit(r.unit), name: r.name, digitized_at: ts(r.digitizedAt) });
        break;
      case 'report':
        s.reports.push({ line, external_id: r.id, unit_id: unit(r.unit), kind: r.kind, date: r.date, count: r.count });
        break;
      case 'target':
        s.targets.push({ unitId: unit(r.unit), kpi: r.kpi, period: r.period.id, periodStart: r.period.start.toISOString(), periodEnd: r.period.end.toISOString(), value: r.value });
        break;
    }
  }
  return s;
}

function tally(counts: Counts, table: Table, staged: number, result: Upserted[]): void {
  const inserted = result.filter((r) => r.inserted).length;
  addCounts(counts, { [table]: { inserted, updated: result.length - inserted, unchanged: staged - result.length } });
}

/** Ids a batch touches, per source of roll-up steps. */
interface Touched {
  members: Set<number>;
  /** Stored members the batch moves or re-dates, read with the others (`writeMembers` takes them). */
  memberChanges?: MemberChange[];
  /** Units whose own steps (model coverage) change. */
  modelUnits: Set<number>;
  /** Units whose teams change: the communes above them (and they) change. */
  teamUnits: Set<number>;
  teams: Set<number>;
  products: Set<number>;
  relics: Set<number>;
  reports: Set<number>;
}

const touched = (): Touched => ({
  members: new Set(),
  modelUnits: new Set(),
  teamUnits: new Set(),
  teams: new Set(),
  products: new Set(),
  relics: new Set(),
  reports: new Set(),
});

function selectionOf(t: Touched): Selection {
  const s: Selection = {};
  if (t.members.size) s.members = sql`m.id = ANY(${ints(t.members)})`;
  const units: SQL[] = [];
  if (t.modelUnits.size) units.push(sql`u.id = ANY(${ints(t.modelUnits)})`);
  if (t.teamUnits.size) units.push(unitsEverAbove(t.teamUnits));
  if (units.length) s.units = sql`(${sql.join(units, sql` OR `)})`;
  if (t.teams.size) s.rosters = sql`t.id = ANY(${ints(t.teams)})`;
  if (t.products.size) s.products = sql`p.id = ANY(${ints(t.products)})`;
  if (t.relics.size) s.relics = sql`r.id = ANY(${ints(t.relics)})`;
  if (t.reports.size) s.reports = sql`a.id = ANY(${ints(t.reports)})`;
  return s;
}

const addAll = (into: Set<number>, ids: Iterable<number | string | null>) => {
  for (const id of ids) if (id !== null) into.add(Number(id));
};

/** Stored rows the batch will change, and the units whose steps depend on them: read before writing. */
async function changedBefore(tx: Db, s: Staged): Promise<Touched> {
  const t = touched();
  if (s.members.length || s.evaluations.length) {
    const found = await rows<MemberChange>(
      tx,
      sql`${memberChanges(s.members, { differing: true })}
          UNION ALL
          SELECT NULL, m.id, NULL, NULL, NULL FROM ${recordset(EVALUATION, s.evaluations, 'e')} JOIN members m ON m.external_id = e.member
            LEFT JOIN member_evaluations v ON v.member_id = m.id AND v.year = e.year
           WHERE v.recorded_at IS DISTINCT FROM e.recorded_at`,
    );
    addAll(t.members, found.map((r) => r.id));
    t.memberChanges = found.filter((r) => r.line !== null);
  }
  if (s.models.length) {
    const found = await rows<{ old_unit: number | null; new_unit: number }>(
      tx,
      sql`SELECT d.unit_id AS old_unit, x.unit_id AS new_unit FROM ${recordset(MODEL, s.models)}
            LEFT JOIN digital_models d ON d.external_id = x.external_id
           WHERE d.id IS NULL OR ${differs('d', 'x', MODEL.fields)}`,
    );
    addAll(t.modelUnits, found.flatMap((r) => [r.old_unit, r.new_unit]));
  }
  if (s.teams.length) {
    const found = await rows<{ id: number | null; old_unit: number | null; new_unit: number }>(
      tx,
      sql`SELECT t.id, t.unit_id AS old_unit, x.unit_id AS new_unit FROM ${recordset(TEAM, s.teams)}
            LEFT JOIN teams t ON t.external_id = x.external_id
           WHERE t.id IS NULL OR ${differs('t', 'x', TEAM.fields)}`,
    );
    addAll(t.teams, found.map((r) => r.id));
    addAll(t.teamUnits, found.flatMap((r) => [r.old_unit, r.new_unit]));
  }
  if (s.roster.length) {
    const found = await rows<{ id: number }>(
      tx,
      sql`SELECT DISTINCT t.id FROM ${recordset(ROSTER, s.roster, 'r')} JOIN teams t ON t.external_id = r.team
            LEFT JOIN team_roster e ON e.team_id = t.id AND e.person = r.person AND e.from_at = r.from_at
           WHERE e.team_id IS NULL OR e.to_at IS DISTINCT FROM r.to_at`,
    );
    addAll(t.teams, found.map((r) => r.id));
  }
  const byId = async <K extends string>(table: string, alias: string, staged: object[], columns: Spec<K>, into: Set<number>) => {
    if (!staged.length) return;
    const found = await rows<{ id: number }>(
      tx,
      sql`SELECT ${sql.raw(alias)}.id FROM ${recordset(columns, staged)}
            JOIN ${sql.identifier(table)} ${sql.raw(alias)} ON ${sql.raw(alias)}.external_id = x.external_id
           WHERE ${differs(alias, 'x', columns.fields)}`,
    );
    addAll(into, found.map((r) => r.id));
  };
  await byId('startup_products', 'p', s.products, PRODUCT, t.products);
  await byId('relics', 'r', s.relics, RELIC, t.relics);
  if (s.reports.length) {
    const found = await rows<{ id: number }>(
      tx,
      sql`WITH x AS (SELECT * FROM ${recordset(REPORT, s.reports)})
          SELECT a.id FROM x JOIN activity_reports a ON a.external_id = x.external_id
           WHERE x.external_id IS NOT NULL AND ${differs('a', 'x', REPORT.fields)}
          UNION ALL
          SELECT a.id FROM x JOIN activity_reports a ON a.external_id IS NULL AND a.unit_id = x.unit_id AND a.kind = x.kind AND a.date = x.date
           WHERE x.external_id IS NULL AND a.count IS DISTINCT FROM x.count`,
    );
    addAll(t.reports, found.map((r) => r.id));
  }
  return t;
}

/** The batch's records on `lines`, in file order, each as a problem of `field` with its reason. */
function problemsOn(items: Item[], lines: Iterable<number>, field: string, reason: (item: Item) => string): Problem[] {
  const wanted = new Set([...lines].map(Number));
  return items.filter((i) => wanted.has(i.line)).map((i) => ({ file: i.file, line: i.line, field, reason: reason(i) }));
}

/** Rows that name a member or team the database does not hold, as problems. */
const missing = (items: Item[], lines: number[], field: string, what: (row: Item['row']) => string): Problem[] =>
  problemsOn(items, lines, field, (i) => `unknown ${what(i.row)}: it is neither in the file before this record nor in the database`);

/**
 * Writes a batch; returns what it inserted, updated and left unchanged per table. Throws
 * RowsRejected (or the database's error) when a record cannot be written: the caller's
 * transaction must then be rolled back.
 */
export async function writeBatch(tx: Db, items: Item[], options: BatchOptions): Promise<Counts> {
  const s = stage(items, options.unitIds);
  const counts: Counts = {};
  const before = options.rollups ? await changedBefore(tx, s) : touched();
  if (options.rollups) {
    const selection = selectionOf(before);
    if (Object.keys(selection).length) await applyEvents(tx, selection, -1);
  }
  // What the writes insert joins the stored rows they change; rows new to the database had no steps to take away.
  const after = before;

  if (s.members.length) {
    // Members sent in another unit than the one stored move first: the past stays where it was.
    const { refused, upserted: result } = await writeMembers(tx, s.members, { changes: before.memberChanges });
    if (refused.length) {
      const reasons = new Map(refused.map((m) => [m.line!, m.problem!]));
      throw new RowsRejected(problemsOn(items, reasons.keys(), 'unitSince', (i) => reasons.get(i.line)!));
    }
    tally(counts, 'members', s.members.length, result);
    addAll(after.members, result.map((r) => r.id));
  }
  if (s.evaluations.length) {
    const r = await upsertEvaluations(tx, s.evaluations);
    if (r.missing?.length) {
      throw new RowsRejected(missing(items, r.missing, 'member', (row) => `member id "${row.type === 'evaluation' ? row.member : ''}"`));
    }
    addCounts(counts, { member_evaluations: { inserted: r.inserted, updated: r.updated, unchanged: s.evaluations.length - r.inserted - r.updated } });
    addAll(after.members, r.parents ?? []);
  }
  if (s.models.length) {
    const result = await upsertByExternalId(tx, MODEL, s.models);
    tally(counts, 'digital_models', s.models.length, result);
  }
  if (s.teams.length) {
    const result = await upsertByExternalId(tx, TEAM, s.teams);
    tally(counts, 'teams', s.teams.length, result);
    addAll(after.teams, result.map((r) => r.id));
  }
  if (s.roster.length) {
    const r = await upsertRoster(tx, s.roster);
    if (r.missing?.length) {
      throw new RowsRejected(missing(items, r.missing, 'team', (row) => `team id "${row.type === 'rosterEntry' ? row.team : ''}"`));
    }
    addCounts(counts, { team_roster: { inserted: r.inserted, updated: r.updated, unchanged: s.roster.length - r.inserted - r.updated } });
    addAll(after.teams, r.parents ?? []);
  }
  if (s.products.length) {
    const result = await upsertByExternalId(tx, PRODUCT, s.products);
    tally(counts, 'startup_products', s.products.length, result);
    addAll(after.products, result.map((r) => r.id));
  }
  if (s.relics.length) {
    const result = await upsertByExternalId(tx, RELIC, s.relics);
    tally(counts, 'relics', s.relics.length, result);
    addAll(after.relics, result.map((r) => r.id));
  }
  if (s.reports.length) {
    const result = await upsertReports(tx, s.reports);
    tally(counts, 'activity_reports', s.reports.length, result);
    addAll(after.reports, result.map((r) => r.id));
  }
  if (s.targets.length) {
    const result = await upsertTargets(tx, s.targets);
    tally(counts, 'targets', s.targets.length, result);
  }

  if (options.rollups) {
    const selection = selectionOf(after);
    if (Object.keys(selection).length) await applyEvents(tx, selection, 1);
  }
  return counts;
}

/** The field of a record that a database constraint or trigger names. */
const CONSTRAINT_FIELDS: Record<string, string> = {
  members_left_after_joined: 'leftAt',
  members_unit_since_in_membership: 'joinedAt',
  members_birth_year_range: 'birthYear',
  members_gender_known: 'gender',
  members_unit_id_units_id_fk: 'unit',
  member_evaluations_year_range: 'year',
  digital_models_ended_order: 'endedAt',
  digital_models_effective_order: 'effectiveFrom',
  teams_disbanded_order: 'disbandedAt',
  team_roster_order: 'to',
  startup_products_order: 'delistedAt',
  activity_reports_kind_known: 'kind',
  activity_reports_count_nonnegative: 'count',
  activity_reports_count_bounded: 'count',
  targets_kpi_known: 'kpi',
  targets_period_order: 'period',
  targets_value_nonnegative: 'value',
};

/** Whether the database refused the data (a constraint or a trigger's check), not the statement. */
export function isDataError(error: unknown): boolean {
  const cause = ((error as { cause?: unknown }).cause ?? error) as { code?: string };
  return error instanceof RowsRejected || (typeof cause.code === 'string' && cause.code.startsWith('23'));
}

/** A database error as a problem of one record. */
export function problemOf(error: unknown, item: { file: string | null; line: number }): Problem {
  const cause = ((error as { cause?: unknown }).cause ?? error) as { constraint?: string; message?: string };
  const message = cause.message ?? String(error);
  const field =
    (cause.constraint && CONSTRAINT_FIELDS[cause.constraint]) ||
    (/^report dated/.test(message) ? 'date' : /valid period|cannot close|cannot open/.test(message) ? 'validTo' : '(record)');
  return { file: item.file, line: item.line, field, reason: `refused by the database: ${message}` };
}
