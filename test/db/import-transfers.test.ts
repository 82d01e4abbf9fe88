// A member whose unit changes in an imported file moves from an instant on: `unitSince` when
// the record gives it, else the moment the import writes it. The past stays where it was,
// and importing the same file again changes nothing.
import { sql } from 'drizzle-orm';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type DbHandle } from '../../db/client.js';
import { importPath, importSource, loadRecords, type ImportResult } from '../../db/import/run.js';
import { ndjsonText } from '../../db/import/source.js';
import { rollupSnapshot } from '../../db/rollup.js';
import type { ImportRecord } from '../../db/records.js';
import { openTestDb } from '../support/db.js';
import { graphqlClient } from '../support/graphql.js';
import { rebuiltSnapshot } from '../support/rollups.js';

const OPEN = '2020-01-01T00:00:00+07:00';
const TREE: ImportRecord[] = [
  { type: 'unit', code: 'TW', name: 'Trung ương Đoàn', level: 'CENTRAL', validFrom: OPEN },
  { type: 'unit', code: 'P1', name: 'Tỉnh Một', level: 'PROVINCE', parent: 'TW', validFrom: OPEN },
  { type: 'unit', code: 'C1', name: 'Xã Một', level: 'COMMUNE', parent: 'P1', validFrom: OPEN },
  { type: 'unit', code: 'B1', name: 'Chi đoàn Một', level: 'BRANCH', parent: 'C1', validFrom: OPEN },
  { type: 'unit', code: 'B2', name: 'Chi đoàn Hai', level: 'BRANCH', parent: 'C1', validFrom: OPEN },
  { type: 'unit', code: 'B3', name: 'Chi đoàn Ba', level: 'BRANCH', parent: 'C1', validFrom: OPEN },
];

const member = (id: string, unit: string, extra: Partial<Extract<ImportRecord, { type: 'member' }>> = {}): ImportRecord => ({
  type: 'member',
  id,
  unit,
  joinedAt: '2025-01-01T08:00:00+07:00',
  ...extra,
});

