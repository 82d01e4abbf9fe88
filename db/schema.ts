// Tables of the domain. Instants are timestamptz; a bare date (an activity report's
// `date`) is a Vietnam calendar day. CHECK constraints and the triggers in the custom
// migration keep bad rows out; the application validates first to give good messages.
import { sql } from 'drizzle-orm';
import { BIRTH_YEARS, EVALUATION_YEARS, KPI_IDS, REPORT_COUNT_MAX, REPORT_KINDS, type KpiId, type ReportKind, type Series } from '../domain/catalogue.js';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgSequence,
  pgTable,
  primaryKey,
  serial,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Unit levels, shallowest first. A bloc hangs under a province beside the communes. */
export const UNIT_LEVELS = ['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

/** Depth of a level in the tree; a parent's rank is below its child's (as the units trigger checks). */
export function unitLevelRank(level: UnitLevel): number {
  return { CENTRAL: 0, PROVINCE: 1, COMMUNE: 2, BLOC: 2, BRANCH: 3 }[level];
}

/** The levels a unit of each level may sit under (a bloc hangs under a province beside the communes). */
export const PARENT_LEVELS: Record<UnitLevel, UnitLevel[]> = {
  CENTRAL: [],
  PROVINCE: ['CENTRAL'],
  COMMUNE: ['PROVINCE'],
  BLOC: ['PROVINCE'],
  BRANCH: ['COMMUNE', 'BLOC'],
};

export const GENDERS = ['MALE', 'FEMALE', 'OTHER'] as const;

const inList = (values: readonly string[]) => sql.raw(values.map((v) => `'${v}'`).join(', '));

export const units = pgTable(
  'units',
  {
    id: serial('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    /** Lower case, without diacritics, đ → d: what people type. */
    searchName: text('search_name').notNull(),
    level: text('level').$type<UnitLevel>().notNull(),
    parentId: integer('parent_id').references((): any => units.id),
    /** Ids from the root down to this unit, itself included; set by a trigger. */
    path: integer('path').array().notNull().default(sql`'{}'`),
    validFrom: instant('valid_from').notNull(),
    validTo: instant('valid_to'),
    successorId: integer('successor_id').references((): any => units.id),
    /** Since when `parentId` is the parent (null: since the unit opened); earlier parents are in unit_parent_history. */
    parentSince: instant('parent_since'),
    /** Closed by a merge or a split: what the unit held is held by its successor from its closing on. */
    holdingsMoved: boolean('holdings_moved').notNull().default(false),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('units_code_key').on(t.code),
    index('units_parent_idx').on(t.parentId),
    index('units_path_gin').using('gin', t.path),
    index('units_level_idx').on(t.level, t.code),
    index('units_search_idx').on(t.searchName),
    check('units_level_known', sql`${t.level} IN (${inList(UNIT_LEVELS)})`),
    check('units_valid_order', sql`${t.validTo} IS NULL OR ${t.validTo} > ${t.validFrom}`),
    check('units_root_is_central', sql`(${t.parentId} IS NULL) = (${t.level} = 'CENTRAL')`),
    check('units_code_not_blank', sql`length(trim(${t.code})) > 0`),
    check('units_successor_not_self', sql`${t.successorId} IS NULL OR ${t.successorId} <> ${t.id}`),
  ],
);

export const members = pgTable(
  'members',
  {
    id: serial('id').primaryKey(),
    /** Id in the member-management software. */
    externalId: text('external_id').notNull(),
    /** The unit the member is in now (since `unitSince`); earlier units are in member_unit_history. */
    unitId: integer('unit_id').notNull().references(() => units.id),
    unitSince: instant('unit_since').notNull(),
    joinedAt: instant('joined_at').notNull(),
    leftAt: instant('left_at'),
    birthYear: smallint('birth_year'),
    gender: text('gender'),
    digitizedAt: instant('digitized_at'),
    appActivatedAt: instant('app_activated_at'),
    updatedAt: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('members_external_id_key').on(t.externalId),
    index('members_unit_idx').on(t.unitId),
    check('members_left_after_joined', sql`${t.leftAt} IS NULL OR ${t.leftAt} > ${t.joinedAt}`),
    check('members_unit_since_in_membership', sql`${t.unitSince} >= ${t.joinedAt} AND (${t.leftAt} IS NULL OR ${t.unitSince} < ${t.leftAt})`),
    check('members_birth_year_range', sql`${t.birthYear} IS NULL OR ${t.birthYear} BETWEEN ${sql.raw(String(BIRTH_YEARS.min))} AND ${sql.raw(String(BIRTH_YEARS.max))}`),
    check('members_gender_known', sql`${t.gender} IS NULL OR ${t.gender} IN (${inList(GENDERS)})`),
  ],
);

/**
 * The names a unit has had: each from `fromAt` until the next one's (the last is `units.name`).
 * Kept by a trigger on units (migration 0012): a new unit's name from its opening, a new
 * name from the moment it is written, or from `app.renamed_at` when the writer sets it.
 */
export const unitNames = pgTable(
  'unit_names',
  {
    unitId: integer('unit_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
    fromAt: instant('from_at').notNull(),
    name: text('name').notNull(),
    /** `searchForm(name)`, as units.search_name. */
    searchName: text('search_name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.fromAt] }), index('unit_names_search_idx').on(t.searchName)],
);

/** Earlier parents of a unit: under `parentId` from `fromAt` (null: since the unit opened) to `toAt` (exclusive). */
export const unitParentHistory = pgTable(
  'unit_parent_history',
  {
    unitId: integer('unit_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
    parentId: integer('parent_id').notNull().references(() => units.id),
    fromAt: instant('from_at'),
    toAt: instant('to_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.unitId, t.toAt] }),
    index('unit_parent_history_parent_idx').on(t.parentId),
    check('unit_parent_history_order', sql`${t.fromAt} IS NULL OR ${t.toAt} > ${t.fromAt}`),
  ],
);

/**
 * Derived from the units, their parents over time and their successors, by the units'
 * triggers (migration 0013): which units a unit's facts count toward, and when. View 0
 * (AS_OF_THEN): the unit itself while it is open and every unit above it while it is
 * above it, each over [from, to) (null: unbounded), sign +1. View 1 (CURRENT_TREE) holds
 * the corrections that turn view 0 into today's tree: +1 for each unit on the path of the
 * unit's representative, −1 for its view-0 rows, the rows both have left out. A value in
 * CURRENT_TREE is the sum over both views.
 */
export const unitAncestry = pgTable(
  'unit_ancestry',
  {
    unitId: integer('unit_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
    view: smallint('view').notNull(),
    ancestorId: integer('ancestor_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
    fromAt: instant('from_at'),
    toAt: instant('to_at'),
    sign: smallint('sign').notNull(),
  },
  (t) => [index('unit_ancestry_unit_idx').on(t.unitId, t.view), index('unit_ancestry_ancestor_idx').on(t.ancestorId, t.view)],
);

/**
 * Derived like unit_ancestry: which open unit holds what a unit holds, and when. A unit
 * holds its own things over its life; a unit closed by a merge or a split hands them to
 * its successor from its closing on (and so on down the line).
 */
export const unitHolders = pgTable(
  'unit_holders',
  {
    unitId: integer('unit_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
    holderId: integer('holder_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
    fromAt: instant('from_at').notNull(),
    toAt: instant('to_at'),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.fromAt] })],
);

/** Earlier placements of a member: in `unitId` from `fromAt` (inclusive) to `toAt` (exclusive). */
export const memberUnitHistory = pgTable(
  'member_unit_history',
  {
    memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
    unitId: integer('unit_id').notNull().references(() => units.id),
    fromAt: instant('from_at').notNull(),
    toAt: instant('to_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.memberId, t.fromAt] }),
    index('member_unit_history_unit_idx').on(t.unitId),
    check('member_unit_history_order', sql`${t.toAt} > ${t.fromAt}`),
  ],
);

export const memberEvaluations = pgTable(
  'member_evaluations',
  {
    memberId: integer('member_id').notNull().references(() => members.id, { onDelete: 'cascade' }),
    year: smallint('year').notNull(),
    recordedAt: instant('recorded_at').notNull(),
  },
  (t) => [
    // Evaluations are always looked up by member (and year): the key serves them all.
    primaryKey({ columns: [t.memberId, t.year] }),
    check('member_evaluations_year_range', sql`${t.year} BETWEEN ${sql.raw(String(EVALUATION_YEARS.min))} AND ${sql.raw(String(EVALUATION_YEARS.max))}`),
  ],
);

export const digitalModels = pgTable(
  'digital_models',
  {
    id: serial('id').primaryKey(),
    externalId: text('external_id').notNull(),
    unitId: integer('unit_id').notNull().references(() => units.id),
    kind: text('kind').notNull(),
    establishedAt: instant('established_at').notNull(),
    /** When the model was assessed effective; null while it is not. */
    effectiveFrom: instant('effective_from'),
    endedAt: instant('ended_at'),
  },
  (t) => [
    uniqueIndex('digital_models_external_id_key').on(t.externalId),
    index('digital_models_unit_idx').on(t.unitId),
    check('digital_models_ended_order', sql`${t.endedAt} IS NULL OR ${t.endedAt} > ${t.establishedAt}`),
    check('digital_models_effective_order', sql`${t.effectiveFrom} IS NULL OR ${t.effectiveFrom} >= ${t.establishedAt}`),
  ],
);

/** Community Digital Transformation Teams. */
export const teams = pgTable(
  'teams',
  {
    id: serial('id').primaryKey(),
    externalId: text('external_id').notNull(),
    unitId: integer('unit_id').notNull().references(() => units.id),
    establishedAt: instant('established_at').notNull(),
    disbandedAt: instant('disbanded_at'),
  },
  (t) => [
    uniqueIndex('teams_external_id_key').on(t.externalId),
    index('teams_unit_idx').on(t.unitId),
    check('teams_disbanded_order', sql`${t.disbandedAt} IS NULL OR ${t.disbandedAt} > ${t.establishedAt}`),
  ],
);

export const teamRoster = pgTable(
  'team_roster',
  {
    teamId: integer('team_id').notNull().references(() => teams.id, { onDelete: 'cascade' }),
    /** The person's id in the source system; team members need not be union members. */
    person: text('person').notNull(),
    fromAt: instant('from_at').notNull(),
    toAt: instant('to_at'),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.person, t.fromAt] }),
    check('team_roster_order', sql`${t.toAt} IS NULL OR ${t.toAt} > ${t.fromAt}`),
  ],
);

export const startupProducts = pgTable(
  'startup_products',
  {
    id: serial('id').primaryKey(),
    externalId: text('external_id').notNull(),
    unitId: integer('unit_id').notNull().references(() => units.id),
    name: text('name').notNull(),
    listedAt: instant('listed_at').notNull(),
    delistedAt: instant('delisted_at'),
  },
  (t) => [
    uniqueIndex('startup_products_external_id_key').on(t.externalId),
    index('startup_products_unit_idx').on(t.unitId),
    check('startup_products_order', sql`${t.delistedAt} IS NULL OR ${t.delistedAt} > ${t.listedAt}`),
  ],
);

export const relics = pgTable(
  'relics',
  {
    id: serial('id').primaryKey(),
    externalId: text('external_id').notNull(),
    unitId: integer('unit_id').notNull().references(() => units.id),
    name: text('name').notNull(),
    /** When the relic was digitized (360° VR, QR "red address"); null while it is not. */
    digitizedAt: instant('digitized_at'),
  },
  (t) => [uniqueIndex('relics_external_id_key').on(t.externalId), index('relics_unit_idx').on(t.unitId)],
);

/** Monthly activity reports of units: how many citizens were helped, per kind and day. */
export const activityReports = pgTable(
  'activity_reports',
  {
    id: serial('id').primaryKey(),
    /** Optional id from the sender; without one a report is keyed by unit, kind and date. */
    externalId: text('external_id'),
    unitId: integer('unit_id').notNull().references(() => units.id),
    kind: text('kind').$type<ReportKind>().notNull(),
    /** A Vietnam calendar day. */
    date: date('date', { mode: 'string' }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [
    uniqueIndex('activity_reports_external_id_key').on(t.externalId).where(sql`${t.externalId} IS NOT NULL`),
    uniqueIndex('activity_reports_natural_key')
      .on(t.unitId, t.kind, t.date)
      .where(sql`${t.externalId} IS NULL`),
    index('activity_reports_kind_date_idx').on(t.kind, t.date),
    check('activity_reports_kind_known', sql`${t.kind} IN (${inList(REPORT_KINDS)})`),
    check('activity_reports_count_nonnegative', sql`${t.count} >= 0`),
    check('activity_reports_count_bounded', sql`${t.count} <= ${sql.raw(String(REPORT_COUNT_MAX))}`),
  ],
);

export const targets = pgTable(
  'targets',
  {
    id: serial('id').primaryKey(),
    unitId: integer('unit_id').notNull().references(() => units.id),
    kpi: text('kpi').$type<KpiId>().notNull(),
    /** A period in the period grammar, e.g. "2026" or "2025/2030". */
    period: text('period').notNull(),
    periodStart: instant('period_start').notNull(),
    periodEnd: instant('period_end').notNull(),
    value: numeric('value', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('targets_unit_kpi_period_key').on(t.unitId, t.kpi, t.period),
    check('targets_kpi_known', sql`${t.kpi} IN (${inList(KPI_IDS)})`),
    check('targets_period_order', sql`${t.periodEnd} > ${t.periodStart}`),
    check('targets_value_nonnegative', sql`${t.value} >= 0`),
  ],
);

/**
 * The version of the data, in STRIPES copies that sum to it: every statement that changes a
 * table the API answers from adds 1 to its connection's copy (a trigger, migration 0011),
 * in its own transaction. Cached answers are keyed by it (schema/cache.ts): a committed
 * write is seen by the next request.
 */
export const dataVersion = pgTable('data_version', {
  stripe: smallint('stripe').primaryKey(),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});

/**
 * Emulation (thi đua) scoring frameworks: weighted criteria on KPIs that rank sibling units.
 * A framework is named and versioned: defining it again makes the next version, and the
 * rankings of earlier versions stay reproducible.
 */
export const emulationFrameworks = pgTable(
  'emulation_frameworks',
  {
    id: serial('id').primaryKey(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    description: text('description'),
    /** The criteria: [{ kpi, weight, scoring: { method: 'PERCENT_OF_TARGET' } | { method: 'BANDS', bands: [{ from, points }] } }]. */
    criteria: jsonb('criteria').notNull(),
    createdAt: instant('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('emulation_frameworks_name_version_key').on(t.name, t.version), check('emulation_frameworks_version_positive', sql`${t.version} >= 1`)],
);

/**
 * A unit admin's review of a flagged month of reports (a unit's total of a kind in a month
 * far outside its own history): CONFIRMED (the count is right) or CORRECTED (the reports
 * were corrected). It holds for the total it reviewed: a later change of that month opens
 * the flag again if the month is still an outlier.
 */
export const reportFlagReviews = pgTable(
  'report_flag_reviews',
  {
    id: serial('id').primaryKey(),
    unitId: integer('unit_id').notNull().references(() => units.id),
    kind: text('kind').$type<ReportKind>().notNull(),
    /** The first day of the month reviewed. */
    month: date('month', { mode: 'string' }).notNull(),
    /** The month's total when it was reviewed. */
    total: bigint('total', { mode: 'number' }).notNull(),
    decision: text('decision').$type<'CONFIRMED' | 'CORRECTED'>().notNull(),
    note: text('note'),
    reviewedBy: text('reviewed_by').notNull(),
    reviewedAt: instant('reviewed_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('report_flag_reviews_unit_kind_month_key').on(t.unitId, t.kind, t.month),
    check('report_flag_reviews_decision_known', sql`${t.decision} IN ('CONFIRMED', 'CORRECTED')`),
    check('report_flag_reviews_kind_known', sql`${t.kind} IN (${inList(REPORT_KINDS)})`),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: instant('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityKey: text('entity_key').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    idempotencyKey: text('idempotency_key'),
    /** SHA-256 of the request made under the key: the same key with another request is refused. */
    requestHash: text('request_hash'),
    txId: bigint('tx_id', { mode: 'number' }),
  },
  (t) => [
    index('audit_log_entity_idx').on(t.entity, t.entityKey),
    // A key is the caller's own: another caller's same key is another change.
    uniqueIndex('audit_log_actor_idempotency_key').on(t.actor, t.idempotencyKey).where(sql`${t.idempotencyKey} IS NOT NULL`),
  ],
);

/**
 * API keys of partner systems: read-only aggregates of one subtree and a set of KPIs. The
 * secret is shown once when the key is made; only its SHA-256 is kept.
 */
export const partnerKeys = pgTable(
  'partner_keys',
  {
    id: serial('id').primaryKey(),
    /** Public part of the key, written in it before the secret: how a key is found. */
    keyId: text('key_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    name: text('name').notNull(),
    /** The root of the subtree the key reads. */
    unitId: integer('unit_id').notNull().references(() => units.id),
    kpis: text('kpis').array().$type<KpiId[]>().notNull(),
    /** Requests a minute; more are refused with 429. */
    rateLimit: integer('rate_limit').notNull(),
    /** Only operations of the persisted list, sent by their hash. */
    persistedOnly: boolean('persisted_only').notNull().default(false),
    createdAt: instant('created_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    expiresAt: instant('expires_at').notNull(),
    revokedAt: instant('revoked_at'),
  },
  (t) => [
    uniqueIndex('partner_keys_key_id_key').on(t.keyId),
    check('partner_keys_rate_limit_positive', sql`${t.rateLimit} > 0`),
    check('partner_keys_expiry_order', sql`${t.expiresAt} > ${t.createdAt}`),
  ],
);

// Signed changes of each series, summed per unit (every level above BRANCH) and bucket.
// A series' value at a Vietnam midnight E is the sum of the changes on days before E:
// years before E's year, months of E's year before E's month, and days of E's month before
// E (kept for the Central Committee and provinces only; below them a mid-month End is
// computed from the base tables).
//
// Every write adds to the rows of the units above it, the Central Committee's among them:
// so that concurrent writes do not queue for those rows until each commits, a write adds
// to one of STRIPES copies of a row (chosen by its connection), and a value is the sum of
// its copies. A rebuild or a bulk load writes copy 0 only.
export const STRIPES = 16;
const rollupColumns = {
  unitId: integer('unit_id').notNull().references(() => units.id),
  series: text('series').$type<Series>().notNull(),
  /** MEMBERS_EVALUATED: the evaluation year; 0 otherwise. */
  variant: smallint('variant').notNull().default(0),
  /** 0: AS_OF_THEN; 1: the corrections that CURRENT_TREE adds to it (see unit_ancestry). */
  view: smallint('view').notNull().default(0),
  /** Which copy of the row (see STRIPES); values sum over them. */
  stripe: smallint('stripe').notNull().default(0),
  delta: bigint('delta', { mode: 'number' }).notNull(),
};

export const kpiRollupYear = pgTable(
  'kpi_rollup_year',
  { ...rollupColumns, year: smallint('year').notNull() },
  (t) => [primaryKey({ columns: [t.unitId, t.series, t.variant, t.view, t.year, t.stripe] })],
);

export const kpiRollupMonth = pgTable(
  'kpi_rollup_month',
  { ...rollupColumns, month: date('month', { mode: 'string' }).notNull() },
  (t) => [
    primaryKey({ columns: [t.unitId, t.series, t.variant, t.view, t.month, t.stripe] }),
    check('kpi_rollup_month_first_day', sql`extract(day from ${t.month}) = 1`),
  ],
);

export const kpiRollupDay = pgTable(
  'kpi_rollup_day',
  { ...rollupColumns, day: date('day', { mode: 'string' }).notNull() },
  (t) => [primaryKey({ columns: [t.unitId, t.series, t.variant, t.view, t.day, t.stripe] })],
);

/** Orders changes for incremental pulls: a partner's cursor is the last number it saw. */
export const kpiChangeSeq = pgSequence('kpi_change_seq');

/** When the data under a unit last changed, per series (every level, branches included): the latest of its copies (STRIPES). */
export const kpiAsOf = pgTable(
  'kpi_as_of',
  {
    unitId: integer('unit_id').notNull().references(() => units.id),
    series: text('series').$type<Series>().notNull(),
    changedAt: instant('changed_at').notNull(),
    /** Number of the last change, from kpi_change_seq. */
    seq: bigint('seq', { mode: 'number' }).notNull().default(sql`nextval('kpi_change_seq')`),
    stripe: smallint('stripe').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.series, t.stripe] }), index('kpi_as_of_seq_idx').on(t.seq)],
);
