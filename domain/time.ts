// Vietnam time: calendar days, Vietnam midnights, and the instants and days that the
// import format (docs/import-format.md) and the GraphQL scalars read and write. Periods
// (domain/period.ts) are runs of these days.

export const DAY_MS = 86_400_000;
/** Vietnam keeps UTC+07:00 all year (no daylight saving). */
export const VIETNAM_OFFSET_MS = 7 * 3_600_000;
/** The years an instant, a day or a period may fall in. */
export const YEARS = { min: 1900, max: 2199 } as const;
const MIN_YEAR = YEARS.min;
const MAX_YEAR = YEARS.max;

export interface Instant {
  /** Milliseconds since the epoch. */
  ms: number;
  /** The text Postgres receives: the input, or a bare date written as Vietnam midnight. */
  text: string;
  /** Microseconds after `ms` (0–999), when the text has them. */
  us?: number;
}

export const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

function checkDate(year: number, month: number, day: number): string | null {
  if (year < MIN_YEAR || year > MAX_YEAR) return `year must be between ${MIN_YEAR} and ${MAX_YEAR}`;
  if (month < 1 || month > 12) return `month must be 01–12 (got ${pad(month)})`;
  if (day < 1 || day > daysInMonth(year, month)) return `${year}-${pad(month)} has no day ${pad(day)}`;
  return null;
}

/** Days since 1970-01-01 of a calendar date (month 1–12; H. Hinnant's days_from_civil): Date.UTC without a Date. */
export function dayNumber(year: number, month: number, day: number): number {
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
    out.ms = dayNumber(year, month, day) * DAY_MS - VIETNAM_OFFSET_MS;
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
  out.ms = dayNumber(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + fraction - offset;
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

/** The calendar date of a day number. */
export function dayParts(dayNo: number): { year: number; month: number; day: number } {
  const d = new Date(dayNo * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** "2026-03-15" of a day number. */
export function formatDay(dayNo: number): string {
  const { year, month, day } = dayParts(dayNo);
  return `${year}-${pad(month)}-${pad(day)}`;
}

/** The Vietnam day number (days since 1970-01-01) of an instant (a Date, or ms since the epoch). */
export const vietnamDay = (at: Date | number): number => Math.floor(((typeof at === 'number' ? at : at.getTime()) + VIETNAM_OFFSET_MS) / DAY_MS);

/** 00:00 Vietnam time of a day number, in ms. */
export const vietnamMidnightMs = (dayNo: number): number => dayNo * DAY_MS - VIETNAM_OFFSET_MS;

/** 00:00 Vietnam time of a day number. */
export const vietnamMidnight = (dayNo: number): Date => new Date(vietnamMidnightMs(dayNo));

/** An instant written in Vietnam time to the second, for messages. */
export function formatVietnam(ms: number): string {
  const d = new Date(ms + VIETNAM_OFFSET_MS);
  const seconds = d.getUTCSeconds() ? `:${pad(d.getUTCSeconds())}` : ':00';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds}+07:00`;
}

/** "2026-03-01T00:00:00+07:00": an instant as a person in Vietnam reads it (milliseconds only when there are some). */
export function formatVietnamInstant(value: Date): string {
  const local = new Date(value.getTime() + VIETNAM_OFFSET_MS).toISOString();
  const ms = local.slice(19, 23);
  return `${local.slice(0, 19)}${ms === '.000' ? '' : ms}+07:00`;
}

/** A calendar day, YYYY-MM-DD, or what is wrong with it (the GraphQL Day scalar's words). */
export function checkDayText(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'must be YYYY-MM-DD';
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < YEARS.min || year > YEARS.max) return `year must be ${YEARS.min}–${YEARS.max} (got ${m[1]})`;
  if (month < 1 || month > 12) return `month must be 01–12 (got ${m[2]})`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) return `day must be 01–${days} in ${m[1]}-${m[2]} (got ${m[3]})`;
  return null;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:[zZ]|([+-])(\d{2}):(\d{2}))$/;

/** An ISO 8601 instant with its offset, or what is wrong with it, in words that name the part at fault (the GraphQL DateTime scalar). */
export function parseInstantText(text: string): Date | string {
  const m = ISO_INSTANT.exec(text);
  if (!m) {
    if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(text)) return 'has no offset: end it with Z or +07:00 (Vietnam time)';
    return 'must be ISO 8601 with an offset, e.g. 2026-03-01T00:00:00+07:00';
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (year < YEARS.min || year > YEARS.max) return `year must be ${YEARS.min}–${YEARS.max} (got ${m[1]})`;
  if (month < 1 || month > 12) return `month must be 01–12 (got ${m[2]})`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) return `day must be 01–${days} in ${m[1]}-${m[2]} (got ${m[3]})`;
  if (hour > 23) return `hour must be 00–23 (got ${m[4]})`;
  if (minute > 59) return `minute must be 00–59 (got ${m[5]})`;
  if (second > 59) return `second must be 00–59 (got ${m[6]})`;
  if (m[7] && (Number(m[8]) > 14 || Number(m[9]) > 59)) return `offset must be between -14:00 and +14:00 (got ${m[7]}${m[8]}:${m[9]})`;
  return new Date(text);
}
