// The roll-up steps of new members (and new activity reports), summed in memory. A bulk
// load of millions of members cannot afford to derive steps in SQL row by row
// (db/rollup.ts, `events('members')`): here the same rule runs on each member as it
// streams past, for a member with no placement history (its unit since it joined), and
// the sums are written in a few large statements. That both give the same roll-ups is
// tested (test/db/bulk-import.test.ts compares a bulk load with a rebuild from the base
// tables).
//
// A member held by unit U over its membership clipped to U's life, [s, e):
//   MEMBERS            +1 at s, −1 at e
//   MEMBERS_DIGITIZED  [max(s, digitizedAt), e)
//   MEMBERS_APP        [max(s, appActivatedAt), e)
//   MEMBERS_EVALUATED  [max(s, recordedAt), e), variant = the evaluation year
// each only when its start is before its end. A report adds its count on its day.
// Steps are bucketed by Vietnam day.
import { sql } from 'drizzle-orm';
import { rows, type Db } from './client.js';
import { vietnamDay } from './import/time.js';
import { REPORT_KINDS, type ReportKind, type UnitLevel } from './schema.js';

const DAY_MS = 86_400_000;
/** Day numbers from 1900 on are ≥ 0 with this offset. */
const DAY_OFFSET = 30_000;
const FIRST_EVALUATION_YEAR = 1950;
/** Series (and variant) index: MEMBERS, MEMBERS_DIGITIZED, MEMBERS_APP, then MEMBERS_EVALUATED per year from 1950. */
const SV_MEMBERS = 0;
const SV_DIGITIZED = 1;
const SV_APP = 2;
const SV_EVALUATED = 3;
const SV_BITS = 256;
const DAY_BITS = 131_072;
const MONTH_BITS = 32_768;
/** Then the report kinds, after the evaluation years up to 2100. */
const SV_REPORT = SV_EVALUATED + 2100 - FIRST_EVALUATION_YEAR + 1;
const SERIES_OF = ['MEMBERS', 'MEMBERS_DIGITIZED', 'MEMBERS_APP'];

const series = (sv: number) => (sv < SV_EVALUATED ? SERIES_OF[sv]! : sv < SV_REPORT ? 'MEMBERS_EVALUATED' : REPORT_KINDS[sv - SV_REPORT]!);
const variant = (sv: number) => (sv < SV_EVALUATED || sv >= SV_REPORT ? 0 : sv - SV_EVALUATED + FIRST_EVALUATION_YEAR);

/** The unit facts the rule needs. */
export interface UnitLife {
  from: number;
  to: number | null;
  /** Units whose month (and year) roll-ups a step of this unit's members reaches: the non-branch units of its path. */
  months: number[];
  /** Units whose day roll-ups it reaches: the Central Committee and the province of its path. */
  days: number[];
}

export async function unitLives(db: Db): Promise<Map<number, UnitLife>> {
  const found = await rows<{ id: number; level: UnitLevel; path: number[] | string; from_ms: number; to_ms: number | null; top: number[] | string }>(
    db,
    sql`SELECT u.id, u.level, u.path, (extract(epoch FROM u.valid_from) * 1000)::float8 AS from_ms,
               (extract(epoch FROM u.valid_to) * 1000)::float8 AS to_ms,
               ARRAY(SELECT a.id FROM unnest(u.path) WITH ORDINALITY p(id, n) JOIN units a ON a.id = p.id
                      WHERE a.level IN ('CENTRAL', 'PROVINCE') ORDER BY p.n) AS top
          FROM units u`,
  );
  const ints = (v: number[] | string) => (typeof v === 'string' ? v.replace(/[{}]/g, '').split(',').filter(Boolean).map(Number) : v.map(Number));
  return new Map(
    found.map((u) => {
      const path = ints(u.path);
      return [
        Number(u.id),
        {
          from: Number(u.from_ms),
          to: u.to_ms === null ? null : Number(u.to_ms),
          months: u.level === 'BRANCH' ? path.slice(0, -1) : path,
          days: ints(u.top),
        },
      ];
    }),
  );
}

export interface NewMember {
  unitId: number;
  joinedAt: number;
  leftAt: number | null;
  digitizedAt: number | null;
  appActivatedAt: number | null;
  evaluations: { year: number; recordedAt: number }[];
}

