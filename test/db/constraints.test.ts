// A bad row cannot exist: the database itself (CHECK constraints, unique indexes,
// foreign keys and the triggers of 0001_unit_tree_rules.sql) refuses every row below,
// written with raw SQL that bypasses the loader's own validation. Runs on real PostgreSQL.
//
// The tree used throughout:
//
//   TW (central, 2020-01-01)
//   └── P1 (province, 2020-01-01)
//       ├── C1 (commune, 2020-01-01) ── B11 (branch, 2020-01-01)
//       ├── C2 (commune, 2020-01-01 → 2026-03-15 00:00 +07:00) ── B21 (same life)
//       └── C3 (commune, opens 2024-06-01 00:00 +07:00)
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type DbHandle } from '../../db/client.js';
import { openTestDb } from '../support/db.js';

const OPEN = '2020-01-01T00:00:00+07:00';
const CLOSED = '2026-03-15T00:00:00+07:00';
const C3_OPENS = '2024-06-01T00:00:00+07:00';

const unit = (code: string): SQL => sql`(SELECT id FROM units WHERE code = ${code})`;
const member = (externalId: string): SQL => sql`(SELECT id FROM members WHERE external_id = ${externalId})`;
const team = (externalId: string): SQL => sql`(SELECT id FROM teams WHERE external_id = ${externalId})`;

function insertUnit(code: string, level: string, parent: string | null, validFrom: string, validTo: string | null = null): SQL {
  return sql`
    INSERT INTO units (code, name, search_name, level, parent_id, valid_from, valid_to)
    VALUES (${code}, ${code}, ${code.toLowerCase()}, ${level}, ${parent === null ? sql`NULL` : unit(parent)},
            ${validFrom}::timestamptz, ${validTo}::timestamptz)`;
}

function insertMember(
  externalId: string,
  values: { unit?: SQL; joinedAt?: string; unitSince?: string; leftAt?: string | null; birthYear?: number | null; gender?: string | null } = {},
): SQL {
  const joinedAt = values.joinedAt ?? '2025-01-01T08:00:00+07:00';
  return sql`
    INSERT INTO members (external_id, unit_id, unit_since, joined_at, left_at, birth_year, gender)
    VALUES (${externalId}, ${values.unit ?? unit('B11')}, ${values.unitSince ?? joinedAt}::timestamptz, ${joinedAt}::timestamptz,
            ${values.leftAt ?? null}::timestamptz, ${values.birthYear ?? null}::smallint, ${values.gender ?? null})`;
}

function insertReport(unitCode: string, kind: string, date: string, count: number, externalId: string | null = null): SQL {
  return sql`
    INSERT INTO activity_reports (external_id, unit_id, kind, date, count)
    VALUES (${externalId}, ${unit(unitCode)}, ${kind}, ${date}::date, ${count}::int)`;
}

function insertTarget(kpi: string, periodStart: string, periodEnd: string, value: number): SQL {
  return sql`
    INSERT INTO targets (unit_id, kpi, period, period_start, period_end, value)
    VALUES (${unit('P1')}, ${kpi}, '2026', ${periodStart}::timestamptz, ${periodEnd}::timestamptz, ${value}::numeric)`;
}

let handle: DbHandle;

beforeAll(async () => {
  handle = await openTestDb('postgres');
  const setup: SQL[] = [
    insertUnit('TW', 'CENTRAL', null, OPEN),
    insertUnit('P1', 'PROVINCE', 'TW', OPEN),
    insertUnit('C1', 'COMMUNE', 'P1', OPEN),
    insertUnit('B11', 'BRANCH', 'C1', OPEN),
    insertUnit('C2', 'COMMUNE', 'P1', OPEN, CLOSED),
    insertUnit('B21', 'BRANCH', 'C2', OPEN, CLOSED),
    insertUnit('C3', 'COMMUNE', 'P1', C3_OPENS),
    insertMember('m1'),
    sql`INSERT INTO teams (external_id, unit_id, established_at) VALUES ('t1', ${unit('C1')}, '2025-09-01T08:00:00+07:00')`,
    insertReport('C1', 'VNEID_INSTALLS', '2026-03-31', 10),
  ];
  for (const statement of setup) await handle.db.execute(statement);
});

afterAll(async () => {
  await handle?.close();
});

/**
 * Runs a statement; on failure rethrows with the database's own words (drizzle wraps the
 * driver's error in "Failed query: …", which names neither the constraint nor the trigger).
 */
