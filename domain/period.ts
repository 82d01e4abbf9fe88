// The period grammar. Every period is a run of whole Vietnam calendar days
// [startDay, endDay), and its boundaries are Vietnam midnights: 00:00 at UTC+07:00
// (Vietnam keeps no daylight saving), so March 2026 is
// [2026-03-01T00:00+07:00, 2026-04-01T00:00+07:00).
//
//   2026            a year                2026-W11        an ISO week (Monday first)
//   2026-H1         a half year           2026-03-15      a day
//   2026-Q1         a quarter             2025/2030       a congress term (whole years, both included)
//   2026-03         a month               2026-03-01..2026-05-31   days, both included

import { DAY_MS, dayNumber, dayParts, daysInMonth, formatDay, pad, parseDay as parseDayText, vietnamMidnight, YEARS } from './time.js';

/** The Vietnam days periods are made of. */
export { dayNumber, dayParts, formatDay, vietnamDay, vietnamMidnight, VIETNAM_OFFSET_MS } from './time.js';

export type PeriodKind = 'YEAR' | 'HALF' | 'QUARTER' | 'MONTH' | 'WEEK' | 'DAY' | 'TERM' | 'RANGE';

export interface Period {
  /** Canonical text, as accepted by `parsePeriod`. */
  readonly id: string;
  readonly kind: PeriodKind;
  /** First day, as days since 1970-01-01 (Vietnam calendar). */
  readonly startDay: number;
  /** Day after the last day (exclusive). */
  readonly endDay: number;
  /** 00:00 Vietnam time of the first day. */
  readonly start: Date;
  /** 00:00 Vietnam time of the day after the last day: "End" in DOMAIN.md. */
  readonly end: Date;
}

export class PeriodError extends Error {
  constructor(
    readonly input: string,
    readonly reason: string,
  ) {
    super(`"${input}" is not a valid period: ${reason}`);
    this.name = 'PeriodError';
  }
}