/** Month index year × 12 + (month − 1) of a day number. */
function monthOf(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * Sums of steps per (lowest month unit, series, month) and (lowest day unit, series, day):
 * two additions a step. `drain` spreads them over the ancestors as rows that
 * `addRollupRows` adds to the roll-up tables.
 */
export class MemberRollups {
  private months = new Map<number, number>();
  private days = new Map<number, number>();
  /** (unit × SV_BITS + series index) of the units whose members changed, for `asOf`. */
  private touched = new Set<number>();
  private monthCache = new Map<number, number>();

  constructor(private readonly units: Map<number, UnitLife>) {}

  get size(): number {
    return this.months.size + this.days.size;
  }

  add(m: NewMember): void {
    const unit = this.units.get(m.unitId);
    if (!unit) throw new Error(`unit ${m.unitId} is not known to the roll-ups`);
    const s = Math.max(m.joinedAt, unit.from);
    const e = m.leftAt === null ? unit.to : unit.to === null ? m.leftAt : Math.min(m.leftAt, unit.to);
    if (e !== null && s >= e) return;
    this.interval(m.unitId, unit, SV_MEMBERS, s, e);
    if (m.digitizedAt !== null) this.interval(m.unitId, unit, SV_DIGITIZED, Math.max(s, m.digitizedAt), e);
    if (m.appActivatedAt !== null) this.interval(m.unitId, unit, SV_APP, Math.max(s, m.appActivatedAt), e);
    for (const ev of m.evaluations) this.interval(m.unitId, unit, SV_EVALUATED + ev.year - FIRST_EVALUATION_YEAR, Math.max(s, ev.recordedAt), e);
  }

  /** +1 at `start` and −1 at `end` (null: open), when it starts before it ends. */
  private interval(unitId: number, unit: UnitLife, sv: number, start: number, end: number | null): void {
    if (end !== null && start >= end) return;
    this.touched.add(unitId * SV_BITS + Math.min(sv, SV_EVALUATED));
    const monthUnit = unit.months[unit.months.length - 1];
    const dayUnit = unit.days[unit.days.length - 1];
    this.step(monthUnit, dayUnit, sv, start, 1);
    if (end !== null) this.step(monthUnit, dayUnit, sv, end, -1);
  }

  /**
   * A new activity report: a flow, one step of its count on its day (the Vietnam day
   * number), never taken back (db/rollup.ts, `events('reports')`).
   */
  addReport(unitId: number, kind: ReportKind, day: number, count: number): void {
    const unit = this.units.get(unitId);
    if (!unit) throw new Error(`unit ${unitId} is not known to the roll-ups`);
    const sv = SV_REPORT + REPORT_KINDS.indexOf(kind);
    this.touched.add(unitId * SV_BITS + sv);
    this.stepOnDay(unit.months[unit.months.length - 1], unit.days[unit.days.length - 1], sv, day, count);
  }

  private step(monthUnit: number | undefined, dayUnit: number | undefined, sv: number, at: number, delta: number): void {
    this.stepOnDay(monthUnit, dayUnit, sv, vietnamDay(at), delta);
  }

  private stepOnDay(monthUnit: number | undefined, dayUnit: number | undefined, sv: number, day: number, delta: number): void {
    if (monthUnit !== undefined) {
      let month = this.monthCache.get(day);
      if (month === undefined) this.monthCache.set(day, (month = monthOf(day)));
      const key = (monthUnit * SV_BITS + sv) * MONTH_BITS + month;
      this.months.set(key, (this.months.get(key) ?? 0) + delta);
    }
    if (dayUnit !== undefined) {
      const key = (dayUnit * SV_BITS + sv) * DAY_BITS + day + DAY_OFFSET;
      this.days.set(key, (this.days.get(key) ?? 0) + delta);
    }
  }

  /** The sums spread over the ancestors, as rows of the roll-up tables; the sums start again from zero. */
  drain(): RollupRows {
    const [months, days, touched] = [this.months, this.days, this.touched];
    this.months = new Map();
    this.days = new Map();
    this.touched = new Set();
    const month = new Map<number, number>();
    const year = new Map<number, number>();
    for (const [key, delta] of months) {
      if (delta === 0) continue;
      const m = key % MONTH_BITS;
      const unitSv = (key - m) / MONTH_BITS;
      const sv = unitSv % SV_BITS;
      const y = Math.floor(m / 12);
      for (const a of this.units.get((unitSv - sv) / SV_BITS)!.months) {
        const k = (a * SV_BITS + sv) * MONTH_BITS + m;
        month.set(k, (month.get(k) ?? 0) + delta);
        const ky = (a * SV_BITS + sv) * MONTH_BITS + y;
        year.set(ky, (year.get(ky) ?? 0) + delta);
      }
    }
    const day = new Map<number, number>();
    for (const [key, delta] of days) {
      if (delta === 0) continue;
      const d = key % DAY_BITS;
      const unitSv = (key - d) / DAY_BITS;
      const sv = unitSv % SV_BITS;
      for (const a of this.units.get((unitSv - sv) / SV_BITS)!.days) {
        const k = (a * SV_BITS + sv) * DAY_BITS + d;
        day.set(k, (day.get(k) ?? 0) + delta);
      }
    }
    const asOf = { units: [] as number[], series: [] as string[] };
    for (const t of touched) {
      asOf.units.push(Math.floor(t / SV_BITS));
      asOf.series.push(series(t % SV_BITS));
    }
    return {
      year: rowsOf(year, MONTH_BITS, (y) => y),
      month: rowsOf(month, MONTH_BITS, (m) => `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`),
      day: rowsOf(day, DAY_BITS, (d) => new Date((d - DAY_OFFSET) * DAY_MS).toISOString().slice(0, 10)),
      asOf,
    };
  }
}

/** Rows of one roll-up table, column by column, in key order. */
export interface BucketRows {
  units: number[];
  series: string[];
  variants: number[];
  buckets: (number | string)[];
  deltas: number[];
}

export interface RollupRows {
  year: BucketRows;
  month: BucketRows;
  day: BucketRows;
  /** The (holding unit, series) pairs whose values changed. */
  asOf: { units: number[]; series: string[] };
}

function rowsOf(sums: Map<number, number>, bits: number, bucket: (b: number) => number | string): BucketRows {
  const out: BucketRows = { units: [], series: [], variants: [], buckets: [], deltas: [] };
  const keys = [...sums.keys()].filter((k) => sums.get(k) !== 0).sort((a, b) => a - b);
  for (const key of keys) {
    const b = key % bits;
    const unitSv = (key - b) / bits;
    const sv = unitSv % SV_BITS;
    out.units.push((unitSv - sv) / SV_BITS);
    out.series.push(series(sv));
    out.variants.push(variant(sv));
    out.buckets.push(bucket(b));
    out.deltas.push(sums.get(key)!);
  }
  return out;
}

const array = (values: (number | string)[], type: string) => sql`${`{${values.join(',')}}`}::${sql.raw(type)}[]`;

/** Adds roll-up rows to the tables, a chunk of rows per statement. */
export async function addRollupRows(db: Db, rows: RollupRows, chunk = 50_000): Promise<void> {
  for (const [table, column, type, r] of [
    ['kpi_rollup_year', 'year', 'smallint', rows.year],
    ['kpi_rollup_month', 'month', 'date', rows.month],
    ['kpi_rollup_day', 'day', 'date', rows.day],
  ] as const) {
    for (let i = 0; i < r.units.length; i += chunk) {
      const part = <T>(values: T[]) => values.slice(i, i + chunk) as (number | string)[];
      await db.execute(sql`
        INSERT INTO ${sql.identifier(table)} AS r (unit_id, series, variant, ${sql.identifier(column)}, delta)
        SELECT * FROM unnest(${array(part(r.units), 'int')}, ${array(part(r.series), 'text')}, ${array(part(r.variants), 'smallint')},
                             ${array(part(r.buckets), type)}, ${array(part(r.deltas), 'bigint')})
        ON CONFLICT (unit_id, series, variant, ${sql.identifier(column)}) DO UPDATE SET delta = r.delta + excluded.delta`);
    }
  }
  if (rows.asOf.units.length > 0) {
    await db.execute(sql`
      INSERT INTO kpi_as_of (unit_id, series, changed_at)
      SELECT DISTINCT a.id, t.series, now()
        FROM unnest(${array(rows.asOf.units, 'int')}, ${array(rows.asOf.series, 'text')}) AS t(unit_id, series)
        JOIN units u ON u.id = t.unit_id CROSS JOIN LATERAL unnest(u.path) AS a(id)
       ORDER BY 1, 2
      ON CONFLICT (unit_id, series) DO UPDATE SET changed_at = excluded.changed_at, seq = nextval('kpi_change_seq')`);
  }
}