async function attempt(statement: SQL): Promise<void> {
  try {
    await handle.db.execute(statement);
  } catch (error) {
    const words: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = e.cause) {
      words.push(e.message);
      const pgError = e as Error & { code?: string; constraint?: string; detail?: string };
      if (pgError.code) words.push(`code ${pgError.code}`);
      if (pgError.constraint) words.push(`constraint ${pgError.constraint}`);
      if (pgError.detail) words.push(pgError.detail);
    }
    throw new Error(words.join('\n'), { cause: error });
  }
}

/** The whole content of a table, reduced to a row count and a digest. */
async function snapshot(table: string): Promise<{ n: number; digest: string }> {
  const [row] = await rows<{ n: number; digest: string }>(
    handle.db,
    sql`SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest
        FROM ${sql.identifier(table)} t`,
  );
  return row!;
}

/** The statement is refused for `reason`, and the table is exactly as it was. */
async function expectRejected(table: string, statement: SQL, reason: RegExp): Promise<void> {
  const before = await snapshot(table);
  await expect(attempt(statement)).rejects.toThrow(reason);
  expect(await snapshot(table)).toEqual(before);
}

/** The statement is accepted and adds exactly `added` rows to the table. */
async function expectAccepted(table: string, statement: SQL, added = 1): Promise<void> {
  const before = await snapshot(table);
  await attempt(statement);
  expect((await snapshot(table)).n).toBe(before.n + added);
}

interface Case {
  name: string;
  table: string;
  statement: SQL;
  reason: RegExp;
}

describe('units', () => {
  it.each<Case>([
    { name: 'unknown level', table: 'units', statement: insertUnit('X1', 'DISTRICT', null, OPEN), reason: /units_level_known/ },
    { name: 'valid_to equal to valid_from', table: 'units', statement: insertUnit('X2', 'COMMUNE', 'P1', OPEN, OPEN), reason: /units_valid_order/ },
    { name: 'valid_to before valid_from', table: 'units', statement: insertUnit('X3', 'COMMUNE', 'P1', '2025-01-01T00:00:00+07:00', '2024-01-01T00:00:00+07:00'), reason: /units_valid_order/ },
    { name: 'a PROVINCE without a parent', table: 'units', statement: insertUnit('X4', 'PROVINCE', null, OPEN), reason: /units_root_is_central/ },
    // The level-order trigger runs before the CHECK, and no level ranks above CENTRAL.
    { name: 'a CENTRAL with a parent', table: 'units', statement: insertUnit('X5', 'CENTRAL', 'TW', OPEN), reason: /units_root_is_central|a CENTRAL cannot sit under a CENTRAL/ },
    { name: 'a COMMUNE under a BRANCH', table: 'units', statement: insertUnit('X6', 'COMMUNE', 'B11', OPEN), reason: /a COMMUNE cannot sit under a BRANCH/ },
    { name: 'a BRANCH under a BRANCH', table: 'units', statement: insertUnit('X7', 'BRANCH', 'B11', OPEN), reason: /a BRANCH cannot sit under a BRANCH/ },
    { name: 'a BLOC under a COMMUNE', table: 'units', statement: insertUnit('X8', 'BLOC', 'C1', OPEN), reason: /a BLOC cannot sit under a COMMUNE/ },
    { name: 'a PROVINCE under a COMMUNE', table: 'units', statement: insertUnit('X9', 'PROVINCE', 'C1', OPEN), reason: /a PROVINCE cannot sit under a COMMUNE/ },
    { name: 'a child opening before its parent opens', table: 'units', statement: insertUnit('X10', 'BRANCH', 'C3', '2024-05-31T23:59:59+07:00'), reason: /valid period must lie within that of its parent C3/ },
    { name: 'a child still open under a closed parent', table: 'units', statement: insertUnit('X11', 'BRANCH', 'C2', OPEN), reason: /valid period must lie within that of its parent C2/ },
    { name: 'a child closing after its parent closes', table: 'units', statement: insertUnit('X12', 'BRANCH', 'C2', OPEN, '2026-03-15T00:00:01+07:00'), reason: /valid period must lie within that of its parent C2/ },
    { name: "changing a unit's parent", table: 'units', statement: sql`UPDATE units SET parent_id = ${unit('C1')} WHERE code = 'B21'`, reason: /parent cannot change/ },
    { name: "changing a unit's parent to none", table: 'units', statement: sql`UPDATE units SET parent_id = NULL WHERE code = 'B11'`, reason: /parent cannot change/ },
    { name: "changing a unit's level", table: 'units', statement: sql`UPDATE units SET level = 'BLOC' WHERE code = 'C3'`, reason: /level cannot change/ },
    { name: 'closing a parent while a child is still open', table: 'units', statement: sql`UPDATE units SET valid_to = '2026-01-01T00:00:00+07:00' WHERE code = 'C1'`, reason: /cannot close before its child B11 closes/ },
    { name: 'closing a parent before its child closes', table: 'units', statement: sql`UPDATE units SET valid_to = '2026-03-14T00:00:00+07:00' WHERE code = 'C2'`, reason: /cannot close before its child B21 closes/ },
    { name: 'opening a parent after its child opens', table: 'units', statement: sql`UPDATE units SET valid_from = '2021-01-01T00:00:00+07:00' WHERE code = 'C1'`, reason: /cannot open after its child B11 opens/ },
    { name: 'a duplicate unit code', table: 'units', statement: insertUnit('C1', 'COMMUNE', 'P1', OPEN), reason: /units_code_key/ },
    { name: 'an empty code', table: 'units', statement: insertUnit('', 'COMMUNE', 'P1', OPEN), reason: /units_code_not_blank/ },
    { name: 'a blank code', table: 'units', statement: insertUnit('   ', 'COMMUNE', 'P1', OPEN), reason: /units_code_not_blank/ },
    { name: 'a unit its own successor', table: 'units', statement: sql`UPDATE units SET successor_id = id WHERE code = 'C2'`, reason: /units_successor_not_self/ },
  ])('rejects $name', async ({ table, statement, reason }) => {
    await expectRejected(table, statement, reason);
  });

  it('computes path from the root down to the unit itself', async () => {
    const found = await rows<{ code: string; id: number; path: number[] }>(
      handle.db,
      sql`SELECT code, id, path FROM units WHERE code IN ('TW', 'P1', 'C1', 'B11')`,
    );
    const id = Object.fromEntries(found.map((u) => [u.code, u.id]));
    const path = Object.fromEntries(found.map((u) => [u.code, u.path]));
    expect(path.TW).toEqual([id.TW]);
    expect(path.P1).toEqual([id.TW, id.P1]);
    expect(path.C1).toEqual([id.TW, id.P1, id.C1]);
    expect(path.B11).toEqual([id.TW, id.P1, id.C1, id.B11]);
  });

  it('overrides a path written by hand', async () => {
    await handle.db.execute(sql`
      INSERT INTO units (code, name, search_name, level, parent_id, valid_from, path)
      VALUES ('B31', 'B31', 'b31', 'BRANCH', ${unit('C3')}, ${C3_OPENS}::timestamptz, '{1,2,3}')`);
    const [found] = await rows<{ path: number[]; expected: number[] }>(
      handle.db,
      sql`SELECT b.path, c.path || b.id AS expected FROM units b, units c WHERE b.code = 'B31' AND c.code = 'C3'`,
    );
    expect(found!.path).toHaveLength(4);
    expect(found!.path).toEqual(found!.expected);
  });
});

