// The roll-up steps of new members (and new activity reports), summed in memory. A bulk
// load of millions of members cannot afford to derive steps in SQL row by row
// (db/rollup.ts): here the catalogue's series of members, evaluations and reports
// (domain/catalogue.ts) run on each record as it streams past, for a member with no
// placement history (its unit since it joined), and the sums are written with COPY at the
// end. That both give the same roll-ups is tested (test/db/bulk-import.test.ts compares a
// bulk load with a rebuild from the base tables).
//
// A member held by unit U over its membership clipped to U's life, [s, e), counts for a
// stock series of members over [max(s, its `from` instants), e), and of evaluations over
// [max(s, recordedAt), e) in the series of the evaluation's year; each only when its start
// is before its end, and never when a `from` instant is missing. A flow adds its amount on
// its instant (a report: on its day). Steps are bucketed by Vietnam day.
import { sql } from 'drizzle-orm';
import { EVALUATION_YEARS, SERIES, type ReportKind, type Series } from '../domain/catalogue.js';
import { DAY_MS, dayNumber, vietnamDay } from '../domain/time.js';
import { rows, type Db } from './client.js';
import { CopyRows } from './copy-rows.js';
import type { UnitLevel } from './schema.js';

/** Day numbers from 1900 on are ≥ 0 with this offset. */
const DAY_OFFSET = 30_000;
const DAY_BITS = 131_072;
const MONTH_BITS = 32_768;

/**
 * The slots the sums are kept by: a slot is a series and a variant. The stock and flow series
 * of members, one slot per evaluation year for each series of evaluations, one per report
 * kind; SV_BITS is a power of two above their number.
 */
interface Slot {
  series: Series;
  variant: number;
  /** The first slot of the same series (`asOf` is kept per series). */
  first: number;
}
const slots: Slot[] = [];
const slot = (series: Series, variant = 0, first = slots.length) => slots.push({ series, variant, first }) - 1;
/** A member's instants (ms since the epoch, or null) by field name. */
type Fields = Record<string, number | null>;
const memberStocks: { sv: number; from: string[] }[] = [];
const memberFlows: { sv: number; on: string; amount: string | undefined }[] = [];
const evaluationStocks: { first: number; byYear: boolean; from: string[] }[] = [];
const reportSlots = new Map<string, number>();
for (const [id, def] of SERIES) {
  if (def.type === 'STOCK' && def.records === 'members') memberStocks.push({ sv: slot(id), from: [...(def.from ?? [])] });
  else if (def.type === 'STOCK' && def.records === 'evaluations') {
    const first = slots.length;
    const byYear = def.byEvaluationYear ?? false;
    if (byYear) for (let y = EVALUATION_YEARS.min; y <= EVALUATION_YEARS.max; y++) slot(id, y, first);
    else slot(id);
    evaluationStocks.push({ first, byYear, from: [...(def.from ?? [])] });
  } else if (def.type === 'FLOW' && def.records === 'members') memberFlows.push({ sv: slot(id), on: def.on, amount: def.amount });
  else if (def.type === 'FLOW' && def.records === 'reports') reportSlots.set(def.reportKind!, slot(id));
}
const SV_BITS = 2 ** Math.ceil(Math.log2(slots.length + 1));
const series = (sv: number) => slots[sv]!.series;
const variant = (sv: number) => slots[sv]!.variant;

/** The unit facts the rule needs. */
export interface UnitLife {
  from: number;
  to: number | null;
  /** Units whose month (and year) roll-ups a step of this unit's members reaches: the non-branch units of its path. */
  months: number[];
  /** Units whose day roll-ups it reaches: the Central Committee and the province of its path. */
  days: number[];
  /** The unit and those above it. */
  path: number[];
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
          path,
        },
      ];
    }),
  );
}

/**
 * A new member as the catalogue's series read it: its instants in ms since the epoch, named
 * as the catalogue names the fields of members (and of their evaluations).
 */
export interface RollupMember {
  unitId: number;
  joinedAt: number;
  leftAt: number | null;
  digitizedAt: number | null;
  appActivatedAt: number | null;
  evaluations: { year: number; recordedAt: number }[];
}

