// The period grammar (schema/kpi/period.ts), without a database. Every expected
// boundary is written out by hand: a Vietnam midnight (00:00 at UTC+07:00) of day D
// is 17:00 UTC of the day before D.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatDay,
  parsePeriod,
  PeriodError,
  previousPeriod,
  samePeriodLastYear,
  vietnamDay,
  vietnamMidnight,
  type PeriodKind,
} from '../../../domain/period.js';

const DAY_MS = 86_400_000;

interface ParseCase {
  input: string;
  id: string;
  kind: PeriodKind;
  start: string;
  end: string;
}

// prettier-ignore
const PARSE_CASES: ParseCase[] = [
  { input: '2026',       id: '2026',       kind: 'YEAR',    start: '2025-12-31T17:00:00.000Z', end: '2026-12-31T17:00:00.000Z' },
  { input: '2026-H1',    id: '2026-H1',    kind: 'HALF',    start: '2025-12-31T17:00:00.000Z', end: '2026-06-30T17:00:00.000Z' }, // Jan 1 .. Jul 1
  { input: '2026-H2',    id: '2026-H2',    kind: 'HALF',    start: '2026-06-30T17:00:00.000Z', end: '2026-12-31T17:00:00.000Z' }, // Jul 1 .. Jan 1
  { input: '2026-Q1',    id: '2026-Q1',    kind: 'QUARTER', start: '2025-12-31T17:00:00.000Z', end: '2026-03-31T17:00:00.000Z' }, // Jan 1 .. Apr 1
  { input: '2026-Q2',    id: '2026-Q2',    kind: 'QUARTER', start: '2026-03-31T17:00:00.000Z', end: '2026-06-30T17:00:00.000Z' }, // Apr 1 .. Jul 1
  { input: '2026-Q3',    id: '2026-Q3',    kind: 'QUARTER', start: '2026-06-30T17:00:00.000Z', end: '2026-09-30T17:00:00.000Z' }, // Jul 1 .. Oct 1
  { input: '2026-Q4',    id: '2026-Q4',    kind: 'QUARTER', start: '2026-09-30T17:00:00.000Z', end: '2026-12-31T17:00:00.000Z' }, // Oct 1 .. Jan 1
  { input: '2026-q4',    id: '2026-Q4',    kind: 'QUARTER', start: '2026-09-30T17:00:00.000Z', end: '2026-12-31T17:00:00.000Z' }, // lower case: canonical id upper case
  { input: '2026-03',    id: '2026-03',    kind: 'MONTH',   start: '2026-02-28T17:00:00.000Z', end: '2026-03-31T17:00:00.000Z' }, // Mar 1 .. Apr 1
  { input: '2026-12',    id: '2026-12',    kind: 'MONTH',   start: '2026-11-30T17:00:00.000Z', end: '2026-12-31T17:00:00.000Z' }, // Dec 1 .. Jan 1 2027
  { input: '2024-02',    id: '2024-02',    kind: 'MONTH',   start: '2024-01-31T17:00:00.000Z', end: '2024-02-29T17:00:00.000Z' }, // Feb 1 .. Mar 1 (leap)
  { input: '2026-03-15', id: '2026-03-15', kind: 'DAY',     start: '2026-03-14T17:00:00.000Z', end: '2026-03-15T17:00:00.000Z' },
  { input: '2024-02-29', id: '2024-02-29', kind: 'DAY',     start: '2024-02-28T17:00:00.000Z', end: '2024-02-29T17:00:00.000Z' },
  // 2026-01-01 is a Thursday, so ISO week 1 of 2026 runs Mon 2025-12-29 .. Sun 2026-01-04.
  { input: '2026-W01',   id: '2026-W01',   kind: 'WEEK',    start: '2025-12-28T17:00:00.000Z', end: '2026-01-04T17:00:00.000Z' },
  // W11 = W01 Monday + 70 days = Mon 2026-03-09 .. Sun 2026-03-15.
  { input: '2026-W11',   id: '2026-W11',   kind: 'WEEK',    start: '2026-03-08T17:00:00.000Z', end: '2026-03-15T17:00:00.000Z' },
  { input: '2026-w11',   id: '2026-W11',   kind: 'WEEK',    start: '2026-03-08T17:00:00.000Z', end: '2026-03-15T17:00:00.000Z' },
  // 2026 starts (and, not leap, ends) on a Thursday: 53 weeks. W53 = Mon 2025-12-29 + 364 days
  // = Mon 2026-12-28 .. Sun 2027-01-03 (2027-01-01 is a Friday, so ISO 2027 starts Mon 2027-01-04).
  { input: '2026-W53',   id: '2026-W53',   kind: 'WEEK',    start: '2026-12-27T17:00:00.000Z', end: '2027-01-03T17:00:00.000Z' },
  // 2020 starts on a Wednesday and is leap (ends on a Thursday): 53 weeks. W01 Monday is
  // 2019-12-30; W53 Monday is + 364 days = 2020-12-28; ends Sun 2021-01-03.
  { input: '2020-W53',   id: '2020-W53',   kind: 'WEEK',    start: '2020-12-27T17:00:00.000Z', end: '2021-01-03T17:00:00.000Z' },
  // A congress term: whole years, both included: 2025-01-01 .. 2031-01-01.
  { input: '2025/2030',  id: '2025/2030',  kind: 'TERM',    start: '2024-12-31T17:00:00.000Z', end: '2030-12-31T17:00:00.000Z' },
  // Days, both included: 2026-03-01 .. 2026-06-01 (exclusive).
  { input: '2026-03-01..2026-05-31', id: '2026-03-01..2026-05-31', kind: 'RANGE', start: '2026-02-28T17:00:00.000Z', end: '2026-05-31T17:00:00.000Z' },
  // A one-day range is still a range.
  { input: '2026-03-01..2026-03-01', id: '2026-03-01..2026-03-01', kind: 'RANGE', start: '2026-02-28T17:00:00.000Z', end: '2026-03-01T17:00:00.000Z' },
  // Whitespace around the input is accepted.
  { input: '  2026-03 ', id: '2026-03',    kind: 'MONTH',   start: '2026-02-28T17:00:00.000Z', end: '2026-03-31T17:00:00.000Z' },
  { input: '\t2026-W01\n', id: '2026-W01', kind: 'WEEK',    start: '2025-12-28T17:00:00.000Z', end: '2026-01-04T17:00:00.000Z' },
];

