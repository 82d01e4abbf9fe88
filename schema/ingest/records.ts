// What the mutations return and the audit log keeps: each entity as plain JSON, units
// named by code and instants as ISO text in Vietnam time, so that a stored result
// replays exactly as it was first returned.
import { and, asc, eq, isNull } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.js';
import { activityReports, digitalModels, memberEvaluations, members, relics, startupProducts, teamRoster, teams, units } from '../../db/schema.js';
import { REPORT_KINDS, type ReportKind } from '../../domain/catalogue.js';
import { builder } from '../builder.js';
import type { Context, UnitRow } from '../context.js';
import { Unit } from '../unit/index.js';
import { iso } from './run.js';

/** The unit a record names, read after the write (units are never deleted). */
export async function unitNamed(ctx: Context, code: string): Promise<UnitRow> {
  const unit = await ctx.loaders.unitByCode.load(code);
  if (!unit) throw new Error(`unit ${code} not found`);
  return unit;
}

const instant = (value: string | null): Date | null => (value === null ? null : new Date(value));
const isoOf = (d: Date): string => iso(d)!;

export const ReportKindEnum = builder.enumType('ReportKind', {
  description: 'What an activity report counts: citizens helped, one of the five flow KPIs.',
  values: REPORT_KINDS,
});

export const GenderEnum = builder.enumType('Gender', { values: ['MALE', 'FEMALE', 'OTHER'] as const });

// ── units ────────────────────────────────────────────────────────────────────

export interface UnitSnapshot {
  code: string;
  name: string;
  level: UnitRow['level'];
  parent: string | null;
  validFrom: string;
  validTo: string | null;
  successor: string | null;
}

export async function unitSnapshot(tx: Db, code: string): Promise<UnitSnapshot | null> {
  const parent = alias(units, 'parent');
  const successor = alias(units, 'successor');
  const [u] = await tx
    .select({ unit: units, parent: parent.code, successor: successor.code })
    .from(units)
    .leftJoin(parent, eq(parent.id, units.parentId))
    .leftJoin(successor, eq(successor.id, units.successorId))
    .where(eq(units.code, code));
  if (!u) return null;
  return {
    code: u.unit.code,
    name: u.unit.name,
    level: u.unit.level,
    parent: u.parent,
    validFrom: isoOf(u.unit.validFrom),
    validTo: iso(u.unit.validTo),
    successor: u.successor,
  };
}

// ── members ──────────────────────────────────────────────────────────────────

export interface MemberSnapshot {
  id: string;
  unit: string;
  unitSince: string;
  joinedAt: string;
  leftAt: string | null;
  birthYear: number | null;
  gender: 'MALE' | 'FEMALE' | 'OTHER' | null;
  digitizedAt: string | null;
  appActivatedAt: string | null;
}

export async function memberSnapshot(tx: Db, externalId: string): Promise<(MemberSnapshot & { memberId: number }) | null> {
  const [m] = await tx
    .select({ member: members, unit: units.code })
    .from(members)
    .innerJoin(units, eq(units.id, members.unitId))
    .where(eq(members.externalId, externalId))
    .for('update', { of: members });
  if (!m) return null;
  return {
    memberId: m.member.id,
    ...memberShape(m.member, m.unit),
  };
}

export function memberShape(m: typeof members.$inferSelect, unit: string): MemberSnapshot {
  return {
    id: m.externalId,
    unit,
    unitSince: isoOf(m.unitSince),
    joinedAt: isoOf(m.joinedAt),
    leftAt: iso(m.leftAt),
    birthYear: m.birthYear,
    gender: m.gender as MemberSnapshot['gender'],
    digitizedAt: iso(m.digitizedAt),
    appActivatedAt: iso(m.appActivatedAt),
  };
}

/** The snapshot without the row id, as it is returned and stored. */
export function withoutId<T extends { memberId: number }>(s: T): Omit<T, 'memberId'> {
  const { memberId: _, ...rest } = s;
  return rest;
}

export const MemberRecord = builder.objectRef<MemberSnapshot>('MemberRecord').implement({
  // Personal data: only for admins of the unit that holds it (docs/access.md).
  authScopes: (m) => ({ personalData: { unit: m.unit } }),
  runScopesOnType: true,
  description:
    'A member as recorded in the member-management software. Birth year and gender are stored but not echoed: personal data stays where it is needed.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Id in the member-management software.' }),
    unit: t.field({ type: Unit, description: 'The branch the member is in now.', resolve: (m, _a, ctx) => unitNamed(ctx, m.unit) }),
    unitSince: t.field({ type: 'DateTime', description: 'Since when the member is in `unit`.', resolve: (m) => instant(m.unitSince)! }),
    joinedAt: t.field({ type: 'DateTime', resolve: (m) => instant(m.joinedAt)! }),
    leftAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => instant(m.leftAt) }),
    digitizedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the profile was digitized.', resolve: (m) => instant(m.digitizedAt) }),
    appActivatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the member activated the Vietnam Youth app.', resolve: (m) => instant(m.appActivatedAt) }),
  }),
});

