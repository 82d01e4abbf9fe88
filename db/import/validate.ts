// Validation of one import record on its own (format version 1, docs/import-format.md):
// types, enums, instants, and the order of the record's own dates. What needs other
// records (unit codes, duplicates, a unit's life) is checked by the validation pass.
import * as z from 'zod';
import { GENDERS, UNIT_LEVELS, type UnitLevel } from '../schema.js';
import { BIRTH_YEARS, EVALUATION_YEARS, KPI_IDS, REPORT_COUNT_MAX, REPORT_KINDS, type KpiId, type ReportKind } from '../../domain/catalogue.js';
import { formatVietnam, parseDay, parseInstant, vietnamDay, vietnamMidnightMs, type Instant } from '../../domain/time.js';
import { parseTargetPeriod, type Period } from '../../domain/period.js';
import { treeDateProblem } from '../tree.js';

/** What is wrong with a record: the field (a path such as `evaluations[1].year`) and why. */
export interface Issue {
  field: string;
  reason: string;
}

/** The record types of the format; `evaluation` and `rosterEntry` are rows of the CSV files of nested lists. */
export const RECORD_TYPES = ['unit', 'member', 'model', 'team', 'product', 'relic', 'report', 'target', 'reorganisation'] as const;
export type RowType = (typeof RECORD_TYPES)[number] | 'evaluation' | 'rosterEntry';

/** NUL and unpaired surrogates: text that PostgreSQL cannot store (or JSON cannot carry). */
export const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const storable = (s: z.ZodString) => s.refine((v) => !UNSTORABLE.test(v), 'must not hold a NUL (U+0000) or an unpaired surrogate');
const id = storable(z.string()).transform((v) => v.trim()).pipe(z.string().min(1));
const name = storable(z.string()).transform((v) => v.trim()).pipe(z.string().min(1));
const instant = z.string().transform((s, ctx): Instant => {
  const r = parseInstant(s);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r, input: s });
    return z.NEVER;
  }
  return r;
});
const day = z.string().transform((s, ctx) => {
  const r = parseDay(s);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r, input: s });
    return z.NEVER;
  }
  return { text: s, day: r };
});
/** Today in Vietnam, as a day number: nothing can be reported for a later day. */
const today = () => vietnamDay(Date.now());
const reportDay = day.transform((d, ctx) => {
  if (d.day <= today()) return d;
  const message = `must not be after today (${formatVietnam(vietnamMidnightMs(today())).slice(0, 10)}, Vietnam time): a report counts what was done`;
  ctx.addIssue({ code: 'custom', message, input: d.text });
  return z.NEVER;
});
const period = z.string().transform((s, ctx): Period => {
  const r = parseTargetPeriod(s);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r, input: s });
    return z.NEVER;
  }
  return r;
});

/** The day a reorganisation takes effect: a Vietnam midnight, not in the future (db/tree.ts). */
const treeInstant = instant.transform((at, ctx): Instant => {
  const problem = treeDateProblem(new Date(at.ms));
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem, input: at.text });
    return z.NEVER;
  }
  return at;
});

export { BIRTH_YEARS, EVALUATION_YEARS };

const evaluation = z.strictObject({ year: z.number().int().min(EVALUATION_YEARS.min).max(EVALUATION_YEARS.max), recordedAt: instant });
const rosterEntry = z.strictObject({ person: id, from: instant, to: instant.nullish() });