describe('parsePeriod', () => {
  it.each(PARSE_CASES)('parses "$input" as $kind $id', ({ input, id, kind, start, end }) => {
    const p = parsePeriod(input);
    expect(p.id).toBe(id);
    expect(p.kind).toBe(kind);
    expect(p.start.toISOString()).toBe(start);
    expect(p.end.toISOString()).toBe(end);
    // The day numbers agree with the instants.
    expect(p.start.getTime()).toBe(vietnamMidnight(p.startDay).getTime());
    expect(p.end.getTime()).toBe(vietnamMidnight(p.endDay).getTime());
    expect(p.endDay).toBeGreaterThan(p.startDay);
  });

  it.each(PARSE_CASES)('the canonical id of "$input" parses back to itself', ({ input }) => {
    const p = parsePeriod(input);
    const again = parsePeriod(p.id);
    expect(again).toEqual(p);
  });

  interface BadCase {
    input: string;
    reason: string;
  }

  // prettier-ignore
  const BAD_CASES: BadCase[] = [
    { input: '2026-13',    reason: 'month must be 01–12 (got 13)' },
    { input: '2026-00',    reason: 'month must be 01–12 (got 00)' },
    { input: '2026-Q5',    reason: 'quarter must be Q1–Q4 (got Q5)' },
    { input: '2026-Q0',    reason: 'quarter must be Q1–Q4 (got Q0)' },
    { input: '2026-H3',    reason: 'half year must be H1 or H2 (got H3)' },
    { input: '2026-H0',    reason: 'half year must be H1 or H2 (got H0)' },
    { input: 'abc',        reason: 'expected one of' },
    { input: '',           reason: 'expected one of' },
    { input: '   ',        reason: 'expected one of' },
    { input: '2026-02-30', reason: '2026-02 has no day 30' },
    { input: '2025-02-29', reason: '2025-02 has no day 29' },          // 2025 is not a leap year
    { input: '2026-04-31', reason: '2026-04 has no day 31' },
    { input: '2026-03-00', reason: '2026-03 has no day 00' },
    { input: '2026-13-01', reason: 'month must be 01–12 (got 13)' },
    { input: '2026-W54',   reason: 'ISO year 2026 has weeks W01–W53 (got W54)' },
    { input: '2026-W00',   reason: 'ISO year 2026 has weeks W01–W53 (got W00)' },
    { input: '2025-W53',   reason: 'ISO year 2025 has weeks W01–W52 (got W53)' }, // 2025 starts on a Wednesday, not leap: 52 weeks
    { input: '2030/2025',  reason: 'a congress term must end in a later year than it starts' },
    { input: '2025/2025',  reason: 'a congress term must end in a later year than it starts' },
    { input: '2026-05-31..2026-03-01', reason: 'a range must not end before it starts' },
    { input: '2026-03-01..2026-02-30', reason: '2026-02 has no day 30' },
    { input: '2026-03-01..2026-04',    reason: '"2026-04" is not a date YYYY-MM-DD' },
    { input: '1899',       reason: 'year must be between 1900 and 2199' },
    { input: '2200',       reason: 'year must be between 1900 and 2199' },
    { input: '1899-12',    reason: 'year must be between 1900 and 2199' },
    { input: '1899/1904',  reason: 'year must be between 1900 and 2199' },
    { input: '26-03',      reason: 'expected one of' },
    { input: '2026-3',     reason: 'expected one of' },
    { input: '2026-W1',    reason: 'expected one of' },
    { input: '2026-03-01 .. 2026-03-05', reason: 'expected one of' },
  ];

  it.each(BAD_CASES)('rejects "$input": $reason', ({ input, reason }) => {
    expect(() => parsePeriod(input)).toThrow(PeriodError);
    expect(() => parsePeriod(input)).toThrow(reason);
    try {
      parsePeriod(input);
    } catch (e) {
      expect(e).toBeInstanceOf(PeriodError);
      const err = e as PeriodError;
      expect(err.name).toBe('PeriodError');
      expect(err.input).toBe(input);
      expect(err.reason).toContain(reason);
      expect(err.message).toBe(`"${input}" is not a valid period: ${err.reason}`);
    }
  });
});