export interface EvaluationSnapshot {
  member: string;
  year: number;
  recordedAt: string;
}

export async function evaluationSnapshot(tx: Db, memberId: number, member: string, year: number): Promise<EvaluationSnapshot | null> {
  const [e] = await tx
    .select()
    .from(memberEvaluations)
    .where(and(eq(memberEvaluations.memberId, memberId), eq(memberEvaluations.year, year)));
  return e ? { member, year: e.year, recordedAt: isoOf(e.recordedAt) } : null;
}

export const EvaluationRecord = builder.objectRef<EvaluationSnapshot>('EvaluationRecord').implement({
  // Personal data: only for admins of the unit that holds it (docs/access.md).
  authScopes: (m) => ({ personalData: { member: m.member } }),
  runScopesOnType: true,
  description: 'A member’s yearly evaluation and when it was recorded.',
  fields: (t) => ({
    member: t.exposeString('member', { description: 'The member’s id in the member-management software.' }),
    year: t.exposeInt('year'),
    recordedAt: t.field({ type: 'DateTime', resolve: (e) => instant(e.recordedAt)! }),
  }),
});

// ── models, teams, roster, products, relics ──────────────────────────────────

export interface ModelSnapshot {
  id: string;
  unit: string;
  kind: string;
  establishedAt: string;
  effectiveFrom: string | null;
  endedAt: string | null;
}

export async function modelSnapshot(tx: Db, externalId: string): Promise<ModelSnapshot | null> {
  const [d] = await tx
    .select({ model: digitalModels, unit: units.code })
    .from(digitalModels)
    .innerJoin(units, eq(units.id, digitalModels.unitId))
    .where(eq(digitalModels.externalId, externalId))
    .for('update', { of: digitalModels });
  if (!d) return null;
  const m = d.model;
  return { id: m.externalId, unit: d.unit, kind: m.kind, establishedAt: isoOf(m.establishedAt), effectiveFrom: iso(m.effectiveFrom), endedAt: iso(m.endedAt) };
}

export const DigitalModelRecord = builder.objectRef<ModelSnapshot>('DigitalModelRecord').implement({
  description: 'A digital youth model of a grassroots branch.',
  fields: (t) => ({
    id: t.exposeString('id'),
    unit: t.field({ type: Unit, resolve: (m, _a, ctx) => unitNamed(ctx, m.unit) }),
    kind: t.exposeString('kind'),
    establishedAt: t.field({ type: 'DateTime', resolve: (m) => instant(m.establishedAt)! }),
    effectiveFrom: t.field({ type: 'DateTime', nullable: true, description: 'When it was assessed effective; null while it is not.', resolve: (m) => instant(m.effectiveFrom) }),
    endedAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => instant(m.endedAt) }),
  }),
});

export interface TeamSnapshot {
  id: string;
  unit: string;
  establishedAt: string;
  disbandedAt: string | null;
}

export async function teamSnapshot(tx: Db, externalId: string): Promise<(TeamSnapshot & { teamId: number; unitId: number }) | null> {
  const [r] = await tx
    .select({ team: teams, unit: units.code })
    .from(teams)
    .innerJoin(units, eq(units.id, teams.unitId))
    .where(eq(teams.externalId, externalId))
    .for('update', { of: teams });
  if (!r) return null;
  return {
    teamId: r.team.id,
    unitId: r.team.unitId,
    id: r.team.externalId,
    unit: r.unit,
    establishedAt: isoOf(r.team.establishedAt),
    disbandedAt: iso(r.team.disbandedAt),
  };
}

export const TeamRecord = builder.objectRef<TeamSnapshot>('TeamRecord').implement({
  description: 'A Community Digital Transformation Team.',
  fields: (t) => ({
    id: t.exposeString('id'),
    unit: t.field({ type: Unit, resolve: (m, _a, ctx) => unitNamed(ctx, m.unit) }),
    establishedAt: t.field({ type: 'DateTime', resolve: (m) => instant(m.establishedAt)! }),
    disbandedAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => instant(m.disbandedAt) }),
  }),
});

export interface RosterSnapshot {
  team: string;
  person: string;
  from: string;
  to: string | null;
}

/** A person's entries on a team, earliest first. */
export async function rosterEntries(tx: Db, teamId: number, team: string, person: string): Promise<RosterSnapshot[]> {
  const found = await tx
    .select()
    .from(teamRoster)
    .where(and(eq(teamRoster.teamId, teamId), eq(teamRoster.person, person)))
    .orderBy(asc(teamRoster.fromAt))
    .for('update');
  return found.map((r) => ({ team, person, from: isoOf(r.fromAt), to: iso(r.toAt) }));
}