const SCHEMAS = {
  unit: z.strictObject({
    type: z.literal('unit'),
    code: id,
    name,
    level: z.enum(UNIT_LEVELS),
    parent: id.nullish(),
    validFrom: instant,
    validTo: instant.nullish(),
    successor: id.nullish(),
  }),
  member: z.strictObject({
    type: z.literal('member'),
    id,
    unit: id,
    joinedAt: instant,
    leftAt: instant.nullish(),
    unitSince: instant.nullish(),
    digitizedAt: instant.nullish(),
    appActivatedAt: instant.nullish(),
    evaluations: z.array(evaluation).nullish(),
    birthYear: z.number().int().min(BIRTH_YEARS.min).max(BIRTH_YEARS.max).nullish(),
    gender: z.enum(GENDERS).nullish(),
  }),
  model: z.strictObject({
    type: z.literal('model'),
    id,
    unit: id,
    kind: name,
    establishedAt: instant,
    effectiveFrom: instant.nullish(),
    endedAt: instant.nullish(),
  }),
  team: z.strictObject({
    type: z.literal('team'),
    id,
    unit: id,
    establishedAt: instant,
    disbandedAt: instant.nullish(),
    roster: z.array(rosterEntry).nullish(),
  }),
  product: z.strictObject({
    type: z.literal('product'),
    id,
    unit: id,
    name,
    listedAt: instant,
    delistedAt: instant.nullish(),
  }),
  relic: z.strictObject({ type: z.literal('relic'), id, unit: id, name, digitizedAt: instant.nullish() }),
  report: z.strictObject({
    type: z.literal('report'),
    id: id.nullish(),
    unit: id,
    kind: z.enum(REPORT_KINDS),
    date: reportDay,
    count: z.number().int().min(0).max(REPORT_COUNT_MAX, `must be at most ${REPORT_COUNT_MAX.toLocaleString('en')}`),
  }),
  target: z.strictObject({
    type: z.literal('target'),
    unit: id,
    kpi: z.enum(KPI_IDS),
    period,
    value: z.number().min(0),
  }),
  reorganisation: z.discriminatedUnion('change', [
    z.strictObject({ type: z.literal('reorganisation'), change: z.literal('reparent'), unit: id, parent: id, at: treeInstant }),
    z.strictObject({ type: z.literal('reorganisation'), change: z.literal('merge'), units: z.array(id).min(1).max(100), into: id, at: treeInstant }),
    z.strictObject({
      type: z.literal('reorganisation'),
      change: z.literal('split'),
      unit: id,
      children: z.array(z.strictObject({ unit: id, parent: id })).max(1000),
      into: id,
      at: treeInstant,
    }),
  ]),
  evaluation: z.strictObject({ type: z.literal('evaluation'), member: id, ...evaluation.shape }),
  rosterEntry: z.strictObject({ type: z.literal('rosterEntry'), team: id, ...rosterEntry.shape }),
} satisfies Record<RowType, z.ZodType>;

type Out<T extends RowType> = z.output<(typeof SCHEMAS)[T]>;
type Opt<T> = Exclude<T, undefined> | null;

export interface UnitRow {
  type: 'unit';
  code: string;
  name: string;
  level: UnitLevel;
  parent: string | null;
  validFrom: Instant;
  validTo: Instant | null;
  successor: string | null;
}
export interface EvaluationRow {
  member: string;
  year: number;
  recordedAt: Instant;
}
export interface RosterRow {
  team: string;
  person: string;
  from: Instant;
  to: Instant | null;
}
export interface MemberRow {
  type: 'member';
  id: string;
  unit: string;
  joinedAt: Instant;
  leftAt: Instant | null;
  /** Since when the member is in `unit`: the instant of a transfer from the unit stored before (docs/import-format.md). */
  unitSince: Instant | null;
  digitizedAt: Instant | null;
  appActivatedAt: Instant | null;
  evaluations: EvaluationRow[];
  birthYear: number | null;
  gender: Opt<Out<'member'>['gender']>;
}
export interface ModelRow {
  type: 'model';
  id: string;
  unit: string;
  kind: string;
  establishedAt: Instant;
  effectiveFrom: Instant | null;
  endedAt: Instant | null;
}
export interface TeamRow {
  type: 'team';
  id: string;
  unit: string;
  establishedAt: Instant;
  disbandedAt: Instant | null;
  roster: RosterRow[];
}
export interface ProductRow {
  type: 'product';
  id: string;
  unit: string;
  name: string;
  listedAt: Instant;
  delistedAt: Instant | null;
}
export interface RelicRow {
  type: 'relic';
  id: string;
  unit: string;
  name: string;
  digitizedAt: Instant | null;
}
export interface ReportRow {
  type: 'report';
  id: string | null;
  unit: string;
  kind: ReportKind;
  /** YYYY-MM-DD, a Vietnam day. */
  date: string;
  day: number;
  count: number;
}
export interface TargetRow {
  type: 'target';
  unit: string;
  kpi: KpiId;
  period: Period;
  value: number;
}
/** A change of the tree from a day on (docs/import-format.md): applied, in file order, right after the units. */
export type ReorganisationRow = { type: 'reorganisation'; at: Instant } & (
  | { change: 'reparent'; unit: string; parent: string }
  | { change: 'merge'; units: string[]; into: string }
  | { change: 'split'; unit: string; children: { unit: string; parent: string }[]; into: string }
);
export type ImportRow =
  | UnitRow
  | ReorganisationRow
  | MemberRow
  | ModelRow
  | TeamRow
  | ProductRow
  | RelicRow
  | ReportRow
  | TargetRow
  | ({ type: 'evaluation' } & EvaluationRow)
  | ({ type: 'rosterEntry' } & RosterRow);

