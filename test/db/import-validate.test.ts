// The fast paths of the import's validation accept only what the schema accepts, and
// return the very row it returns; everything else goes the schema's way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../domain/time.js';
import { validateRecord } from '../../db/import/validate.js';

const INSTANTS = ['2024-03-01T08:00:00+07:00', '2024-03-01', '2023-12-31T17:00:00Z', '2025-01-01T00:00:00.5+07:00', '2024-02-29T23:59:59-05:30'];
const instant = fc.constantFrom(...INSTANTS);
/** Values one field may be changed to: boundaries, wrong types, absent, null. */
const TRICKY = [
  undefined, null, '', ' ', 'M-1 ', ' M-1', 7, 1.5, true, [], {}, 'yesterday', '2024-02-30', '2024-03-01T08:00', '2020-01-01T00:00:00+07:00',
  '2026-12-31T23:59:59+07:00', 1899, 1900, 1949, 1950, 2100, 2101, -1, 0, 1_000_000, 1_000_001, 2_147_483_647, 2_147_483_648, 'MALE', 'male', 'X',
  'VNEID_INSTALLS', 'vneid_installs', '2026-02-29', '2024-02-29', [{ year: 2024, recordedAt: '2024-01-01' }, { year: 2024, recordedAt: '2024-06-01' }],
  [{ year: 2024, recordedAt: '2024-01-01', extra: 1 }], [null], [{ year: '2024', recordedAt: '2024-01-01' }],
];

const member = fc.record({
  type: fc.constant('member'),
  id: fc.constantFrom('M-1', 'HN-0001-001-0001'),
  unit: fc.constantFrom('HN-0001-001', 'LS'),
  joinedAt: instant,
  leftAt: fc.constantFrom(null, '2026-01-01T00:00:00+07:00'),
  digitizedAt: fc.option(instant, { nil: null }),
  appActivatedAt: fc.option(instant, { nil: null }),
  evaluations: fc.uniqueArray(fc.record({ year: fc.integer({ min: 1950, max: 2100 }), recordedAt: instant }), { maxLength: 3, selector: (e) => e.year }),
  birthYear: fc.option(fc.integer({ min: 1900, max: 2100 }), { nil: null }),
  gender: fc.constantFrom(null, 'MALE', 'FEMALE', 'OTHER'),
});
const report = fc.record({
  type: fc.constant('report'),
  id: fc.constantFrom(null, 'R-1'),
  unit: fc.constantFrom('HN-0001', 'LS'),
  kind: fc.constantFrom('VNEID_INSTALLS', 'DIGITAL_ACCOUNTS', 'DIGITAL_SKILLS_TRAINED'),
  date: fc.constantFrom('2026-03-01', '2024-02-29', '2099-01-01'),
  count: fc.integer({ min: 0, max: 1000 }),
});
/** A valid record, or one with a field changed, added or dropped. */
const record = fc
  .tuple(fc.oneof(member, report), fc.option(fc.tuple(fc.constantFrom('id', 'unit', 'joinedAt', 'leftAt', 'digitizedAt', 'appActivatedAt', 'evaluations', 'birthYear', 'gender', 'kind', 'date', 'count', 'extra'), fc.constantFrom(...TRICKY))))
  .map(([r, change]) => {
    if (!change) return r as Record<string, unknown>;
    const out: Record<string, unknown> = { ...r, [change[0]]: change[1] };
    if (change[1] === undefined) delete out[change[0]];
    return out;
  });

describe('the fast paths of the import validation', () => {
  it('give the schema’s answer for any member or report record, valid or not', () => {
    let valid = 0;
    fc.assert(
      fc.property(record, (r) => {
        const fast = validateRecord(r);
        expect(fast).toEqual(validateRecord(r, false));
        if ('row' in fast) valid += 1;
      }),
      { numRuns: 4000, seed: Number(process.env.PROPERTY_SEED ?? 11) },
    );
    // Valid records are reached too, not only problems.
    expect(valid).toBeGreaterThan(700);
  });

  it('returns the schema’s row for a typical member of the national file', () => {
    const r = {
      type: 'member',
      id: 'HN-0001-001-0001',
      unit: 'HN-0001-001',
      joinedAt: '2020-01-22T20:20:00+07:00',
      leftAt: null,
      digitizedAt: '2021-05-01',
      appActivatedAt: null,
      evaluations: [
        { year: 2023, recordedAt: '2023-12-20T10:00:00+07:00' },
        { year: 2024, recordedAt: '2024-12-18T09:30:00+07:00' },
      ],
      birthYear: 2005,
      gender: 'MALE',
    };
    const fast = validateRecord(r);
    expect(fast).toEqual(validateRecord(r, false));
    expect(fast).toMatchObject({
      row: {
        digitizedAt: { ms: Date.UTC(2021, 3, 30, 17), text: '2021-05-01T00:00:00+07:00' },
        evaluations: [{ member: 'HN-0001-001-0001', year: 2023 }, { year: 2024 }],
      },
    });
  });
});

describe('instants read by hand', () => {
  it('are the instants JavaScript’s own Date reads, for any date from 1900 to 2199, time and offset', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1900, 0, 2)), max: new Date(Date.UTC(2199, 11, 30)), noInvalidDate: true }),
        fc.constantFrom('Z', '+07:00', '-05:30', '+14:00', '-12:00'),
        fc.constantFrom('', '.5', '.123', '.123456'),
        fc.boolean(),
        (date, offset, fraction, bare) => {
          const d = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
          const text = bare ? d : `${d}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}${offset}`;
          const read = parseInstant(text);
          expect(typeof read).toBe('object');
          expect((read as { ms: number }).ms).toBe(Date.parse(bare ? `${d}T00:00:00+07:00` : text));
        },
      ),
      { numRuns: 5000, seed: Number(process.env.PROPERTY_SEED ?? 13) },
    );
  });
});

describe('report dates', () => {
  it('refuses a report dated after today (Vietnam time), naming the field and today', () => {
    const today = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 31 * 3_600_000).toISOString().slice(0, 10);
    const report = (date: string) => ({ type: 'report', unit: 'C1', kind: 'VNEID_INSTALLS', date, count: 1 });
    expect(validateRecord(report(tomorrow))).toEqual({
      issues: [{ field: 'date', reason: `must not be after today (${today}, Vietnam time): a report counts what was done (got "${tomorrow}")` }],
    });
    expect(validateRecord(report('2030-01-01'))).toEqual({
      issues: [{ field: 'date', reason: `must not be after today (${today}, Vietnam time): a report counts what was done (got "2030-01-01")` }],
    });
    expect(validateRecord(report(today))).toHaveProperty('row');
  });
});