describe('members', () => {
  it.each<Case>([
    { name: 'left_at equal to joined_at', table: 'members', statement: insertMember('x1', { joinedAt: '2025-01-01T08:00:00+07:00', leftAt: '2025-01-01T08:00:00+07:00' }), reason: /members_left_after_joined/ },
    { name: 'left_at before joined_at', table: 'members', statement: insertMember('x2', { joinedAt: '2025-01-01T08:00:00+07:00', leftAt: '2024-12-31T08:00:00+07:00', unitSince: '2024-12-01T08:00:00+07:00' }), reason: /members_left_after_joined/ },
    { name: 'unit_since before joined_at', table: 'members', statement: insertMember('x3', { joinedAt: '2025-01-01T08:00:00+07:00', unitSince: '2024-12-31T23:59:59+07:00' }), reason: /members_unit_since_in_membership/ },
    { name: 'unit_since at left_at', table: 'members', statement: insertMember('x4', { joinedAt: '2025-01-01T08:00:00+07:00', leftAt: '2025-06-01T08:00:00+07:00', unitSince: '2025-06-01T08:00:00+07:00' }), reason: /members_unit_since_in_membership/ },
    { name: 'birth year 1800', table: 'members', statement: insertMember('x5', { birthYear: 1800 }), reason: /members_birth_year_range/ },
    { name: "gender 'X'", table: 'members', statement: insertMember('x6', { gender: 'X' }), reason: /members_gender_known/ },
    { name: 'a duplicate external_id', table: 'members', statement: insertMember('m1'), reason: /members_external_id_key/ },
    { name: 'a unit that does not exist', table: 'members', statement: insertMember('x7', { unit: sql`2147483000` }), reason: /violates foreign key constraint "members_unit_id_units_id_fk"/ },
  ])('rejects $name', async ({ table, statement, reason }) => {
    await expectRejected(table, statement, reason);
  });

  it('rejects a member_unit_history entry with to_at equal to from_at', async () => {
    await expectRejected(
      'member_unit_history',
      sql`INSERT INTO member_unit_history (member_id, unit_id, from_at, to_at)
          VALUES (${member('m1')}, ${unit('C1')}, '2025-01-01T08:00:00+07:00', '2025-01-01T08:00:00+07:00')`,
      /member_unit_history_order/,
    );
  });

  it('rejects a member_unit_history entry with to_at before from_at', async () => {
    await expectRejected(
      'member_unit_history',
      sql`INSERT INTO member_unit_history (member_id, unit_id, from_at, to_at)
          VALUES (${member('m1')}, ${unit('C1')}, '2025-02-01T08:00:00+07:00', '2025-01-01T08:00:00+07:00')`,
      /member_unit_history_order/,
    );
  });
});