const orNull = <T>(v: T | null | undefined): T | null => v ?? null;

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(record)';
}

const article = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);

function describe(issue: z.core.$ZodIssue): Issue[] {
  const field = fieldOf(issue.path);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return [{ field, reason: 'is required' }];
      if (issue.expected === 'int') return [{ field, reason: `must be a whole number (got ${show(input)})` }];
      if (issue.expected === 'object') return [{ field, reason: `must be a JSON object (got ${show(input)})` }];
      return [{ field, reason: `must be ${article(issue.expected)} (got ${show(input)})` }];
    case 'invalid_value':
      return [{ field, reason: `must be ${issue.values.length === 1 ? show(issue.values[0]) : `one of ${issue.values.join(', ')}`} (got ${show(input)})` }];
    case 'too_small':
      if (issue.origin === 'string') return [{ field, reason: 'must not be empty' }];
      return [{ field, reason: `must be ${issue.inclusive ? '≥' : '>'} ${issue.minimum} (got ${show(input)})` }];
    case 'too_big':
      return [{ field, reason: `must be ${issue.inclusive ? '≤' : '<'} ${issue.maximum} (got ${show(input)})` }];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ field: fieldOf([...issue.path, key]), reason: 'is not a field of this record type (format version 1)' }));
    case 'custom':
      return [{ field, reason: input === undefined ? issue.message : `${issue.message} (got ${show(input)})` }];
    default:
      return [{ field, reason: issue.message }];
  }
}

function after(issues: Issue[], field: string, later: Instant | null, otherField: string, earlier: Instant | null, orEqual = false): void {
  if (!later || !earlier) return;
  if (later.ms > earlier.ms || (orEqual && later.ms === earlier.ms)) return;
  issues.push({ field, reason: `must be ${orEqual ? 'at or after' : 'after'} ${otherField} (${earlier.text})` });
}

/**
 * Validates a parsed value as a record of the format (the CSV reader sets the `type` of a
 * row from its file). Returns the normalized row, or the issues. With `fastPaths` off,
 * every record goes through the schema (the fast paths are tested against it).
 */
export function validateRecord(value: unknown, fastPaths = true): { row: ImportRow } | { issues: Issue[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { issues: [{ field: '(record)', reason: `must be a JSON object (got ${show(value)})` }] };
  }
  const type = (value as { type?: unknown }).type;
  const fast = !fastPaths ? undefined : type === 'member' ? fastMember(value as Record<string, unknown>) : type === 'report' ? fastReport(value as Record<string, unknown>) : undefined;
  if (fast) return { row: fast };
  const schema = typeof type === 'string' && Object.hasOwn(SCHEMAS, type) ? SCHEMAS[type as RowType] : undefined;
  if (!schema) {
    return { issues: [{ field: 'type', reason: type === undefined ? 'is required' : `must be one of ${RECORD_TYPES.join(', ')} (got ${show(type)})` }] };
  }
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) return { issues: parsed.error.issues.flatMap(describe) };
  const issues: Issue[] = [];
  const row = normalize(parsed.data as Out<RowType>, issues);
  return issues.length > 0 ? { issues } : { row };
}

