// Small cells, withheld so that they cannot be found by subtraction either. A unit's parts
// are exact sums of its children's, so withholding a small cell alone is not enough: its
// parent minus its siblings gives it back, and a sibling withheld too comes back from its
// own children. The rule: a ratio is withheld from partners and anonymous callers when,
// along its path from the top, any group of siblings (the children of one unit, living at
// End) holds a small cell (a denominator of 1 to minimum − 1). Every value that could be
// subtracted from a shown one to leave a small cell is then withheld with it: the parts of
// a tainted group, and everything below them. Counts (stocks, flows) are not withheld.
import { inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { units } from '../../db/schema.js';
import type { KpiParts } from '../kpi/compute.js';
import type { Period } from '../../domain/period.js';
import { readKpis, type KpiResult as ReadResult } from '../kpi/read.js';
import { kpiDefinition, type HistoryView, type KpiId } from '../../domain/catalogue.js';
import type { UnitRow } from '../context.js';
import type { Access, ShownParts } from './access.js';

export interface CellRequest {
  kpi: KpiId;
  period: Period;
  unit: UnitRow;
  view: HistoryView;
}

const key = (kpi: KpiId, period: Period, unitId: number, view: HistoryView) => `${kpi}|${period.id}|${unitId}|${view}`;
/** Living at End, as the catalogue says: opened before End, not closed before End. */
const livesAtEnd = (u: UnitRow, period: Period) => u.validFrom < period.end && (u.validTo === null || u.validTo >= period.end);

/**
 * Reads the values asked for and shows each as this caller may see it: what `readKpis`
 * gives, with the small-cell rule applied for partners and anonymous callers (reading the
 * sibling groups along each path in the same statements).
 */
export async function readShown(db: Db, access: Access, requests: readonly CellRequest[]): Promise<(ShownParts & { asOf: Date | null })[]> {
  const groups = access.suppressesSmallCells ? await siblingGroups(db, requests) : null;
  const asked = new Set(requests.map((q) => key(q.kpi, q.period, q.unit.id, q.view)));
  const extra = groups ? groups.extra.filter((r) => !asked.has(key(r.kpi, r.period, r.unit.id, r.view))) : [];
  const all = [...requests, ...extra];
  const read = await readKpis(db, all.map((r) => ({ kpi: r.kpi, period: r.period, unitId: r.unit.id, level: r.unit.level, view: r.view })));
  const byKey = new Map<string, ReadResult>(all.map((r, i) => [key(r.kpi, r.period, r.unit.id, r.view), read[i]!]));
  const small = (parts: KpiParts | undefined) => !!parts && parts.denominator !== null && parts.denominator > 0 && parts.denominator < access.smallCellMinimum;
  return requests.map((r, i) => {
    const parts = read[i]!;
    const shown = { numerator: parts.numerator, denominator: parts.denominator, suppressed: null, asOf: parts.asOf };
    if (!groups || kpiDefinition(r.kpi).kind !== 'RATIO') return shown;
    const tainted = groups.pathGroups(r).some((group) => group.some((u) => small(byKey.get(key(r.kpi, r.period, u.id, r.view)))));
    // When a withheld value's group last changed would tell of the few people in it.
    return tainted || small(parts) ? { numerator: null, denominator: null, suppressed: 'SMALL_CELL' as const, asOf: null } : shown;
  });
}

/** The groups of siblings along each ratio request's path, and the values of them not asked for. */
async function siblingGroups(db: Db, requests: readonly CellRequest[]) {
  const ratios = requests.filter((r) => kpiDefinition(r.kpi).kind === 'RATIO');
  // Every unit on a path but the top has its parent's children as its group.
  const parents = [...new Set(ratios.flatMap((r) => r.unit.path.slice(0, -1)))];
  const children = parents.length === 0 ? [] : await db.select().from(units).where(inArray(units.parentId, parents));
  const byParent = new Map<number, UnitRow[]>();
  for (const c of children) byParent.set(c.parentId!, [...(byParent.get(c.parentId!) ?? []), c]);
  const pathGroups = (r: CellRequest): UnitRow[][] => r.unit.path.slice(0, -1).map((p) => (byParent.get(p) ?? []).filter((u) => livesAtEnd(u, r.period)));
  const extra = new Map<string, CellRequest>();
  for (const r of ratios) for (const group of pathGroups(r)) for (const u of group) extra.set(key(r.kpi, r.period, u.id, r.view), { kpi: r.kpi, period: r.period, unit: u, view: r.view });
  return { extra: [...extra.values()], pathGroups };
}