export const RosterEntryRecord = builder.objectRef<RosterSnapshot>('RosterEntryRecord').implement({
  // Personal data: only for admins of the unit that holds it (docs/access.md).
  authScopes: (m) => ({ personalData: { team: m.team } }),
  runScopesOnType: true,
  description: 'A person serving on a team from an instant, until another (or still).',
  fields: (t) => ({
    team: t.exposeString('team', { description: 'The team’s id.' }),
    person: t.exposeString('person'),
    from: t.field({ type: 'DateTime', resolve: (r) => instant(r.from)! }),
    to: t.field({ type: 'DateTime', nullable: true, resolve: (r) => instant(r.to) }),
  }),
});

export interface ProductSnapshot {
  id: string;
  unit: string;
  name: string;
  listedAt: string;
  delistedAt: string | null;
}

export async function productSnapshot(tx: Db, externalId: string): Promise<ProductSnapshot | null> {
  const [r] = await tx
    .select({ product: startupProducts, unit: units.code })
    .from(startupProducts)
    .innerJoin(units, eq(units.id, startupProducts.unitId))
    .where(eq(startupProducts.externalId, externalId))
    .for('update', { of: startupProducts });
  if (!r) return null;
  const p = r.product;
  return { id: p.externalId, unit: r.unit, name: p.name, listedAt: isoOf(p.listedAt), delistedAt: iso(p.delistedAt) };
}

export const StartupProductRecord = builder.objectRef<ProductSnapshot>('StartupProductRecord').implement({
  description: 'A product on the union’s startup portal.',
  fields: (t) => ({
    id: t.exposeString('id'),
    unit: t.field({ type: Unit, resolve: (m, _a, ctx) => unitNamed(ctx, m.unit) }),
    name: t.exposeString('name'),
    listedAt: t.field({ type: 'DateTime', resolve: (m) => instant(m.listedAt)! }),
    delistedAt: t.field({ type: 'DateTime', nullable: true, resolve: (m) => instant(m.delistedAt) }),
  }),
});

export interface RelicSnapshot {
  id: string;
  unit: string;
  name: string;
  digitizedAt: string | null;
}

export async function relicSnapshot(tx: Db, externalId: string): Promise<RelicSnapshot | null> {
  const [r] = await tx
    .select({ relic: relics, unit: units.code })
    .from(relics)
    .innerJoin(units, eq(units.id, relics.unitId))
    .where(eq(relics.externalId, externalId))
    .for('update', { of: relics });
  if (!r) return null;
  return { id: r.relic.externalId, unit: r.unit, name: r.relic.name, digitizedAt: iso(r.relic.digitizedAt) };
}

export const RelicRecord = builder.objectRef<RelicSnapshot>('RelicRecord').implement({
  description: 'A historical or cultural relic and when it was digitized.',
  fields: (t) => ({
    id: t.exposeString('id'),
    unit: t.field({ type: Unit, resolve: (m, _a, ctx) => unitNamed(ctx, m.unit) }),
    name: t.exposeString('name'),
    digitizedAt: t.field({ type: 'DateTime', nullable: true, description: 'Null while it is not digitized.', resolve: (m) => instant(m.digitizedAt) }),
  }),
});

// ── activity reports ─────────────────────────────────────────────────────────

export interface ReportSnapshot {
  id: string | null;
  unit: string;
  kind: ReportKind;
  date: string;
  count: number;
}

/** A report by the sender's id, or by unit, kind and day when it has none. */
export async function reportSnapshot(tx: Db, key: { id: string } | { unitId: number; kind: ReportKind; date: string }): Promise<ReportSnapshot | null> {
  const where =
    'id' in key
      ? eq(activityReports.externalId, key.id)
      : and(
          eq(activityReports.unitId, key.unitId),
          eq(activityReports.kind, key.kind),
          eq(activityReports.date, key.date),
          isNull(activityReports.externalId),
        );
  const [r] = await tx
    .select({ report: activityReports, unit: units.code })
    .from(activityReports)
    .innerJoin(units, eq(units.id, activityReports.unitId))
    .where(where)
    .for('update', { of: activityReports });
  if (!r) return null;
  const a = r.report;
  return { id: a.externalId, unit: r.unit, kind: a.kind, date: a.date, count: a.count };
}

export const ActivityReportRecord = builder.objectRef<ReportSnapshot>('ActivityReportRecord').implement({
  description: 'How many citizens a unit helped, for one kind of activity and one day.',
  fields: (t) => ({
    id: t.exposeString('id', { nullable: true, description: 'The sender’s id; null when the report is keyed by unit, kind and day.' }),
    unit: t.field({ type: Unit, resolve: (m, _a, ctx) => unitNamed(ctx, m.unit) }),
    kind: t.field({ type: ReportKindEnum, resolve: (r) => r.kind }),
    date: t.field({ type: 'Date', description: 'A Vietnam calendar day.', resolve: (r) => r.date }),
    count: t.exposeInt('count'),
  }),
});
