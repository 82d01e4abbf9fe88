// The fast paths of the import's validation accept only what the schema accepts, and
// return the very row it returns; everything else goes the schema's way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateRecord } from '../../db/import/validate.js';

const instant = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('2024-03-01T08:00:00+07:00', '2024-03-01', '2023-12-31T17:00:00Z', '2025-01-01T00:00:00.5+07:00', '2024-02-29T23:59:59-05:30') },
  { weight: 1, arbitrary: fc.constantFrom('2024-02-30', '2024-03-01T08:00', 'yesterday', '', ' 2024-03-01') },
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(fc.oneof(a, fc.constant(undefined)), { nil: null });
const id = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('M-1', 'HN-0001-001', 'a') }, { weight: 1, arbitrary: fc.constantFrom('', ' M-1', 'M-1 ', 7, null) });
const year = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1945, max: 2105 }) }, { weight: 1, arbitrary: fc.constantFrom(2024.5, '2024') });
const evaluation = fc.oneof(
  { weight: 12, arbitrary: fc.record({ year, recordedAt: instant }) },
  { weight: 1, arbitrary: fc.record({ year, recordedAt: instant, extra: fc.constant(1) }) },
  { weight: 1, arbitrary: fc.constant(null) },
);
/** Now and then a field no record type has. */
const stray = fc.option(fc.constant({ unknownField: 1 }), { freq: 8, nil: {} });
const member = fc.record(
  {
    type: fc.constant('member'),
    id,
    unit: id,
    joinedAt: instant,
    leftAt: maybe(instant),
    digitizedAt: maybe(instant),
    appActivatedAt: maybe(instant),
    evaluations: maybe(fc.array(evaluation, { maxLength: 4 })),
    birthYear: maybe(fc.oneof(fc.integer({ min: 1890, max: 2110 }), fc.constant(1999.5))),
    gender: maybe(fc.constantFrom('MALE', 'FEMALE', 'OTHER', 'male', 'X')),
  },
  { requiredKeys: ['type', 'id', 'unit', 'joinedAt'] },
);
const report = fc.record(
  {
    type: fc.constant('report'),
    id: maybe(id),
    unit: id,
    kind: fc.constantFrom('VNEID_INSTALLS', 'DIGITAL_ACCOUNTS', 'DIGITAL_SKILLS_TRAINED', 'VNEID_INSTALLS', 'vneid_installs'),
    date: fc.constantFrom('2026-03-01', '2024-02-29', '2026-03-31', '2026-02-29', '2026-03-01T00:00:00+07:00'),
    count: fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom(2_147_483_648, 1.5, '3')),
  },
  { requiredKeys: ['type', 'unit', 'kind', 'date', 'count'] },
);

describe('the fast paths of the import validation', () => {
  it('give the schema’s answer for any member or report record, valid or not', () => {
    let fastAccepted = 0;
    fc.assert(
      fc.property(fc.oneof(member, report), stray, (fields, extra) => {
        const record = { ...fields, ...extra };
        const fast = validateRecord(record);
        const schema = validateRecord(record, false);
        expect(fast).toEqual(schema);
        if ('row' in fast) fastAccepted += 1;
      }),
      { numRuns: 3000, seed: Number(process.env.PROPERTY_SEED ?? 11) },
    );
    // The generators reach valid records too, not only problems.
    expect(fastAccepted).toBeGreaterThan(50);
  });

  it('returns the schema’s row for a typical member of the national file', () => {
    const record = {
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
    const fast = validateRecord(record);
    expect(fast).toEqual(validateRecord(record, false));
    expect(fast).toMatchObject({
      row: {
        digitizedAt: { ms: Date.UTC(2021, 3, 30, 17), text: '2021-05-01T00:00:00+07:00' },
        evaluations: [{ member: 'HN-0001-001-0001', year: 2023 }, { year: 2024 }],
      },
    });
  });
});