function normalize(r: Out<RowType>, issues: Issue[]): ImportRow {
  switch (r.type) {
    case 'unit': {
      const row: UnitRow = { ...r, parent: orNull(r.parent), validTo: orNull(r.validTo), successor: orNull(r.successor) };
      after(issues, 'validTo', row.validTo, 'validFrom', row.validFrom);
      if (row.parent === row.code) issues.push({ field: 'parent', reason: 'a unit cannot be its own parent' });
      if (row.successor === row.code) issues.push({ field: 'successor', reason: 'a unit cannot be its own successor' });
      if (row.level === 'CENTRAL' && row.parent) issues.push({ field: 'parent', reason: 'the CENTRAL unit has no parent' });
      if (row.level !== 'CENTRAL' && !row.parent) issues.push({ field: 'parent', reason: `is required for a ${row.level} unit` });
      return row;
    }
    case 'member': {
      const row: MemberRow = {
        ...r,
        leftAt: orNull(r.leftAt),
        unitSince: orNull(r.unitSince),
        digitizedAt: orNull(r.digitizedAt),
        appActivatedAt: orNull(r.appActivatedAt),
        evaluations: (r.evaluations ?? []).map((e) => ({ member: r.id, ...e })),
        birthYear: orNull(r.birthYear),
        gender: orNull(r.gender),
      };
      after(issues, 'leftAt', row.leftAt, 'joinedAt', row.joinedAt);
      after(issues, 'unitSince', row.unitSince, 'joinedAt', row.joinedAt, true);
      if (row.unitSince && row.leftAt && row.unitSince.ms >= row.leftAt.ms) issues.push({ field: 'unitSince', reason: `must be before leftAt (${row.leftAt.text}): a member leaves from the unit they are in` });
      const years = new Map<number, number>();
      row.evaluations.forEach((e, i) => {
        const first = years.get(e.year);
        if (first !== undefined) issues.push({ field: `evaluations[${i}].year`, reason: `${e.year} is already evaluated in evaluations[${first}]` });
        else years.set(e.year, i);
      });
      return row;
    }
    case 'model': {
      const row: ModelRow = { ...r, effectiveFrom: orNull(r.effectiveFrom), endedAt: orNull(r.endedAt) };
      after(issues, 'endedAt', row.endedAt, 'establishedAt', row.establishedAt);
      after(issues, 'effectiveFrom', row.effectiveFrom, 'establishedAt', row.establishedAt, true);
      return row;
    }
    case 'team': {
      const row: TeamRow = {
        ...r,
        disbandedAt: orNull(r.disbandedAt),
        roster: (r.roster ?? []).map((e) => ({ team: r.id, person: e.person, from: e.from, to: orNull(e.to) })),
      };
      after(issues, 'disbandedAt', row.disbandedAt, 'establishedAt', row.establishedAt);
      const seen = new Map<string, number>();
      row.roster.forEach((e, i) => {
        after(issues, `roster[${i}].to`, e.to, 'from', e.from);
        const key = `${e.person}\u0000${e.from.ms}`;
        const first = seen.get(key);
        if (first !== undefined) issues.push({ field: `roster[${i}]`, reason: `${e.person} from ${e.from.text} is already in roster[${first}]` });
        else seen.set(key, i);
      });
      return row;
    }
    case 'product': {
      const row: ProductRow = { ...r, delistedAt: orNull(r.delistedAt) };
      after(issues, 'delistedAt', row.delistedAt, 'listedAt', row.listedAt);
      return row;
    }
    case 'relic':
      return { ...r, digitizedAt: orNull(r.digitizedAt) };
    case 'report':
      return { type: 'report', id: orNull(r.id), unit: r.unit, kind: r.kind, date: r.date.text, day: r.date.day, count: r.count };
    case 'target':
    case 'reorganisation':
      return r;
    case 'evaluation':
      return r;
    case 'rosterEntry': {
      const row = { ...r, to: orNull(r.to) };
      after(issues, 'to', row.to, 'from', row.from);
      return row;
    }
  }
}

