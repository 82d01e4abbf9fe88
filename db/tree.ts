// Reorganisations of the tree, checked and written: a re-parent, a merger, a split. The
// GraphQL mutations (schema/ingest/tree.ts) and the import's records of them run these,
// so both refuse the same things with the same words. A refusal names the input field.
import { eq, sql } from 'drizzle-orm';
import { intArray, rows, type Db } from './client.js';
import { PARENT_LEVELS, units } from './schema.js';
import { formatVietnamInstant, vietnamDay, vietnamMidnightMs } from '../domain/time.js';
import { mergeUnits, reparentUnit } from './writes.js';

export class TreeRefusal extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'TreeRefusal';
  }
}

type UnitRow = typeof units.$inferSelect;

const iso = (d: Date) => formatVietnamInstant(d);

async function unit(tx: Db, code: string, field: string): Promise<UnitRow> {
  const [u] = await tx.select().from(units).where(eq(units.code, code));
  if (!u) throw new TreeRefusal(field, `no unit has code "${code}"`);
  return u;
}

/** Since when a unit is under its parent. */
const since = (u: UnitRow) => u.parentSince ?? u.validFrom;

/** Open on the day: opened by then and not closed by then (a unit may take others in on its first day). */
const openOn = (u: UnitRow, at: Date) => u.validFrom <= at && (!u.validTo || u.validTo > at);

/** A change of the tree holds from a Vietnam midnight (the roll-ups move on a day), and not ahead of today. */
export function treeDateProblem(at: Date): string | null {
  if (vietnamMidnightMs(vietnamDay(at)) !== at.getTime()) return 'must be a Vietnam midnight (00:00+07:00): the tree changes from one day to the next';
  if (at.getTime() > Date.now()) return 'must not be in the future: the tree changes once it has changed';
  return null;
}

function checkAt(at: Date, field = 'at'): void {
  const problem = treeDateProblem(at);
  if (problem) throw new TreeRefusal(field, problem);
}

/** The unit is open on the day: opened before it and not closed by then. */
function openAt(u: UnitRow, at: Date, field: string): void {
  if (u.validFrom >= at) throw new TreeRefusal(field, `${u.code} opened at ${iso(u.validFrom)}, not before ${iso(at)}`);
  if (u.validTo && u.validTo <= at) throw new TreeRefusal(field, `${u.code} closed at ${iso(u.validTo)}, not after ${iso(at)}`);
}

/** `parent` may take `child` under it from `at`. */
function checkParent(child: UnitRow, parent: UnitRow, at: Date, field: string): void {
  const allowed = PARENT_LEVELS[child.level];
  if (!allowed.includes(parent.level)) throw new TreeRefusal(field, `must be a ${allowed.join(' or ')}: a ${child.level} sits under one (${parent.code} is a ${parent.level})`);
  if (parent.path.includes(child.id)) throw new TreeRefusal(field, `must not be ${child.code} or a unit below it`);
  if (!openOn(parent, at)) throw new TreeRefusal(field, `${parent.code} is not open at ${iso(at)}`);
}

export interface TreeChangeDone {
  /** False when the change was made already (the same request again). */
  changed: boolean;
  /** Codes of the units put under another parent. */
  moved: string[];
}

/** Re-parents `code` under `parent` from `at` (see db/writes.ts, reparentUnit). */
export async function reparent(tx: Db, input: { code: string; parent: string; at: Date }): Promise<TreeChangeDone> {
  const u = await unit(tx, input.code, 'code');
  const parent = await unit(tx, input.parent, 'parent');
  // Made already: it stands, or a later change followed it.
  if (u.parentId === parent.id && since(u).getTime() === input.at.getTime()) return { changed: false, moved: [u.code] };
  const [earlier] = await rows(tx, sql`SELECT 1 FROM unit_parent_history WHERE unit_id = ${u.id} AND parent_id = ${parent.id} AND from_at = ${input.at.toISOString()}::timestamptz`);
  if (earlier) return { changed: false, moved: [u.code] };
  if (u.level === 'CENTRAL') throw new TreeRefusal('code', 'the Central Committee has no parent');
  if (u.parentId === parent.id) throw new TreeRefusal('parent', `${u.code} is under ${parent.code} already`);
  checkAt(input.at);
  openAt(u, input.at, 'code');
  checkParent(u, parent, input.at, 'parent');
  if (input.at <= since(u)) throw new TreeRefusal('at', `must be after ${u.code} came under its parent (${iso(since(u))})`);
  await reparentUnit(tx, u.id, parent.id, input.at);
  return { changed: true, moved: [u.code] };
}

