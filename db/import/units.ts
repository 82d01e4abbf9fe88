// Writes the units of a file before anything else, parents first. A unit's parent and
// level never change (the validation pass refuses it), but its name, life and successor
// may. The tree's triggers check every intermediate state, so lives are first widened
// parents-first (to the union of old and new) and then narrowed deepest-first. Changing
// a life or a successor changes the steps of everything in the unit (and, in today's
// tree, of what it is a successor of): those are taken away before and added after
// (treeSelection), in the same transaction.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from '../client.js';
import { searchForm } from '../../domain/names.js';
import { applyEvents, treeSelection, SOURCES, type Selection } from '../rollup.js';
import { unitLevelRank } from '../schema.js';
import type { TableCounts } from './batch.js';
import type { FileUnit, StoredUnit } from './check.js';

const UNIT = sql.raw('x(code text, name text, search_name text, level text, parent text, valid_from timestamptz, valid_to timestamptz)');
const RANKS = [0, 1, 2, 3];

const json = (value: unknown[]) => sql`${JSON.stringify(value)}::json`;

/** The union of the selections, each row once. */
function union(selections: Selection[]): Selection {
  const out: Selection = {};
  for (const source of SOURCES) {
    const parts = selections.map((s) => s[source]).filter((p): p is SQL => p !== undefined);
    if (parts.length) out[source] = sql`(${sql.join(parts, sql` OR `)})`;
  }
  return out;
}

const sameLife = (u: FileUnit, s: StoredUnit) => u.validFrom.ms === s.validFrom.ms && (u.validTo?.ms ?? null) === (s.validTo?.ms ?? null);

export interface UnitWrite {
  counts: TableCounts;
  /** Lines of the unit records, for the audit log. */
  firstLine: number;
  lastLine: number;
}

export async function writeUnits(tx: Db, units: Iterable<FileUnit>, stored: Map<string, StoredUnit>, rollups: boolean): Promise<UnitWrite> {
  const fresh: FileUnit[] = [];
  const changed: FileUnit[] = [];
  let total = 0;
  let firstLine = Infinity;
  let lastLine = 0;
  for (const u of units) {
    total += 1;
    firstLine = Math.min(firstLine, u.line);
    lastLine = Math.max(lastLine, u.line);
    const s = stored.get(u.code);
    if (!s) fresh.push(u);
    else if (s.name !== u.name || s.successor !== u.successor || !sameLife(u, s)) changed.push(u);
  }
  const relived = changed.filter((u) => !sameLife(u, stored.get(u.code)!) || u.successor !== stored.get(u.code)!.successor);
  const successors = relived.map((u) => (u.successor ? stored.get(u.successor)?.id : undefined)).filter((id): id is number => id !== undefined);
  const lives = rollups && relived.length ? await treeSelection(tx, relived.map((u) => stored.get(u.code)!.id), successors) : {};
  if (rollups && relived.length) await applyEvents(tx, lives, -1);

  const row = (u: FileUnit) => ({
    code: u.code,
    name: u.name,
    search_name: searchForm(u.name),
    level: u.level,
    parent: u.parent,
    valid_from: u.validFrom.text,
    valid_to: u.validTo?.text ?? null,
  });
  const newIds: number[] = [];
  for (const rank of RANKS) {
    const inserts = fresh.filter((u) => unitLevelRank(u.level) === rank).map(row);
    if (inserts.length) {
      const found = await rows<{ id: number }>(
        tx,
        sql`INSERT INTO units (code, name, search_name, level, parent_id, valid_from, valid_to)
            SELECT x.code, x.name, x.search_name, x.level, p.id, x.valid_from, x.valid_to
              FROM json_to_recordset(${json(inserts)}) AS ${UNIT} LEFT JOIN units p ON p.code = x.parent
            ORDER BY x.code
            RETURNING id`,
      );
      newIds.push(...found.map((r) => Number(r.id)));
    }
    const widened = changed.filter((u) => unitLevelRank(u.level) === rank).map(row);
    if (widened.length) {
      await tx.execute(sql`
        UPDATE units u SET name = x.name, search_name = x.search_name, updated_at = now(),
               valid_from = least(u.valid_from, x.valid_from),
               valid_to = CASE WHEN u.valid_to IS NULL OR x.valid_to IS NULL THEN NULL ELSE greatest(u.valid_to, x.valid_to) END
          FROM json_to_recordset(${json(widened)}) AS ${UNIT} WHERE u.code = x.code`);
    }
  }
  for (const rank of [...RANKS].reverse()) {
    const narrowed = changed.filter((u) => unitLevelRank(u.level) === rank).map(row);
    if (narrowed.length) {
      await tx.execute(sql`
        UPDATE units u SET valid_from = x.valid_from, valid_to = x.valid_to, updated_at = now()
          FROM json_to_recordset(${json(narrowed)}) AS ${UNIT}
         WHERE u.code = x.code AND (u.valid_from, u.valid_to) IS DISTINCT FROM (x.valid_from, x.valid_to)`);
    }
  }
  // Successors may point at any unit of the file, so they are set once all units exist.
  const links = [...fresh, ...changed].map((u) => ({ code: u.code, successor: u.successor }));
  if (links.length) {
    await tx.execute(sql`
      UPDATE units u SET successor_id = s.id
        FROM json_to_recordset(${json(links)}) AS x(code text, successor text) LEFT JOIN units s ON s.code = x.successor
       WHERE u.code = x.code AND u.successor_id IS DISTINCT FROM s.id`);
  }

  if (rollups && (relived.length || newIds.length)) {
    const added: Selection = newIds.length ? { units: sql`u.id = ANY(${`{${newIds.join(',')}}`}::int[])` } : {};
    await applyEvents(tx, union([lives, added]), 1);
  }
  return {
    counts: { inserted: fresh.length, updated: changed.length, unchanged: total - fresh.length - changed.length },
    firstLine: total ? firstLine : 0,
    lastLine,
  };
}
