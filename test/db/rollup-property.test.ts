// Random writes keep the roll-ups exact: after any sequence of writes, the incrementally
// maintained roll-ups equal a rebuild from scratch row for row, and every KPI read through
// them equals the direct computation from the base tables.
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, type Db, type DbHandle } from '../../db/client.js';
import { importSource } from '../../db/import/run.js';
import { ndjsonText } from '../../db/import/source.js';
import { rebuildRollups, rollupSnapshot } from '../../db/rollup.js';
import { PARENT_LEVELS, type UnitLevel } from '../../db/schema.js';
import * as writes from '../../db/writes.js';
import { computeKpis } from '../../schema/kpi/compute.js';
import { parsePeriod } from '../../domain/period.js';
import { readKpis } from '../../schema/kpi/read.js';
import { HISTORY_VIEWS, KPI_IDS } from '../../domain/catalogue.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { openTestDb } from '../support/db.js';

// Instants near the boundaries that matter: month starts at 00:00 Vietnam time, a minute
// before, and ordinary times.
const INSTANTS = [
  '2025-06-01T00:00:00+07:00', '2025-12-31T23:59:00+07:00', '2026-01-01T00:00:00+07:00', '2026-01-15T10:00:00+07:00',
  '2026-02-28T23:59:00+07:00', '2026-03-01T00:00:00+07:00', '2026-03-10T00:00:00+07:00', '2026-03-14T12:00:00+07:00',
  '2026-03-15T00:00:00+07:00', '2026-03-31T16:30:00Z', '2026-03-31T17:00:00Z', '2026-04-01T00:00:00+07:00',
  '2026-04-20T08:00:00+07:00', '2026-05-01T00:00:00+07:00',
].map((s) => new Date(s));
const DAYS = ['2025-12-31', '2026-01-01', '2026-02-28', '2026-03-01', '2026-03-14', '2026-03-15', '2026-03-31', '2026-04-01', '2026-04-30'];
const BRANCHES = ['B11', 'B12', 'B21'];
const UNITS = ['TW', 'P1', 'C1', 'C2', 'C3', 'B11', 'B12', 'B21'];
const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'n1', 'n2', 'n3'];
const PERIODS = ['2025-12', '2026-02', '2026-03', '2026-04', '2026-Q1', '2026', '2026-03-14', '2026-03-31', '2026-W12'].map(parsePeriod);