export interface MergeInput {
  /** The units that close into `into`. */
  codes: string[];
  into: string;
  at: Date;
  /** Children of the (one) unit that go elsewhere than `into`: a split. */
  children?: { code: string; parent: string }[];
}

/**
 * Merges `codes` into `into` from `at` (see db/writes.ts, mergeUnits); with `children`, a
 * split of one unit. `fields` names the input fields in refusals.
 */
export async function merge(
  tx: Db,
  input: MergeInput,
  fields: { merged: string; into: string; children: string; childCode?: string },
): Promise<TreeChangeDone> {
  const childCode = fields.childCode ?? 'code';
  const merged: UnitRow[] = [];
  for (const code of [...new Set(input.codes)]) merged.push(await unit(tx, code, fields.merged));
  const successor = await unit(tx, input.into, fields.into);
  if (merged.every((u) => u.validTo?.getTime() === input.at.getTime() && u.successorId === successor.id)) return { changed: false, moved: [] };
  const moves: { child: UnitRow; parent: UnitRow }[] = [];
  for (const [i, c] of (input.children ?? []).entries()) {
    const child = await unit(tx, c.code, `${fields.children}.${i}.${childCode}`);
    if (child.parentId !== merged[0]!.id) throw new TreeRefusal(`${fields.children}.${i}.${childCode}`, `${child.code} is not directly below ${merged[0]!.code}`);
    if (moves.some((m) => m.child.id === child.id)) throw new TreeRefusal(`${fields.children}.${i}.${childCode}`, `${child.code} is listed twice`);
    moves.push({ child, parent: await unit(tx, c.parent, `${fields.children}.${i}.parent`) });
  }
  checkAt(input.at);
  for (const u of merged) {
    if (u.level === 'CENTRAL') throw new TreeRefusal(fields.merged, 'the Central Committee does not close');
    if (successor.path.includes(u.id)) throw new TreeRefusal(fields.into, `must not be ${u.code} or a unit below it`);
    if (successor.level !== u.level) throw new TreeRefusal(fields.into, `must be a ${u.level} like ${u.code} (${successor.code} is a ${successor.level})`);
    openAt(u, input.at, fields.merged);
  }
  if (!openOn(successor, input.at)) throw new TreeRefusal(fields.into, `${successor.code} is not open at ${iso(input.at)}`);
  const ids = merged.map((u) => u.id);
  const [late] = await rows<{ code: string; date: string }>(
    tx,
    sql`SELECT u.code, to_char(a.date, 'YYYY-MM-DD') AS date FROM activity_reports a JOIN units u ON u.id = a.unit_id
         WHERE a.unit_id = ANY(${intArray(ids)}) AND (a.date::timestamp AT TIME ZONE INTERVAL '+07:00') >= ${input.at.toISOString()}::timestamptz
         ORDER BY a.date LIMIT 1`,
  );
  if (late) throw new TreeRefusal('at', `must be after everything of ${late.code}: a report is dated ${late.date}`);
  for (const [i, { child, parent }] of moves.entries()) checkParent(child, parent, input.at, `${fields.children}.${i}.parent`);
  const moved = await mergeUnits(tx, ids, successor.id, input.at, new Map(moves.map((m) => [m.child.id, m.parent.id])));
  return { changed: true, moved };
}