describe('digital models, teams, products', () => {
  const model = (externalId: string, establishedAt: string, effectiveFrom: string | null, endedAt: string | null): SQL => sql`
    INSERT INTO digital_models (external_id, unit_id, kind, established_at, effective_from, ended_at)
    VALUES (${externalId}, ${unit('B11')}, 'Chi đoàn số', ${establishedAt}::timestamptz, ${effectiveFrom}::timestamptz, ${endedAt}::timestamptz)`;

  it.each<Case>([
    { name: 'a digital model ended before it was established', table: 'digital_models', statement: model('dm-x1', '2025-05-01T08:00:00+07:00', null, '2025-04-30T08:00:00+07:00'), reason: /digital_models_ended_order/ },
    { name: 'a digital model ended when it was established', table: 'digital_models', statement: model('dm-x2', '2025-05-01T08:00:00+07:00', null, '2025-05-01T08:00:00+07:00'), reason: /digital_models_ended_order/ },
    { name: 'a digital model effective before it was established', table: 'digital_models', statement: model('dm-x3', '2025-05-01T08:00:00+07:00', '2025-04-30T08:00:00+07:00', null), reason: /digital_models_effective_order/ },
    {
      name: 'a team disbanded before it was established',
      table: 'teams',
      statement: sql`INSERT INTO teams (external_id, unit_id, established_at, disbanded_at)
                     VALUES ('t-x1', ${unit('C1')}, '2025-09-01T08:00:00+07:00', '2025-08-01T08:00:00+07:00')`,
      reason: /teams_disbanded_order/,
    },
    {
      name: 'a team disbanded when it was established',
      table: 'teams',
      statement: sql`INSERT INTO teams (external_id, unit_id, established_at, disbanded_at)
                     VALUES ('t-x2', ${unit('C1')}, '2025-09-01T08:00:00+07:00', '2025-09-01T08:00:00+07:00')`,
      reason: /teams_disbanded_order/,
    },
    {
      name: 'a roster entry with to equal to from',
      table: 'team_roster',
      statement: sql`INSERT INTO team_roster (team_id, person, from_at, to_at)
                     VALUES (${team('t1')}, 'p1', '2025-09-01T08:00:00+07:00', '2025-09-01T08:00:00+07:00')`,
      reason: /team_roster_order/,
    },
    {
      name: 'a roster entry with to before from',
      table: 'team_roster',
      statement: sql`INSERT INTO team_roster (team_id, person, from_at, to_at)
                     VALUES (${team('t1')}, 'p2', '2025-09-01T08:00:00+07:00', '2025-08-01T08:00:00+07:00')`,
      reason: /team_roster_order/,
    },
    {
      name: 'a product delisted before it was listed',
      table: 'startup_products',
      statement: sql`INSERT INTO startup_products (external_id, unit_id, name, listed_at, delisted_at)
                     VALUES ('sp-x1', ${unit('C1')}, 'Chè', '2026-01-05T08:00:00+07:00', '2026-01-04T08:00:00+07:00')`,
      reason: /startup_products_order/,
    },
  ])('rejects $name', async ({ table, statement, reason }) => {
    await expectRejected(table, statement, reason);
  });
});

