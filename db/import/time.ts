// Instants, Vietnam days and target periods of the import format (docs/import-format.md).
// db/ may not import the period grammar of schema/kpi, so the few period forms a target
// can take are parsed here; their canonical text is the grammar's, so a target's period
// reads back through `parsePeriod` unchanged.

const DAY_MS = 86_400_000;
/** Vietnam keeps UTC+07:00 all year (no daylight saving). */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const MIN_YEAR = 1900;
const MAX_YEAR = 2199;

export interface Instant {
  /** Milliseconds since the epoch. */
  ms: number;
  /** The text Postgres receives: the input, or a bare date written as Vietnam midnight. */
  text: string;
  /** Microseconds after `ms` (0–999), when the text has them. */
  us?: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

function checkDate(year: number, month: number, day: number): string | null {
  if (year < MIN_YEAR || year > MAX_YEAR) return `year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  if (month < 1 || month > 12) return `month must be 01–12`;
  if (day < 1 || day > daysInMonth(year, month)) return `${year}-${pad(month)} has no day ${pad(day)}`;
  return null;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): Date.UTC without a Date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The characters of an instant's text, read one at a time (from a string, or bytes of a file). */
export type Chars = (i: number) => number;

/** The number written by `count` digits at `at` of `length` characters, or -1. Instants are parsed by hand: there are millions of them. */
function digits(code: Chars, length: number, at: number, count: number): number {
  if (at + count > length) return -1;
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = code(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const SHAPE = 'must be an instant like 2026-03-01T08:00:00+07:00 (or a bare date 2026-03-01)';

/** What `readInstant` read: milliseconds since the epoch, microseconds after them, and whether it was a bare date. */
export interface InstantParts {
  ms: number;
  us: number;
  bare: boolean;
}

/**
 * The instant written by `length` characters, ISO 8601 with an offset (`Z` or `±HH:MM`),
 * or a bare date meaning 00:00 in Vietnam: fills `out` and returns null, or returns the
 * reason it is not one (`text`, when there is one, names an impossible offset).
 */
export function readInstant(code: Chars, length: number, out: InstantParts, text?: string): string | null {
  const year = digits(code, length, 0, 4);
  const month = digits(code, length, 5, 2);
  const day = digits(code, length, 8, 2);
  if (length < 10 || year < 0 || month < 0 || day < 0 || code(4) !== 45 || code(7) !== 45) return SHAPE;
  const bad = checkDate(year, month, day);
  if (bad) return bad;
  if (length === 10) {
    out.ms = daysFromCivil(year, month, day) * DAY_MS - VIETNAM_OFFSET_MS;
    out.us = 0;
    out.bare = true;
    return null;
  }
  // THH:MM, then optionally :SS and .fraction, then the offset.
  const hour = digits(code, length, 11, 2);
  const minute = digits(code, length, 14, 2);
  if (code(10) !== 84 || length < 16 || hour < 0 || minute < 0 || code(13) !== 58) return SHAPE;
  let i = 16;
  let second = 0;
  let fraction = 0;
  let micros = 0;
  if (i < length && code(i) === 58) {
    second = digits(code, length, i + 1, 2);
    if (second < 0) return SHAPE;
    i += 3;
    if (i < length && code(i) === 46) {
      let j = i + 1;
      let all = 0;
      while (j < length && j - i <= 6 && code(j) >= 48 && code(j) <= 57) all = all * 10 + code(j++) - 48;
      if (j === i + 1) return SHAPE;
      // Up to six digits: 0.5 is 500 ms, 0.000001 is 1 µs.
      all *= 10 ** (7 - (j - i));
      fraction = Math.floor(all / 1000);
      micros = all % 1000;
      i = j;
    }
  }
  if (i === length) return 'needs an offset (Z or +07:00): a time without one is ambiguous';
  if (hour > 23 || minute > 59 || second > 59) return 'has no such time of day';
  let offset = 0;
  const sign = i < length ? code(i) : -1;
  if (sign === 90 && i + 1 === length) {
    offset = 0;
  } else if ((sign === 43 || sign === 45) && i + 6 === length && code(i + 3) === 58) {
    const oh = digits(code, length, i + 1, 2);
    const om = digits(code, length, i + 4, 2);
    if (oh < 0 || om < 0) return SHAPE;
    if (oh > 14 || om > 59) return `has an impossible offset ${text?.slice(i) ?? ''}`;
    offset = (sign === 45 ? -1 : 1) * (oh * 60 + om) * 60_000;
  } else {
    return SHAPE;
  }
  out.ms = daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + fraction - offset;
  out.us = micros;
  out.bare = false;
  return null;
}

/**
 * An instant: ISO 8601 with an offset (`Z` or `±HH:MM`), or a bare date meaning 00:00 in
 * Vietnam. Returns the reason as a string when the text is not one.
 */
export function parseInstant(text: string): Instant | string {
  const parts: InstantParts = { ms: 0, us: 0, bare: false };
  const bad = readInstant((i) => text.charCodeAt(i), text.length, parts, text);
  if (bad !== null) return bad;
  if (parts.bare) return { ms: parts.ms, text: `${text}T00:00:00+07:00` };
  return parts.us ? { ms: parts.ms, text, us: parts.us } : { ms: parts.ms, text };
}

/** A Vietnam calendar day YYYY-MM-DD; returns the day number (days since 1970-01-01) or the reason. */
export function parseDay(text: string): number | string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'must be a date YYYY-MM-DD';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const bad = checkDate(year, month, day);
  if (bad) return bad;
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

/** The Vietnam day number (days since 1970-01-01) of an instant in ms. */
export const vietnamDay = (ms: number): number => Math.floor((ms + VIETNAM_OFFSET_MS) / DAY_MS);

/** 00:00 Vietnam time of a day number, in ms. */
export const vietnamMidnightMs = (dayNo: number): number => dayNo * DAY_MS - VIETNAM_OFFSET_MS;

/** An instant written in Vietnam time, for messages. */
export function formatVietnam(ms: number): string {
  const d = new Date(ms + VIETNAM_OFFSET_MS);
  const seconds = d.getUTCSeconds() ? `:${pad(d.getUTCSeconds())}` : ':00';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds}+07:00`;
}

export interface TargetPeriod {
  /** Canonical text, as the period grammar writes it. */
  id: string;
  /** 00:00 Vietnam time of the first day, ISO. */
  start: string;
  /** 00:00 Vietnam time of the day after the last day, ISO. */
  end: string;
}

const midnight = (year: number, month: number) => `${year}-${pad(month)}-01T00:00:00+07:00`;

function months(id: string, year: number, first: number, count: number): TargetPeriod {
  const endMonth = first + count;
  const end = endMonth > 12 ? midnight(year + 1, endMonth - 12) : midnight(year, endMonth);
  return { id, start: midnight(year, first), end };
}

/** The period forms a target may have: 2026, 2026-H1, 2026-Q1, 2026-03 and the congress term 2025/2030. */
export function parseTargetPeriod(input: string): TargetPeriod | string {
  const text = input.trim();
  const yearOk = (y: number) => y >= MIN_YEAR && y <= MAX_YEAR;
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})$/.exec(text))) {
    const y = Number(m[1]);
    return yearOk(y) ? months(String(y), y, 1, 12) : `year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  }
  if ((m = /^(\d{4})-H([12])$/i.exec(text))) {
    const [y, h] = [Number(m[1]), Number(m[2])];
    return yearOk(y) ? months(`${y}-H${h}`, y, h * 6 - 5, 6) : `year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  }
  if ((m = /^(\d{4})-Q([1-4])$/i.exec(text))) {
    const [y, q] = [Number(m[1]), Number(m[2])];
    return yearOk(y) ? months(`${y}-Q${q}`, y, q * 3 - 2, 3) : `year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  }
  if ((m = /^(\d{4})-(\d{2})$/.exec(text))) {
    const [y, mo] = [Number(m[1]), Number(m[2])];
    if (!yearOk(y)) return `year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
    if (mo < 1 || mo > 12) return 'month must be 01–12';
    return months(`${y}-${pad(mo)}`, y, mo, 1);
  }
  if ((m = /^(\d{4})\/(\d{4})$/.exec(text))) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (!yearOk(a) || !yearOk(b)) return `years must be between ${MIN_YEAR} and ${MAX_YEAR}`;
    if (b < a) return 'a term ends in or after the year it starts';
    return { id: `${a}/${b}`, start: midnight(a, 1), end: midnight(b + 1, 1) };
  }
  return 'a target period must be a year (2026), half year (2026-H1), quarter (2026-Q1), month (2026-03) or congress term (2025/2030)';
}