// Fast paths for the records that come by the million. Each accepts only a record that the
// schema above accepts whole, and returns the row `normalize` would; anything else (a
// problem, or merely a form it does not know, such as an id with spaces to trim) returns
// undefined and goes the schema's way, which explains what is wrong.

const MEMBER_KEYS = new Set(['type', 'id', 'unit', 'joinedAt', 'leftAt', 'unitSince', 'digitizedAt', 'appActivatedAt', 'evaluations', 'birthYear', 'gender']);
const REPORT_KEYS = new Set(['type', 'id', 'unit', 'kind', 'date', 'count']);
const GENDER_SET = new Set<unknown>(GENDERS);
const REPORT_KIND_SET = new Set<unknown>(REPORT_KINDS);

const onlyKeys = (value: Record<string, unknown>, keys: Set<string>) => {
  for (const key in value) if (!keys.has(key)) return false;
  return true;
};
/** A non-empty string with nothing to trim. */
const plainId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.trim().length === v.length && !UNSTORABLE.test(v);
/** Undefined: not an instant here (let the schema say why); null: absent. */
function optionalInstant(v: unknown): Instant | null | undefined {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return undefined;
  const r = parseInstant(v);
  return typeof r === 'string' ? undefined : r;
}
const intIn = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function fastMember(r: Record<string, unknown>): MemberRow | undefined {
  if (!onlyKeys(r, MEMBER_KEYS) || !plainId(r.id) || !plainId(r.unit) || typeof r.joinedAt !== 'string') return undefined;
  const joinedAt = optionalInstant(r.joinedAt);
  const leftAt = optionalInstant(r.leftAt);
  const unitSince = optionalInstant(r.unitSince);
  const digitizedAt = optionalInstant(r.digitizedAt);
  const appActivatedAt = optionalInstant(r.appActivatedAt);
  if (!joinedAt || leftAt === undefined || unitSince === undefined || digitizedAt === undefined || appActivatedAt === undefined) return undefined;
  if (leftAt && leftAt.ms <= joinedAt.ms) return undefined;
  if (unitSince && (unitSince.ms < joinedAt.ms || (leftAt && unitSince.ms >= leftAt.ms))) return undefined;
  const birthYear = r.birthYear ?? null;
  if (birthYear !== null && !intIn(birthYear, BIRTH_YEARS.min, BIRTH_YEARS.max)) return undefined;
  const gender = r.gender ?? null;
  if (gender !== null && !GENDER_SET.has(gender)) return undefined;
  const evaluations: EvaluationRow[] = [];
  const list = r.evaluations ?? [];
  if (!Array.isArray(list)) return undefined;
  for (const e of list as unknown[]) {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return undefined;
    const { year, recordedAt } = e as Record<string, unknown>;
    if (Object.keys(e).length !== 2 || !intIn(year, EVALUATION_YEARS.min, EVALUATION_YEARS.max) || typeof recordedAt !== 'string') return undefined;
    const at = parseInstant(recordedAt);
    if (typeof at === 'string' || evaluations.some((x) => x.year === year)) return undefined;
    evaluations.push({ member: r.id, year, recordedAt: at });
  }
  return {
    type: 'member',
    id: r.id,
    unit: r.unit,
    joinedAt,
    leftAt,
    unitSince,
    digitizedAt,
    appActivatedAt,
    evaluations,
    birthYear: birthYear as number | null,
    gender: gender as MemberRow['gender'],
  };
}

function fastReport(r: Record<string, unknown>): ReportRow | undefined {
  const id = r.id ?? null;
  if (!onlyKeys(r, REPORT_KEYS) || (id !== null && !plainId(id)) || !plainId(r.unit) || !REPORT_KIND_SET.has(r.kind)) return undefined;
  if (typeof r.date !== 'string' || !intIn(r.count, 0, REPORT_COUNT_MAX)) return undefined;
  const day = parseDay(r.date);
  if (typeof day === 'string' || day > today()) return undefined;
  return { type: 'report', id, unit: r.unit, kind: r.kind as ReportKind, date: r.date, day, count: r.count };
}