describe('activity reports', () => {
  it.each<Case>([
    { name: 'a negative count', table: 'activity_reports', statement: insertReport('C1', 'VNEID_INSTALLS', '2026-03-01', -1), reason: /activity_reports_count_nonnegative/ },
    { name: 'an unknown kind', table: 'activity_reports', statement: insertReport('C1', 'SELFIES_TAKEN', '2026-03-01', 1), reason: /activity_reports_kind_known/ },
    { name: 'a second report on the same unit, kind and date without external_id', table: 'activity_reports', statement: insertReport('C1', 'VNEID_INSTALLS', '2026-03-31', 3), reason: /activity_reports_natural_key/ },
    { name: "a report dated on the unit's closing day", table: 'activity_reports', statement: insertReport('C2', 'VNEID_INSTALLS', '2026-03-15', 1), reason: /report dated 2026-03-15 lies outside the life of unit C2/ },
    { name: "a report dated after the unit's closing day", table: 'activity_reports', statement: insertReport('B21', 'VNEID_INSTALLS', '2026-04-01', 1), reason: /lies outside the life of unit B21/ },
    { name: 'a report dated before the unit opened', table: 'activity_reports', statement: insertReport('C3', 'VNEID_INSTALLS', '2024-05-31', 1), reason: /report dated 2024-05-31 lies outside the life of unit C3/ },
    { name: 'a report moved after the unit closed', table: 'activity_reports', statement: sql`UPDATE activity_reports SET unit_id = ${unit('C2')}, date = '2026-03-20' WHERE unit_id = ${unit('C1')} AND date = '2026-03-31'`, reason: /lies outside the life of unit C2/ },
  ])('rejects $name', async ({ table, statement, reason }) => {
    await expectRejected(table, statement, reason);
  });

  it('rejects a duplicate external_id', async () => {
    await expectAccepted('activity_reports', insertReport('C1', 'VNEID_INSTALLS', '2026-02-01', 2, 'dup-1'));
    await expectRejected('activity_reports', insertReport('C1', 'VNEID_INSTALLS', '2026-02-02', 3, 'dup-1'), /activity_reports_external_id_key/);
  });

  it('accepts two reports with different external_ids on the same unit, kind and date', async () => {
    await expectAccepted('activity_reports', insertReport('C1', 'VNEID_ACTIVATIONS', '2026-03-10', 4, 'ext-a'));
    await expectAccepted('activity_reports', insertReport('C1', 'VNEID_ACTIVATIONS', '2026-03-10', 6, 'ext-b'));
    // …and beside them one without an external_id.
    await expectAccepted('activity_reports', insertReport('C1', 'VNEID_ACTIVATIONS', '2026-03-10', 1));
  });

  it("accepts a report dated the day before the unit's closing day", async () => {
    await expectAccepted('activity_reports', insertReport('C2', 'VNEID_INSTALLS', '2026-03-14', 1));
  });

  it('accepts a report dated on the day the unit opened', async () => {
    await expectAccepted('activity_reports', insertReport('C3', 'VNEID_INSTALLS', '2024-06-01', 1));
  });

  // The other direction: a unit's life cannot shrink away from the reports it holds.
  it('rejects closing B11 on the day of its report of 1 April', async () => {
    await handle.db.execute(insertReport('B11', 'DIGITAL_ACCOUNTS', '2026-04-01', 2));
    await expectRejected('units', sql`UPDATE units SET valid_to = '2026-04-01T00:00:00+07:00' WHERE code = 'B11'`, /unit B11: a report dated 2026-04-01 would lie outside its life/);
  });

  it('rejects opening C3 after its report of 1 June 2024', async () => {
    await expectRejected('units', sql`UPDATE units SET valid_from = '2024-06-02T00:00:00+07:00' WHERE code = 'C3'`, /unit C3: a report dated 2024-06-01 would lie outside its life/);
  });
});

describe('targets', () => {
  it.each<Case>([
    { name: 'an unknown kpi', table: 'targets', statement: insertTarget('HAPPINESS', '2026-01-01T00:00:00+07:00', '2027-01-01T00:00:00+07:00', 10), reason: /targets_kpi_known/ },
    { name: 'a negative value', table: 'targets', statement: insertTarget('APP_ADOPTION', '2026-01-01T00:00:00+07:00', '2027-01-01T00:00:00+07:00', -0.5), reason: /targets_value_nonnegative/ },
    { name: 'period_end equal to period_start', table: 'targets', statement: insertTarget('APP_ADOPTION', '2026-01-01T00:00:00+07:00', '2026-01-01T00:00:00+07:00', 10), reason: /targets_period_order/ },
    { name: 'period_end before period_start', table: 'targets', statement: insertTarget('APP_ADOPTION', '2027-01-01T00:00:00+07:00', '2026-01-01T00:00:00+07:00', 10), reason: /targets_period_order/ },
  ])('rejects $name', async ({ table, statement, reason }) => {
    await expectRejected(table, statement, reason);
  });

  it('accepts a valid target', async () => {
    await expectAccepted('targets', insertTarget('APP_ADOPTION', '2026-01-01T00:00:00+07:00', '2027-01-01T00:00:00+07:00', 80));
  });
});