/** Monday of ISO week 1 of an ISO week-numbering year. */
function isoWeekOneMonday(isoYear: number): number {
  const jan4 = dayNumber(isoYear, 1, 4);
  const weekday = (new Date(jan4 * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
  return jan4 - weekday;
}

function isoWeeksInYear(isoYear: number): number {
  return (isoWeekOneMonday(isoYear + 1) - isoWeekOneMonday(isoYear)) / 7;
}

function make(id: string, kind: PeriodKind, startDay: number, endDay: number): Period {
  return { id, kind, startDay, endDay, start: vietnamMidnight(startDay), end: vietnamMidnight(endDay) };
}

function checkYear(input: string, year: number): void {
  if (year < YEARS.min || year > YEARS.max) throw new PeriodError(input, `year must be between ${YEARS.min} and ${YEARS.max}`);
}

function parseDay(input: string, text: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new PeriodError(input, `"${text}" is not a date YYYY-MM-DD`);
  const day = parseDayText(text);
  if (typeof day === 'string') throw new PeriodError(input, day);
  return day;
}

export const yearPeriod = (year: number): Period =>
  make(String(year), 'YEAR', dayNumber(year, 1, 1), dayNumber(year + 1, 1, 1));
export const halfPeriod = (year: number, half: number): Period =>
  make(`${year}-H${half}`, 'HALF', dayNumber(year, half * 6 - 5, 1), dayNumber(year, half * 6 + 1, 1));
export const quarterPeriod = (year: number, quarter: number): Period =>
  make(`${year}-Q${quarter}`, 'QUARTER', dayNumber(year, quarter * 3 - 2, 1), dayNumber(year, quarter * 3 + 1, 1));
export const monthPeriod = (year: number, month: number): Period =>
  make(`${year}-${pad(month)}`, 'MONTH', dayNumber(year, month, 1), dayNumber(year, month + 1, 1));
export const dayPeriod = (dayNo: number): Period => make(formatDay(dayNo), 'DAY', dayNo, dayNo + 1);
export function weekPeriod(isoYear: number, week: number): Period {
  const monday = isoWeekOneMonday(isoYear) + (week - 1) * 7;
  return make(`${isoYear}-W${pad(week)}`, 'WEEK', monday, monday + 7);
}
export const termPeriod = (firstYear: number, lastYear: number): Period =>
  make(`${firstYear}/${lastYear}`, 'TERM', dayNumber(firstYear, 1, 1), dayNumber(lastYear + 1, 1, 1));
export const rangePeriod = (startDay: number, endDay: number): Period =>
  make(`${formatDay(startDay)}..${formatDay(endDay - 1)}`, 'RANGE', startDay, endDay);

/** Parses a period; throws PeriodError naming the reason. */
export function parsePeriod(input: string): Period {
  const text = input.trim();
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(text))) {
    const year = Number(m[1]);
    checkYear(input, year);
    return yearPeriod(year);
  }
  if ((m = /^(\d{4})-H(\d+)$/i.exec(text))) {
    const [year, half] = [Number(m[1]), Number(m[2])];
    checkYear(input, year);
    if (half < 1 || half > 2) throw new PeriodError(input, `half year must be H1 or H2 (got H${m[2]})`);
    return halfPeriod(year, half);
  }
  if ((m = /^(\d{4})-Q(\d+)$/i.exec(text))) {
    const [year, quarter] = [Number(m[1]), Number(m[2])];
    checkYear(input, year);
    if (quarter < 1 || quarter > 4) throw new PeriodError(input, `quarter must be Q1–Q4 (got Q${m[2]})`);
    return quarterPeriod(year, quarter);
  }
  if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
    const [year, month] = [Number(m[1]), Number(m[2])];
    checkYear(input, year);
    if (month < 1 || month > 12) throw new PeriodError(input, `month must be 01–12 (got ${m[2]})`);
    return monthPeriod(year, month);
  }
  if ((m = /^(\d{4})-W(\d{2})$/i.exec(text))) {
    const [year, week] = [Number(m[1]), Number(m[2])];
    checkYear(input, year);
    const weeks = isoWeeksInYear(year);
    if (week < 1 || week > weeks) throw new PeriodError(input, `ISO year ${year} has weeks W01–W${weeks} (got W${m[2]})`);
    return weekPeriod(year, week);
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return dayPeriod(parseDay(input, text));
  if ((m = /^(\d{4})\/(\d{4})$/.exec(text))) {
    const [first, last] = [Number(m[1]), Number(m[2])];
    checkYear(input, first);
    checkYear(input, last);
    if (last <= first) throw new PeriodError(input, 'a congress term must end in a later year than it starts');
    return termPeriod(first, last);
  }
  if ((m = /^(\S+)\.\.(\S+)$/.exec(text))) {
    const from = parseDay(input, m[1]!);
    const to = parseDay(input, m[2]!);
    if (to < from) throw new PeriodError(input, 'a range must not end before it starts');
    return rangePeriod(from, to + 1);
  }
  throw new PeriodError(
    input,
    'expected one of 2026, 2026-H1, 2026-Q1, 2026-03, 2026-W11, 2026-03-15, 2025/2030 or 2026-03-01..2026-05-31',
  );
}

/** The period of the same kind just before this one (a range or term: the same length, ending where this starts). */
export function previousPeriod(p: Period): Period {
  const { year, month } = dayParts(p.startDay);
  switch (p.kind) {
    case 'YEAR':
      return yearPeriod(year - 1);
    case 'HALF':
      return month === 1 ? halfPeriod(year - 1, 2) : halfPeriod(year, 1);
    case 'QUARTER': {
      const q = (month + 2) / 3;
      return q === 1 ? quarterPeriod(year - 1, 4) : quarterPeriod(year, q - 1);
    }
    case 'MONTH':
      return month === 1 ? monthPeriod(year - 1, 12) : monthPeriod(year, month - 1);
    case 'WEEK':
      return weekFromMonday(p.startDay - 7);
    case 'DAY':
      return dayPeriod(p.startDay - 1);
    case 'TERM': {
      const length = dayParts(p.endDay - 1).year - year + 1;
      return termPeriod(year - length, year - 1);
    }
    case 'RANGE':
      return rangePeriod(2 * p.startDay - p.endDay, p.startDay);
  }
}