type Pair = [from: string, to: string];

describe('previousPeriod', () => {
  // prettier-ignore
  const CASES: Pair[] = [
    ['2026',       '2025'],
    ['2026-H1',    '2025-H2'],
    ['2026-H2',    '2026-H1'],
    ['2026-Q1',    '2025-Q4'],
    ['2026-Q2',    '2026-Q1'],
    ['2026-Q3',    '2026-Q2'],
    ['2026-Q4',    '2026-Q3'],
    ['2026-01',    '2025-12'],
    ['2026-03',    '2026-02'],
    ['2026-12',    '2026-11'],
    ['2026-W01',   '2025-W52'],   // Mon 2025-12-22: its Thursday 2025-12-25 is in ISO year 2025
    ['2021-W01',   '2020-W53'],   // Mon 2020-12-28
    ['2026-W11',   '2026-W10'],
    ['2027-W01',   '2026-W53'],   // Mon 2027-01-04 − 7 = Mon 2026-12-28
    ['2026-W53',   '2026-W52'],
    ['2026-03-01', '2026-02-28'],
    ['2024-03-01', '2024-02-29'],
    ['2026-01-01', '2025-12-31'],
    ['2025/2030',  '2019/2024'],  // six years, ending where this starts
    ['2026-03-01..2026-03-10', '2026-02-19..2026-02-28'], // ten days
    ['2026-03-01..2026-05-31', '2025-11-29..2026-02-28'], // 92 days: Nov 29 .. Feb 28 = 2 + 31 + 31 + 28
  ];

  it.each(CASES)('%s → %s', (from, to) => {
    const p = parsePeriod(from);
    const prev = previousPeriod(p);
    expect(prev.id).toBe(to);
    expect(prev.kind).toBe(p.kind);
    expect(prev).toEqual(parsePeriod(to));
    expect(prev.end.getTime()).toBe(p.start.getTime());
  });
});

describe('samePeriodLastYear', () => {
  // prettier-ignore
  const CASES: Pair[] = [
    ['2026',       '2025'],
    ['2026-H1',    '2025-H1'],
    ['2026-H2',    '2025-H2'],
    ['2026-Q1',    '2025-Q1'],
    ['2026-Q2',    '2025-Q2'],
    ['2026-Q4',    '2025-Q4'],
    ['2026-03',    '2025-03'],
    ['2026-12',    '2025-12'],
    ['2026-03-15', '2025-03-15'],
    ['2024-02-29', '2023-02-28'], // 29 February falls back to 28 February
    ['2025-03-01', '2024-03-01'],
    ['2026-W11',   '2025-W11'],
    ['2026-W53',   '2025-W52'],   // 2025 has no week 53
    ['2021-W01',   '2020-W01'],
    ['2024-02-01..2024-02-29', '2023-02-01..2023-02-28'],
    ['2026-03-01..2026-05-31', '2025-03-01..2025-05-31'],
    ['2025/2030',  '2024/2029'],
  ];

  it.each(CASES)('%s → %s', (from, to) => {
    const p = parsePeriod(from);
    const last = samePeriodLastYear(p);
    expect(last.id).toBe(to);
    expect(last.kind).toBe(p.kind);
    expect(last).toEqual(parsePeriod(to));
  });
});

