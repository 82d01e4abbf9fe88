// The bulk reader's member lines read from their bytes (db/import/member-line.ts) must
// give exactly what the usual way gives (JSON.parse, then the validation), and take no
// line the usual way would refuse: any line it does not take goes the usual way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyMember, CopyRows } from '../../db/import/bulk-format.js';
import { MemberLine } from '../../db/import/member-line.js';
import { SeenFilter } from '../../db/import/seen.js';
import { lineEntry } from '../../db/import/source.js';
import { validateRecord, type MemberRow } from '../../db/import/validate.js';

const INSTANTS = [
  '2024-03-01T08:00:00+07:00', '2024-03-01', '2023-12-31T17:00:00Z', '2025-01-01T00:00:00.5+07:00', '2024-02-29T23:59:59-05:30',
  '1999-12-31T23:59:59.999999Z', '2038-01-19T03:14:08.000001+14:00', '1900-01-01T00:00Z', '2199-12-31T23:59:59-14:59',
];
/** Texts that are not instants (or not ones this format takes). */
const NOT_INSTANTS = ['2024-02-30', '2024-03-01T24:00:00+07:00', '2024-03-01T08:00:00+15:00', '2024-03-01T08:00:00', '2024-3-01', '1899-12-31', '2024-03-01T08:00:00.+07:00', '2024-03-01T08:00:00.1234567Z', ''];
const instant = fc.constantFrom(...INSTANTS);
const TRICKY = [undefined, null, '', ' ', 'M-1 ', ' M-1', 'Đ-1', 'a"b', 'a\\b', 'a\tb', 7, 1.5, true, [], {}, ...NOT_INSTANTS, 1899, 1900, 1949, 1950, 2100, 2101, -1, 'MALE', 'male',
  [{ year: 2024, recordedAt: '2024-01-01' }, { year: 2024, recordedAt: '2024-06-01' }], [{ year: 2024, recordedAt: '2024-01-01', extra: 1 }], [null], [{ year: '2024', recordedAt: '2024-01-01' }],
  [{ recordedAt: '2024-01-01', year: 2024 }], [{ year: 2024, recordedAt: '2024-02-30' }]];

const member = fc.record({
  type: fc.constant('member'),
  id: fc.constantFrom('M-1', 'HN-0001-001-0001', 'x'),
  unit: fc.constantFrom('HN-0001-001', 'LS'),
  joinedAt: instant,
  leftAt: fc.constantFrom(null, undefined, '2026-01-01T00:00:00+07:00', '2024-03-01T08:00:00+07:00'),
  digitizedAt: fc.option(instant, { nil: null }),
  appActivatedAt: fc.option(instant, { nil: undefined }),
  evaluations: fc.option(fc.uniqueArray(fc.record({ year: fc.integer({ min: 1950, max: 2100 }), recordedAt: instant }), { maxLength: 4, selector: (e) => e.year }), { nil: undefined }),
  birthYear: fc.option(fc.integer({ min: 1900, max: 2100 }), { nil: null }),
  gender: fc.constantFrom(null, undefined, 'MALE', 'FEMALE', 'OTHER'),
});
const FIELDS = ['type', 'id', 'unit', 'joinedAt', 'leftAt', 'digitizedAt', 'appActivatedAt', 'evaluations', 'birthYear', 'gender', 'extra'];
/** Changes to the text of a line that JSON may or may not allow. */
const EDITS: ((line: string) => string)[] = [
  (l) => l.replace(':', ' : '),
  (l) => ` ${l}`,
  (l) => `${l}\r`,
  (l) => `${l} `,
  (l) => l.replace('"id":"', '"id":"\\u0041'),
  (l) => l.replace(/"birthYear":(\d)/, '"birthYear":0$1'),
  (l) => l.replace(/"year":(\d+)/, '"year":$1.0'),
  (l) => l.replace(/"year":(\d+)/, '"year":$1e0'),
  (l) => l.replace('{"type":"member",', '{') .replace(/}$/, ',"type":"member"}'),
  (l) => l.replace('"member"', '"member","id":"dup"'),
  (l) => l.slice(0, -1),
  (l) => l.replace(/}$/, ',}'),
  (l) => l.replace('"evaluations":[', '"evaluations":[ '),
];

const line = fc
  .tuple(member, fc.option(fc.tuple(fc.constantFrom(...FIELDS), fc.constantFrom(...TRICKY))), fc.option(fc.constantFrom(...EDITS.keys())))
  .map(([r, change, edit]) => {
    const out: Record<string, unknown> = { ...r };
    if (change) out[change[0]] = change[1];
    for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
    const text = JSON.stringify(out);
    return { text: edit === null ? text : EDITS[edit]!(text), pristine: !change && edit === null };
  });

/** What the usual way makes of a line: the member row, or null when it does not take it. */
function usual(text: string): MemberRow | null {
  const entry = lineEntry(1, text);
  if (!entry || entry.issue) return null;
  const result = validateRecord(entry.value);
  return 'row' in result && result.row.type === 'member' ? result.row : null;
}