/** The same period one year earlier (29 February falls back to 28 February; ISO week 53 to week 52). */
export function samePeriodLastYear(p: Period): Period {
  const { year, month, day } = dayParts(p.startDay);
  switch (p.kind) {
    case 'YEAR':
      return yearPeriod(year - 1);
    case 'HALF':
      return halfPeriod(year - 1, month === 1 ? 1 : 2);
    case 'QUARTER':
      return quarterPeriod(year - 1, (month + 2) / 3);
    case 'MONTH':
      return monthPeriod(year - 1, month);
    case 'WEEK': {
      const [isoYear, week] = p.id.split('-W').map(Number) as [number, number];
      return weekPeriod(isoYear - 1, Math.min(week, isoWeeksInYear(isoYear - 1)));
    }
    case 'DAY':
      return dayPeriod(shiftYear(year, month, day));
    case 'TERM':
      return termPeriod(year - 1, dayParts(p.endDay - 1).year - 1);
    case 'RANGE': {
      const last = dayParts(p.endDay - 1);
      return rangePeriod(shiftYear(year, month, day), shiftYear(last.year, last.month, last.day) + 1);
    }
  }
}

function shiftYear(year: number, month: number, day: number): number {
  return dayNumber(year - 1, month, Math.min(day, daysInMonth(year - 1, month)));
}

function weekFromMonday(monday: number): Period {
  // The ISO year of a week is the year of its Thursday.
  const isoYear = dayParts(monday + 3).year;
  return weekPeriod(isoYear, (monday - isoWeekOneMonday(isoYear)) / 7 + 1);
}

/** Grains of a time series. */
export type Grain = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';

/** The period of a grain that contains a day. */
export function periodContaining(dayNo: number, grain: Grain): Period {
  const { year, month } = dayParts(dayNo);
  switch (grain) {
    case 'DAY':
      return dayPeriod(dayNo);
    case 'WEEK': {
      const weekday = (new Date(dayNo * DAY_MS).getUTCDay() + 6) % 7; // Monday = 0
      return weekFromMonday(dayNo - weekday);
    }
    case 'MONTH':
      return monthPeriod(year, month);
    case 'QUARTER':
      return quarterPeriod(year, Math.floor((month - 1) / 3) + 1);
    case 'YEAR':
      return yearPeriod(year);
  }
}

/** The periods of a grain from the one containing `fromDay` to the one containing the day before `toEndDay`. */
export function periodsBetween(fromDay: number, toEndDay: number, grain: Grain): Period[] {
  const out: Period[] = [];
  for (let p = periodContaining(fromDay, grain); p.startDay < toEndDay; p = periodContaining(p.endDay, grain)) out.push(p);
  return out;
}

/** The period kinds a target may have: whole months and runs of them. */
const TARGET_PERIOD_KINDS: readonly PeriodKind[] = ['YEAR', 'HALF', 'QUARTER', 'MONTH', 'TERM'];

/** Why a period is not one a target may have, or null. */
export const targetPeriodProblem = (p: Period): string | null =>
  TARGET_PERIOD_KINDS.includes(p.kind)
    ? null
    : `must be a year (2026), a half (2026-H1), a quarter (2026-Q1), a month (2026-03) or a congress term (2025/2030); ${p.id} is a ${p.kind.toLowerCase()}`;

/** A target's period, or why the text is not one. */
export function parseTargetPeriod(text: string): Period | string {
  try {
    const p = parsePeriod(text);
    return targetPeriodProblem(p) ?? p;
  } catch (e) {
    if (e instanceof PeriodError) return e.message;
    throw e;
  }
}