describe('vietnamDay / vietnamMidnight / formatDay', () => {
  // prettier-ignore
  const INSTANTS: [instant: string, day: string][] = [
    ['2026-03-31T16:59:59.999Z', '2026-03-31'], // 23:59:59.999 in Vietnam
    ['2026-03-31T16:59:59Z',     '2026-03-31'],
    ['2026-03-31T17:00:00Z',     '2026-04-01'], // Vietnam midnight
    ['2026-03-31T00:00:00Z',     '2026-03-31'], // 07:00 in Vietnam
    ['2025-12-31T17:00:00Z',     '2026-01-01'],
    ['2025-12-31T16:59:59Z',     '2025-12-31'],
    ['1969-12-31T17:00:00Z',     '1970-01-01'], // day number 0
    ['1969-12-31T16:59:59Z',     '1969-12-31'], // day number −1
  ];

  it.each(INSTANTS)('%s falls on %s in Vietnam', (instant, day) => {
    expect(formatDay(vietnamDay(new Date(instant)))).toBe(day);
  });

  // prettier-ignore
  const MIDNIGHTS: [day: string, midnight: string][] = [
    ['2026-03-01', '2026-02-28T17:00:00.000Z'],
    ['2026-04-01', '2026-03-31T17:00:00.000Z'],
    ['2024-02-29', '2024-02-28T17:00:00.000Z'],
    ['1970-01-01', '1969-12-31T17:00:00.000Z'],
  ];

  it.each(MIDNIGHTS)('Vietnam midnight of %s is %s', (day, midnight) => {
    const d = parsePeriod(day).startDay;
    expect(vietnamMidnight(d).toISOString()).toBe(midnight);
    expect(vietnamDay(vietnamMidnight(d))).toBe(d);
    expect(vietnamDay(new Date(vietnamMidnight(d).getTime() - 1))).toBe(d - 1);
    expect(formatDay(d)).toBe(day);
  });

  it('day numbers count from 1970-01-01', () => {
    expect(parsePeriod('1970-01-01').startDay).toBe(0);
    expect(parsePeriod('2000-01-01').startDay).toBe(10_957); // 946684800 s / 86400
    expect(formatDay(0)).toBe('1970-01-01');
    expect(formatDay(-1)).toBe('1969-12-31');
    expect(formatDay(10_957)).toBe('2000-01-01');
  });
});

describe('properties', () => {
  const pad2 = (n: number): string => String(n).padStart(2, '0');

  it('months: start < end, consecutive months touch, previousPeriod ends where p starts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1900, max: 2198 }), fc.integer({ min: 1, max: 12 }), (year, month) => {
        const p = parsePeriod(`${year}-${pad2(month)}`);
        expect(p.kind).toBe('MONTH');
        expect(p.start.getTime()).toBeLessThan(p.end.getTime());
        const days = (p.end.getTime() - p.start.getTime()) / DAY_MS;
        expect(days).toBeGreaterThanOrEqual(28);
        expect(days).toBeLessThanOrEqual(31);
        const next = month === 12 ? `${year + 1}-01` : `${year}-${pad2(month + 1)}`;
        expect(p.end.getTime()).toBe(parsePeriod(next).start.getTime());
        const prev = previousPeriod(p);
        expect(prev.kind).toBe('MONTH');
        expect(prev.end.getTime()).toBe(p.start.getTime());
        // The month starts at 17:00 UTC of the day before its first day.
        const firstUtc = Date.UTC(year, month - 1, 1);
        expect(p.start.getTime()).toBe(firstUtc - 7 * 3600 * 1000);
      }),
    );
  });

  // Days of the years 2000 .. 2100: 2000-01-01 is day 10957; 2101-01-01 is day
  // 131 × 365 + 32 leap days (1972 .. 2096; 2100 is not leap) = 47847.
  it('days of 2000 .. 2100: parsePeriod(formatDay(d)) starts on d and lasts 24 h', () => {
    fc.assert(
      fc.property(fc.integer({ min: 10_957, max: 47_846 }), (d) => {
        const text = formatDay(d);
        expect(text).toBe(new Date(d * DAY_MS).toISOString().slice(0, 10));
        const p = parsePeriod(text);
        expect(p.kind).toBe('DAY');
        expect(p.id).toBe(text);
        expect(p.startDay).toBe(d);
        expect(p.endDay).toBe(d + 1);
        expect(p.end.getTime() - p.start.getTime()).toBe(DAY_MS);
        expect(vietnamDay(p.start)).toBe(d);
      }),
    );
  });

  it('the bounds of the day property are 2000-01-01 and 2100-12-31', () => {
    expect(formatDay(10_957)).toBe('2000-01-01');
    expect(formatDay(47_846)).toBe('2100-12-31');
  });
});