/** The latest of `start` and the record's instants named in `from`; null when one is missing. */
function latest(start: number, fields: Fields, from: readonly string[]): number | null {
  let at = start;
  for (const f of from) {
    const v = fields[f];
    if (v == null) return null;
    if (v > at) at = v;
  }
  return at;
}

/** Month index year × 12 + (month − 1) of a day number. */
function monthOf(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * Sums of steps per (lowest month unit, series, month) and (lowest day unit, series, day):
 * two additions a step. `drain` spreads them over the ancestors; `RollupTotals` adds the
 * drains up and writes them to the roll-up tables.
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

  add(m: RollupMember): void {
    const unit = this.units.get(m.unitId);
    if (!unit) throw new Error(`unit ${m.unitId} is not known to the roll-ups`);
    const s = Math.max(m.joinedAt, unit.from);
    const e = m.leftAt === null ? unit.to : unit.to === null ? m.leftAt : Math.min(m.leftAt, unit.to);
    if (e !== null && s >= e) return;
    const fields = m as unknown as Fields;
    for (const { sv, from } of memberStocks) {
      const start = latest(s, fields, from);
      if (start !== null) this.interval(m.unitId, unit, sv, start, e);
    }
    for (const { sv, on, amount } of memberFlows) {
      const at = fields[on];
      if (at != null && at >= s && (e === null || at < e)) this.stepAt(m.unitId, unit, sv, vietnamDay(at), amount ? (fields[amount] ?? 0) : 1);
    }
    for (const ev of m.evaluations) {
      for (const { first, byYear, from } of evaluationStocks) {
        const start = latest(s, ev as unknown as Fields, from);
        if (start !== null) this.interval(m.unitId, unit, byYear ? first + ev.year - EVALUATION_YEARS.min : first, start, e);
      }
    }
  }

  /** +1 at `start` and −1 at `end` (null: open), when it starts before it ends. */
  private interval(unitId: number, unit: UnitLife, sv: number, start: number, end: number | null): void {
    if (end !== null && start >= end) return;
    this.touched.add(unitId * SV_BITS + slots[sv]!.first);
    const monthUnit = unit.months[unit.months.length - 1];
    const dayUnit = unit.days[unit.days.length - 1];
    this.step(monthUnit, dayUnit, sv, start, 1);
    if (end !== null) this.step(monthUnit, dayUnit, sv, end, -1);
  }

  /**
   * A new activity report: a flow, one step of its count on its day (the Vietnam day
   * number), never taken back (db/series.ts, the flows of reports).
   */
  addReport(unitId: number, kind: ReportKind, day: number, count: number): void {
    const unit = this.units.get(unitId);
    if (!unit) throw new Error(`unit ${unitId} is not known to the roll-ups`);
    const sv = reportSlots.get(kind);
    if (sv === undefined) throw new Error(`no series sums reports of kind ${kind}`);
    this.stepAt(unitId, unit, sv, day, count);
  }

  /** A step of `delta` on a Vietnam day, to the unit's roll-ups. */
  private stepAt(unitId: number, unit: UnitLife, sv: number, day: number, delta: number): void {
    this.touched.add(unitId * SV_BITS + slots[sv]!.first);
    this.stepOnDay(unit.months[unit.months.length - 1], unit.days[unit.days.length - 1], sv, day, delta);
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

  /**
   * The sums spread over the ancestors, as (key, sum) pairs of each roll-up table; the sums
   * start again from zero. Pairs of different drains may share a key: `RollupTotals` adds
   * them up.
   */
  drain(): DrainedSums {
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
    return { year: pairs(year), month: pairs(month), day: pairs(day), touched: Float64Array.from(touched) };
  }
}

/** Sums of one drain: (key, sum) pairs one after the other, for each roll-up table; and the (unit, series) pairs touched. */
export interface DrainedSums {
  year: Float64Array;
  month: Float64Array;
  day: Float64Array;
  touched: Float64Array;
}

function pairs(sums: Map<number, number>): Float64Array {
  const out = new Float64Array(sums.size * 2);
  let i = 0;
  for (const [key, delta] of sums) {
    if (delta === 0) continue;
    out[i++] = key;
    out[i++] = delta;
  }
  return out.subarray(0, i);
}

/** Where `RollupTotals.write` sends rows: a COPY of binary rows into `target` (table and columns). */
export type CopyInto = (target: string, rows: Uint8Array) => Promise<void>;

/**
 * The drained sums of a bulk load's readers, added up, then written into the roll-up
 * tables with COPY: their rows are only appended (the tables hold none of these series, and
 * their primary keys, dropped, are made again after, which checks that no key came twice).
 * As many entries as roll-up rows, whatever the number of members.
 */
export class RollupTotals {
  private readonly year = new Map<number, number>();
  private readonly month = new Map<number, number>();
  private readonly day = new Map<number, number>();
  private readonly touched = new Set<number>();

  add(sums: DrainedSums): void {
    for (const [into, from] of [[this.year, sums.year], [this.month, sums.month], [this.day, sums.day]] as const) {
      for (let i = 0; i < from.length; i += 2) into.set(from[i]!, (into.get(from[i]!) ?? 0) + from[i + 1]!);
    }
    for (const t of sums.touched) this.touched.add(t);
  }

  /**
   * Writes the non-zero sums, and the `kpi_as_of` rows of the (unit, series) pairs touched
   * and the units above them (`units`: each unit's path), dated `changedAt` (µs since the epoch).
   */
  async write(copy: CopyInto, units: Map<number, UnitLife>, changedAt: number): Promise<void> {
    await copyChunks(copy, 'kpi_rollup_year (unit_id, series, variant, year, delta)', nonZero(this.year, MONTH_BITS), rollupRow((out, y) => out.int2(y)));
    await copyChunks(copy, 'kpi_rollup_month (unit_id, series, variant, month, delta)', nonZero(this.month, MONTH_BITS), rollupRow((out, m) => out.date(dayNumber(Math.floor(m / 12), (m % 12) + 1, 1))));
    await copyChunks(copy, 'kpi_rollup_day (unit_id, series, variant, day, delta)', nonZero(this.day, DAY_BITS), rollupRow((out, d) => out.date(d - DAY_OFFSET)));
    const asOf = new Map<string, [number, string]>();
    for (const t of this.touched) {
      const name = series(t % SV_BITS);
      for (const a of units.get(Math.floor(t / SV_BITS))!.path) asOf.set(`${a}\u0000${name}`, [a, name]);
    }
    // In (unit, series) order, as the change feed numbers them.
    const sorted = [...asOf.values()].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
    await copyChunks(copy, 'kpi_as_of (unit_id, series, changed_at)', sorted, (out, [unit, name]) => {
      out.row(3);
      out.int4(unit);
      out.text(name);
      out.microseconds(changedAt);
    });
  }
}

/** Rows a COPY statement takes at most. */
const CHUNK = 200_000;

/** Rows of `items`, each put by `put`, sent to `target` with COPY, CHUNK rows a statement. */
async function copyChunks<T>(copy: CopyInto, target: string, items: Iterable<T>, put: (out: CopyRows, item: T) => void): Promise<void> {
  let out = new CopyRows();
  for (const item of items) {
    put(out, item);
    if (out.rows === CHUNK) {
      await copy(target, out.take());
      out = new CopyRows();
    }
  }
  if (out.rows > 0) await copy(target, out.take());
}

/** A roll-up row to be: its unit, series and variant, bucket and sum. */
interface SumRow {
  unit: number;
  sv: number;
  bucket: number;
  delta: number;
}

/**
 * A roll-up table's row: unit, series, variant, the bucket (`bucket` writes it: the year,
 * the month index year × 12 + month − 1, or the day number with DAY_OFFSET) and the sum.
 */
const rollupRow =
  (bucket: (out: CopyRows, b: number) => void) =>
  (out: CopyRows, r: SumRow): void => {
    out.row(5);
    out.int4(r.unit);
    out.text(series(r.sv));
    out.int2(variant(r.sv));
    bucket(out, r.bucket);
    out.int8(r.delta);
  };

/** The non-zero sums of a grain whose keys hold `bits` buckets. */
function* nonZero(sums: Map<number, number>, bits: number): Generator<SumRow> {
  for (const [key, delta] of sums) {
    if (delta === 0) continue;
    const bucket = key % bits;
    const unitSv = (key - bucket) / bits;
    const sv = unitSv % SV_BITS;
    yield { unit: (unitSv - sv) / SV_BITS, sv, bucket, delta };
  }
}