describe('a member line read from its bytes', () => {
  it('is taken only when the usual way takes it, and gives the same COPY rows and roll-up member', () => {
    const reader = new MemberLine();
    let taken = 0;
    let valid = 0;
    fc.assert(
      fc.property(line, ({ text, pristine }) => {
        // The line sits between others in the buffer, as in a chunk of the file.
        const buf = Buffer.from(`{"type":"unit"}\n${text}\n{"type":"member","id":"after"}`);
        const start = buf.indexOf(10) + 1;
        const end = buf.indexOf(10, start);
        const row = usual(text);
        if (row) valid += 1;
        const ok = reader.read(buf, start, end);
        // Every valid record JSON.stringify writes as it is is taken.
        if (pristine && row) expect(ok, text).toBe(true);
        if (!ok) return;
        taken += 1;
        expect(row, text).not.toBeNull();
        expect(buf.toString('latin1', reader.idStart, reader.idEnd)).toBe(row!.id);
        expect(buf.toString('latin1', reader.unitStart, reader.unitEnd)).toBe(row!.unit);
        const [fast, slow] = [new CopyRows(), new CopyRows()];
        const [fastEvaluations, slowEvaluations] = [new CopyRows(), new CopyRows()];
        reader.copyTo(fast, fastEvaluations, 41, 7);
        copyMember(slow, slowEvaluations, 41, 7, row!);
        expect(fast.take().equals(slow.take()), text).toBe(true);
        expect(fastEvaluations.take().equals(slowEvaluations.take()), text).toBe(true);
        expect(reader.forRollups(7)).toEqual({
          unitId: 7,
          joinedAt: row!.joinedAt.ms,
          leftAt: row!.leftAt?.ms ?? null,
          digitizedAt: row!.digitizedAt?.ms ?? null,
          appActivatedAt: row!.appActivatedAt?.ms ?? null,
          evaluations: row!.evaluations.map((e) => ({ year: e.year, recordedAt: e.recordedAt.ms })),
        });
      }),
      { numRuns: 6000, seed: Number(process.env.PROPERTY_SEED ?? 5) },
    );
    // Valid lines are both taken and left (spaces, escapes, keys in another order).
    expect(taken).toBeGreaterThan(200);
    expect(valid - taken).toBeGreaterThan(200);
  });

  it('takes the lines JSON.stringify writes of valid members, and leaves the others to the usual way', () => {
    const reader = new MemberLine();
    const read = (text: string) => reader.read(Buffer.from(text), 0, Buffer.byteLength(text));
    const full = {
      type: 'member', id: 'HN-0001-001-0002', unit: 'HN-0001-001', joinedAt: '2021-04-21T04:01:00+07:00', leftAt: '2025-07-24T20:13:00+07:00',
      digitizedAt: '2022-08-04T21:01:00+07:00', appActivatedAt: null, evaluations: [{ year: 2022, recordedAt: '2022-12-06T06:10:00+07:00' }], birthYear: 2008, gender: 'MALE',
    };
    expect(read(JSON.stringify(full))).toBe(true);
    expect([reader.joinedAt.ms, reader.leftAt.set, reader.appActivatedAt.set, reader.evaluationCount, reader.years[0], reader.birthYear, reader.gender]).toEqual([
      Date.parse('2021-04-21T04:01:00+07:00'), true, false, 1, 2022, 2008, 0,
    ]);
    expect(read('{"type":"member","id":"m","unit":"U","joinedAt":"2026-01-01"}')).toBe(true);
    expect([reader.leftAt.set, reader.evaluationCount, reader.birthYear, reader.gender]).toEqual([false, 0, -1, -1]);
    // Left before joining, a year evaluated twice, an id with a space at its end, Vietnamese in an id: the usual way says why.
    expect(read(JSON.stringify({ ...full, leftAt: '2020-01-01T00:00:00+07:00' }))).toBe(false);
    expect(read(JSON.stringify({ ...full, evaluations: [full.evaluations[0], full.evaluations[0]] }))).toBe(false);
    expect(read(JSON.stringify({ ...full, id: 'M-1 ' }))).toBe(false);
    expect(read(JSON.stringify({ ...full, id: 'Đ-1' }))).toBe(false);
    expect(read(JSON.stringify({ ...full, gender: 'male' }))).toBe(false);
  });

  it('keeps its id for duplicates as the usual way keeps a member’s key', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[!-~][ -~]{0,30}$/), (id) => {
        const buf = Buffer.from(`"id":"${id}"`, 'latin1');
        const [a, b] = [new SeenFilter(1_000), new SeenFilter(1_000)];
        expect(a.addBytes('member\u0000', buf, 6, 6 + id.length)).toBe(false);
        expect(a.add(`member\u0000${id}`)).toBe(true);
        expect(b.add(`member\u0000${id}`)).toBe(false);
        expect(b.addBytes('member\u0000', buf, 6, 6 + id.length)).toBe(true);
      }),
      { numRuns: 500, seed: Number(process.env.PROPERTY_SEED ?? 5) },
    );
  });
});