describe('members moved by an imported file', () => {
  let handle: DbHandle;
  let gql: ReturnType<typeof graphqlClient>;
  const run = (records: ImportRecord[]): Promise<ImportResult> =>
    importSource(handle.db, ndjsonText(records.map((r) => JSON.stringify(r)).join('\n'), 'members.ndjson'), { mode: 'per-batch' });

  /** [members, app users] of each branch and of C1, at the End of a period (APP_ADOPTION's parts). */
  async function parts(period: string): Promise<Record<string, [number, number]>> {
    const field = (code: string) => `${code}: unit(code: "${code}") { kpi(id: APP_ADOPTION, period: "${period}") { numerator denominator } }`;
    const r = await gql(`{ ${['C1', 'B1', 'B2', 'B3'].map(field).join(' ')} }`);
    expect(r.errors).toBeUndefined();
    return Object.fromEntries(Object.entries(r.data as Record<string, { kpi: { numerator: number; denominator: number } }>).map(([c, v]) => [c, [v.kpi.denominator, v.kpi.numerator]]));
  }
  const history = async () =>
    (
      await rows<{ r: string }>(
        handle.db,
        sql`SELECT m.external_id || ' ' || u.code || ' until ' || to_char(h.to_at AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD HH24:MI') AS r
              FROM member_unit_history h JOIN members m ON m.id = h.member_id JOIN units u ON u.id = h.unit_id ORDER BY 1`,
      )
    ).map((x) => x.r);

  beforeAll(async () => {
    handle = await openTestDb('postgres');
    await loadRecords(handle.db, TREE);
    gql = graphqlClient(handle.db);
    // The first night: a and b in B1; b on the app since June 2025.
    expect((await run([member('a', 'B1'), member('b', 'B1', { appActivatedAt: '2025-06-01T08:00:00+07:00' })])).status).toBe('imported');
  });
  afterAll(async () => handle?.close());

  it('moves a member at unitSince: the old branch before it, the new one from it', async () => {
    const result = await run([
      member('a', 'B2', { unitSince: '2026-03-15T00:00:00+07:00' }),
      member('b', 'B2', { unitSince: '2026-03-15T00:00:00+07:00', appActivatedAt: '2025-06-01T08:00:00+07:00' }),
    ]);
    expect(result.status).toBe('imported');
    expect(result.counts.members).toEqual({ inserted: 0, updated: 2, unchanged: 0 });
    // February (End 1 March): both still in B1, b on the app. March (End 1 April): both in B2.
    expect(await parts('2026-02')).toEqual({ C1: [2, 1], B1: [2, 1], B2: [0, 0], B3: [0, 0] });
    expect(await parts('2026-03')).toEqual({ C1: [2, 1], B1: [0, 0], B2: [2, 1], B3: [0, 0] });
    // 1–14 March ends at the move's instant: still B1's; 1–15 March ends after it: B2's.
    expect(await parts('2026-03-01..2026-03-14')).toEqual({ C1: [2, 1], B1: [2, 1], B2: [0, 0], B3: [0, 0] });
    expect(await parts('2026-03-01..2026-03-15')).toEqual({ C1: [2, 1], B1: [0, 0], B2: [2, 1], B3: [0, 0] });
    expect(await history()).toEqual(['a B1 until 2026-03-15 00:00', 'b B1 until 2026-03-15 00:00']);
  });

  it('changes nothing when the same file comes again', async () => {
    const before = await rollupSnapshot(handle.db);
    const result = await run([
      member('a', 'B2', { unitSince: '2026-03-15T00:00:00+07:00' }),
      member('b', 'B2', { unitSince: '2026-03-15T00:00:00+07:00', appActivatedAt: '2025-06-01T08:00:00+07:00' }),
    ]);
    expect(result.counts.members).toEqual({ inserted: 0, updated: 0, unchanged: 2 });
    expect(await history()).toEqual(['a B1 until 2026-03-15 00:00', 'b B1 until 2026-03-15 00:00']);
    expect(await rollupSnapshot(handle.db)).toEqual(before);
    expect(await parts('2026-02')).toEqual({ C1: [2, 1], B1: [2, 1], B2: [0, 0], B3: [0, 0] });
  });

  it('moves a member without unitSince from the import on, leaving every past period as it was', async () => {
    const started = Date.now();
    expect((await run([member('a', 'B3')])).status).toBe('imported');
    const [a] = await rows<{ since: Date }>(handle.db, sql`SELECT unit_since AS since FROM members WHERE external_id = 'a'`);
    expect(new Date(a!.since).getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(new Date(a!.since).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    // October 2026 ended before the import: a was in B2 then, and stays there.
    expect(await parts('2026-10')).toEqual({ C1: [2, 1], B1: [0, 0], B2: [2, 1], B3: [0, 0] });
    expect(await parts('2026-03')).toEqual({ C1: [2, 1], B1: [0, 0], B2: [2, 1], B3: [0, 0] });
    expect((await history()).slice(0, 2)).toEqual(['a B1 until 2026-03-15 00:00', 'a B2 until ' + (await sinceOf('a'))]);
  });

  const sinceOf = async (id: string) =>
    (await rows<{ t: string }>(handle.db, sql`SELECT to_char(unit_since AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD HH24:MI') AS t FROM members WHERE external_id = ${id}`))[0]!.t;

  it('refuses a move before the member came into their unit, and one of a member who has left without its instant', async () => {
    const early = await run([member('b', 'B3', { unitSince: '2026-03-01T00:00:00+07:00', appActivatedAt: '2025-06-01T08:00:00+07:00' })]);
    expect(early.status).toBe('stopped');
    expect(early.problems).toEqual([
      { file: null, line: 1, field: 'unitSince', reason: 'must be after 2026-03-15T00:00:00+07:00, when the member came into the unit stored for them' },
    ]);
    const left = await run([member('b', 'B3', { leftAt: '2026-06-01T00:00:00+07:00', appActivatedAt: '2025-06-01T08:00:00+07:00' })]);
    expect(left.status).toBe('stopped');
    expect(left.problems).toEqual([
      { file: null, line: 1, field: 'unitSince', reason: 'is required: the member has left, and a move of a member who has left needs its instant' },
    ]);
    // Nothing of either was written.
    expect(await parts('2026-05')).toEqual({ C1: [2, 1], B1: [0, 0], B2: [2, 1], B3: [0, 0] });
  });

  it('refuses unitSince outside the membership before anything is written', async () => {
    const result = await run([member('c', 'B1', { unitSince: '2024-12-31T00:00:00+07:00' }), member('d', 'B1', { leftAt: '2026-01-01T00:00:00+07:00', unitSince: '2026-01-01T00:00:00+07:00' })]);
    expect(result.status).toBe('invalid');
    expect(result.problems.map((p) => [p.line, p.field, p.reason])).toEqual([
      [1, 'unitSince', 'must be at or after joinedAt (2025-01-01T08:00:00+07:00)'],
      [2, 'unitSince', 'must be before leftAt (2026-01-01T00:00:00+07:00): a member leaves from the unit they are in'],
    ]);
  });

  it('moves the placement that began at joining when joinedAt moves earlier: counted somewhere on every day', async () => {
    // a joined B1 on 1 January 2025 (then B2, then B3); the software now says 1 December 2024.
    expect((await parts('2024-12')).C1).toEqual([0, 0]);
    expect((await run([member('a', 'B3', { joinedAt: '2024-12-01T08:00:00+07:00' })])).status).toBe('imported');
    // End 2025-01-01: a in B1, its first branch; b joins on 1 January at 08:00, after that End.
    expect(await parts('2024-12')).toEqual({ C1: [1, 0], B1: [1, 0], B2: [0, 0], B3: [0, 0] });
    expect((await history()).slice(0, 1)).toEqual(['a B1 until 2026-03-15 00:00']);
    const [first] = await rows<{ t: string }>(
      handle.db,
      sql`SELECT to_char(h.from_at AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD HH24:MI') AS t FROM member_unit_history h JOIN members m ON m.id = h.member_id
           WHERE m.external_id = 'a' ORDER BY h.from_at LIMIT 1`,
    );
    expect(first!.t).toBe('2024-12-01 08:00');
  });

  it('keeps roll-ups equal to a rebuild from the base tables', async () => {
    expect(await rollupSnapshot(handle.db)).toEqual(await rebuiltSnapshot(handle.db));
  });
});

describe('unitSince in a first import', () => {
  it('places a member new to the database in their unit from joining: no other unit is known', async () => {
    const handle = await openTestDb('postgres');
    try {
      await loadRecords(handle.db, [...TREE, member('a', 'B2', { unitSince: '2026-03-15T00:00:00+07:00' })]);
      const [a] = await rows<{ since: string }>(handle.db, sql`SELECT to_char(unit_since AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD HH24:MI') AS since FROM members`);
      expect(a!.since).toBe('2025-01-01 08:00');
    } finally {
      await handle.close();
    }
  });

  it('does so in the bulk load too', async () => {
    const handle = await openTestDb('postgres');
    const dir = await mkdtemp(join(tmpdir(), 'unit-since-'));
    try {
      const file = join(dir, 'first.ndjson');
      await writeFile(file, [...TREE, member('a', 'B2', { unitSince: '2026-03-15T00:00:00+07:00' }), member('b', 'B1')].map((r) => JSON.stringify(r)).join('\n'));
      const result = await importPath(handle.db, file, { mode: 'all-or-nothing' });
      expect([result.status, result.load]).toEqual(['imported', 'bulk']);
      const found = await rows<{ r: string }>(
        handle.db,
        sql`SELECT external_id || ' ' || to_char(unit_since AT TIME ZONE INTERVAL '+07:00', 'YYYY-MM-DD HH24:MI') AS r FROM members ORDER BY 1`,
      );
      expect(found.map((x) => x.r)).toEqual(['a 2025-01-01 08:00', 'b 2025-01-01 08:00']);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await handle.close();
    }
  });
});