const instant = fc.constantFrom(...INSTANTS);
// The tree changes at Vietnam midnights.
const midnight = fc.constantFrom(...INSTANTS.filter((d) => (d.getTime() + 7 * 3_600_000) % 86_400_000 === 0));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const op = fc.oneof(
  fc.record({ op: fc.constant('addMember' as const), id: fc.constantFrom('n1', 'n2', 'n3'), unit: fc.constantFrom(...BRANCHES), joinedAt: instant, leftAt: maybe(instant), digitizedAt: maybe(instant), appActivatedAt: maybe(instant) }),
  fc.record({ op: fc.constant('updateMember' as const), id: fc.constantFrom(...MEMBERS), leftAt: maybe(instant), appActivatedAt: maybe(instant), digitizedAt: maybe(instant) }),
  fc.record({ op: fc.constant('transfer' as const), id: fc.constantFrom(...MEMBERS), unit: fc.constantFrom(...BRANCHES), at: instant }),
  fc.record({ op: fc.constant('evaluate' as const), id: fc.constantFrom(...MEMBERS), year: fc.constantFrom(2024, 2025, 2026), at: instant }),
  fc.record({ op: fc.constant('close' as const), unit: fc.constantFrom('C1', 'C3', 'B11', 'B12'), at: instant }),
  fc.record({ op: fc.constant('model' as const), id: fc.constantFrom('dm1', 'dm2', 'dm3'), unit: fc.constantFrom(...BRANCHES), establishedAt: instant, effectiveFrom: maybe(instant), endedAt: maybe(instant) }),
  fc.record({ op: fc.constant('team' as const), id: fc.constantFrom('t1', 't2', 't3'), unit: fc.constantFrom('C1', 'C2', 'C3', 'B11'), establishedAt: instant, disbandedAt: maybe(instant) }),
  fc.record({ op: fc.constant('roster' as const), team: fc.constantFrom('t1', 't2', 't3'), person: fc.constantFrom('p1', 'p2', 'p9'), from: instant, to: maybe(instant) }),
  fc.record({ op: fc.constant('product' as const), id: fc.constantFrom('sp1', 'sp2'), unit: fc.constantFrom('C1', 'C2', 'B12'), listedAt: instant, delistedAt: maybe(instant) }),
  fc.record({ op: fc.constant('relic' as const), id: fc.constantFrom('r1', 'r2', 'r3'), unit: fc.constantFrom('C1', 'C3', 'B21'), digitizedAt: maybe(instant) }),
  fc.record({ op: fc.constant('report' as const), unit: fc.constantFrom(...UNITS), kind: fc.constantFrom('VNEID_INSTALLS' as const, 'DIGITAL_ACCOUNTS' as const), date: fc.constantFrom(...DAYS), count: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ op: fc.constant('reportById' as const), id: fc.constantFrom('ar1', 'ar2'), unit: fc.constantFrom(...UNITS), kind: fc.constantFrom('VNEID_INSTALLS' as const, 'DIGITAL_ACCOUNTS' as const), date: fc.constantFrom(...DAYS), count: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ op: fc.constant('createUnit' as const), code: fc.constantFrom('N1', 'N2'), level: fc.constantFrom('BRANCH' as const, 'COMMUNE' as const, 'PROVINCE' as const), parent: fc.constantFrom('TW', 'P1', 'C1', 'C3'), validFrom: instant }),
  // Reorganisations: a unit (with its subtree) under another parent, units merged into one, a unit split.
  { arbitrary: fc.oneof(
      fc.record({ op: fc.constant('reparent' as const), unit: fc.constantFrom('B11', 'B12', 'B21', 'N1'), parent: fc.constantFrom('C1', 'C3', 'N1'), at: midnight }),
      fc.record({ op: fc.constant('reparent' as const), unit: fc.constantFrom('C1', 'C3', 'N1'), parent: fc.constantFrom('P1', 'P2'), at: midnight }),
    ), weight: 3 },
  { arbitrary: fc.oneof(
      fc.record({ op: fc.constant('merge' as const), units: fc.uniqueArray(fc.constantFrom('B11', 'B12', 'N1'), { minLength: 1, maxLength: 2 }), into: fc.constantFrom('B11', 'B12', 'N1'), at: midnight }),
      fc.record({ op: fc.constant('merge' as const), units: fc.uniqueArray(fc.constantFrom('C1', 'C3', 'N1'), { minLength: 1, maxLength: 2 }), into: fc.constantFrom('C1', 'C3', 'N1'), at: midnight }),
    ), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('split' as const), unit: fc.constantFrom('C1', 'C3'), child: fc.constantFrom('B11', 'B12', 'N1'), to: fc.constantFrom('C1', 'C3', 'N1'), successor: fc.constantFrom('C1', 'C3', 'N1'), at: midnight }), weight: 2 },
  fc.record({ op: fc.constant('rename' as const), unit: fc.constantFrom(...UNITS), name: fc.constantFrom('Xã Mới', 'Chi đoàn Mới') }),
  // A member record through the import (a move at unitSince, or when it is written).
  { arbitrary: fc.record({ op: fc.constant('importMember' as const), id: fc.constantFrom(...MEMBERS), unit: fc.constantFrom(...BRANCHES), joinedAt: fc.constantFrom(...INSTANTS.slice(0, 2)), leftAt: maybe(fc.constantFrom(...INSTANTS.slice(8))), unitSince: maybe(fc.constantFrom(...INSTANTS.slice(2, 12))), appActivatedAt: maybe(instant) }), weight: 3 },
  fc.record({ op: fc.constant('upsertMember' as const), id: fc.constantFrom(...MEMBERS), unit: fc.constantFrom(...BRANCHES, 'N1'), joinedAt: instant, leftAt: maybe(instant), digitizedAt: maybe(instant), appActivatedAt: maybe(instant), movedAt: maybe(instant) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function idOf(db: Db, table: 'units' | 'members' | 'teams', key: string): Promise<number | undefined> {
  const column = table === 'units' ? sql`code` : sql`external_id`;
  const [row] = await rows<{ id: number }>(db, sql`SELECT id FROM ${sql.identifier(table)} WHERE ${column} = ${key}`);
  return row?.id;
}

interface TreeUnit { id: number; level: UnitLevel; parent_id: number | null; path: number[] | string; valid_from: Date; valid_to: Date | null; since: Date }
async function treeUnit(db: Db, code: string): Promise<TreeUnit | undefined> {
  const [u] = await rows<TreeUnit>(db, sql`SELECT id, level, parent_id, path, valid_from, valid_to, coalesce(parent_since, valid_from) AS since FROM units WHERE code = ${code}`);
  return u && { ...u, valid_from: new Date(u.valid_from), valid_to: u.valid_to && new Date(u.valid_to), since: new Date(u.since), path: typeof u.path === 'string' ? u.path.slice(1, -1).split(',').map(Number) : u.path.map(Number) };
}
/** Open on the day `at` starts (what the mutations check first; the triggers check the rest). */
const openAt = (u: TreeUnit, at: Date, opensThen = false) => (opensThen ? u.valid_from <= at : u.valid_from < at) && (!u.valid_to || u.valid_to > at);
/** Re-parents, mergers and splits applied. */
let treeChanges = 0;

/** Applies one write; a write the database refuses (a constraint) changes nothing. Returns whether it was applied. */
/** Members the import moved to another unit. */
let importMoves = 0;

async function apply(db: Db, o: Op): Promise<boolean> {
  const unit = 'unit' in o ? await idOf(db, 'units', o.unit) : undefined;
  try {
    switch (o.op) {
      case 'addMember':
        if (await idOf(db, 'members', o.id)) return false;
        await writes.upsertMember(db, { externalId: o.id, unitId: unit!, joinedAt: o.joinedAt, leftAt: o.leftAt, birthYear: null, gender: null, digitizedAt: o.digitizedAt, appActivatedAt: o.appActivatedAt });
        return true;
      case 'updateMember': {
        const id = await idOf(db, 'members', o.id);
        if (!id) return false;
        await writes.updateMember(db, id, { leftAt: o.leftAt, appActivatedAt: o.appActivatedAt, digitizedAt: o.digitizedAt });
        return true;
      }
      case 'transfer': {
        const id = await idOf(db, 'members', o.id);
        if (!id) return false;
        await writes.transferMember(db, id, unit!, o.at);
        return true;
      }
      case 'evaluate': {
        const id = await idOf(db, 'members', o.id);
        if (!id) return false;
        await writes.recordEvaluation(db, id, o.year, o.at);
        return true;
      }
      case 'close':
        await writes.closeUnit(db, unit!, o.at);
        return true;
      case 'model':
        await writes.upsertModel(db, { externalId: o.id, unitId: unit!, kind: 'Chi đoàn số', establishedAt: o.establishedAt, effectiveFrom: o.effectiveFrom, endedAt: o.endedAt });
        return true;
      case 'team':
        await writes.upsertTeam(db, { externalId: o.id, unitId: unit!, establishedAt: o.establishedAt, disbandedAt: o.disbandedAt });
        return true;
      case 'roster': {
        const team = await idOf(db, 'teams', o.team);
        if (!team) return false;
        await writes.setRosterEntry(db, team, o.person, o.from, o.to);
        return true;
      }
      case 'product':
        await writes.upsertProduct(db, { externalId: o.id, unitId: unit!, name: 'Mật ong', listedAt: o.listedAt, delistedAt: o.delistedAt });
        return true;
      case 'relic':
        await writes.upsertRelic(db, { externalId: o.id, unitId: unit!, name: 'Đình', digitizedAt: o.digitizedAt });
        return true;
      case 'report':
        await writes.upsertReport(db, { unitId: unit!, kind: o.kind, date: o.date, count: o.count });
        return true;
      case 'reportById':
        await writes.upsertReport(db, { externalId: o.id, unitId: unit!, kind: o.kind, date: o.date, count: o.count });
        return true;
      case 'createUnit': {
        const parent = await idOf(db, 'units', o.parent);
        if (await idOf(db, 'units', o.code)) return false;
        await writes.createUnit(db, { code: o.code, name: 'Đơn vị mới', level: o.level, parentId: parent!, validFrom: o.validFrom });
        return true;
      }
      case 'rename':
        await writes.renameUnit(db, unit!, o.name);
        return true;
      case 'reparent': {
        const [u, p] = [await treeUnit(db, o.unit), await treeUnit(db, o.parent)];
        if (!u || !p || u.parent_id === p.id || (p.path as number[]).includes(u.id) || !PARENT_LEVELS[u.level].includes(p.level)) return false;
        if (!openAt(u, o.at) || !openAt(p, o.at, true) || o.at <= u.since) return false;
        await writes.reparentUnit(db, u.id, p.id, o.at);
        treeChanges += 1;
        return true;
      }
      case 'merge':
      case 'split': {
        const codes = o.op === 'merge' ? o.units : [o.unit];
        const merged = await Promise.all(codes.map((c) => treeUnit(db, c)));
        const s = await treeUnit(db, o.op === 'merge' ? o.into : o.successor);
        if (!s || merged.some((u) => !u || u.level !== s.level || (s.path as number[]).includes(u.id) || !openAt(u, o.at))) return false;
        if (!openAt(s, o.at, true)) return false;
        const ids = merged.map((u) => u!.id);
        const [late] = await rows(db, sql`SELECT 1 FROM activity_reports WHERE unit_id = ANY(${`{${ids.join(',')}}`}::int[]) AND (date::timestamp AT TIME ZONE INTERVAL '+07:00') >= ${o.at.toISOString()}::timestamptz`);
        if (late) return false;
        const moves = new Map<number, number>();
        if (o.op === 'split') {
          const [child, to] = [await treeUnit(db, o.child), await treeUnit(db, o.to)];
          if (child && to && child.parent_id === ids[0] && PARENT_LEVELS[child.level].includes(to.level) && openAt(to, o.at, true) && !ids.includes(to.id)) moves.set(child.id, to.id);
        }
        await writes.mergeUnits(db, ids, s.id, o.at, moves);
        treeChanges += 1;
        return true;
      }
      case 'importMember': {
        const record = { type: 'member', id: o.id, unit: o.unit, joinedAt: o.joinedAt.toISOString(), leftAt: o.leftAt?.toISOString() ?? null, unitSince: o.unitSince?.toISOString() ?? null, appActivatedAt: o.appActivatedAt?.toISOString() ?? null };
        const [before] = await rows<{ unit_id: number }>(db, sql`SELECT unit_id FROM members WHERE external_id = ${o.id}`);
        const result = await importSource(db, ndjsonText(JSON.stringify(record), 'member.ndjson'), { mode: 'per-batch' });
        if (result.status === 'imported' && before && before.unit_id !== unit) importMoves += 1;
        return result.status === 'imported';
      }
      case 'upsertMember': {
        if (!unit) return false;
        const [current] = await rows<{ unit_id: number }>(db, sql`SELECT unit_id FROM members WHERE external_id = ${o.id}`);
        // A transfer needs its instant (the API refuses one without it).
        if (current && current.unit_id !== unit && !o.movedAt) return false;
        await writes.upsertMember(db, {
          externalId: o.id, unitId: unit, joinedAt: o.joinedAt, leftAt: o.leftAt, birthYear: 1998, gender: 'FEMALE',
          digitizedAt: o.digitizedAt, appActivatedAt: o.appActivatedAt, movedAt: o.movedAt,
        });
        return true;
      }
    }
  } catch (e) {
    // Refused by a constraint or trigger (dates out of order, a closed unit…), SQLSTATE class 23: rolled back.
    const code = String((e as { cause?: { code?: string } }).cause?.code ?? '');
    if (code.startsWith('23')) return false;
    throw e;
  }
}

class Rollback extends Error {}

describe('incremental roll-ups', () => {
  let handle: DbHandle;
  let applied = 0;

  beforeAll(async () => {
    handle = await openTestDb('postgres');
    await loadSmallTree(handle.db);
    // A second province, for communes to move to.
    await writes.createUnit(handle.db, { code: 'P2', name: 'Tỉnh Thứ Hai', level: 'PROVINCE', parentId: (await idOf(handle.db, 'units', 'TW'))!, validFrom: new Date('2020-01-01T00:00:00+07:00') });
  });
  afterAll(async () => handle?.close());

  it('equal a rebuild and the direct computation after any sequence of writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        try {
          await handle.db.transaction(async (t) => {
            const tx = t as unknown as Db;
            for (const o of ops) if (await apply(tx, o)) applied += 1;
            const incremental = await rollupSnapshot(tx);
            const all = await rows<{ id: number; level: UnitLevel }>(tx, sql`SELECT id, level FROM units ORDER BY id`);
            for (const view of HISTORY_VIEWS) {
              const requests = PERIODS.flatMap((period) => KPI_IDS.flatMap((kpi) => all.map((u) => ({ kpi, period, unitId: u.id, level: u.level, view }))));
              const read = await readKpis(tx, requests);
              const direct = await computeKpis(tx, PERIODS.flatMap((period) => KPI_IDS.map((kpi) => ({ kpi, period, unitIds: all.map((u) => u.id), view }))));
              requests.forEach((r, i) => {
                const expected = direct[Math.floor(i / all.length)]!.get(r.unitId);
                expect({ view, kpi: r.kpi, period: r.period.id, unit: r.unitId, numerator: read[i]!.numerator, denominator: read[i]!.denominator }).toEqual({
                  view,
                  kpi: r.kpi,
                  period: r.period.id,
                  unit: r.unitId,
                  ...expected,
                });
              });
            }
            await rebuildRollups(tx);
            expect(incremental).toEqual(await rollupSnapshot(tx));
            throw new Rollback();
          });
        } catch (e) {
          if (!(e instanceof Rollback)) throw e;
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40), seed: Number(process.env.PROPERTY_SEED ?? 20261125) },
    );
    // The writes were real: most of them passed the database's checks.
    expect(applied).toBeGreaterThan(100);
    expect(importMoves).toBeGreaterThan(3);
    expect(treeChanges).toBeGreaterThan(5);
  });
});
