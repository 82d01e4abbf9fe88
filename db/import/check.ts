// The validation pass: reads every record once, validates it on its own, collects the
// units (few: ~100k) and checks what needs other records once the whole file is known:
// unit codes (a record may come before its unit), the tree, a unit's life, duplicates.
// Memory stays flat: units, the codes named before their unit, a fixed-size filter of
// keys, and at most `maxProblems` problems.
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.js';
import { unitLevelRank, type UnitLevel } from '../schema.js';
import { SeenFilter } from './seen.js';
import { CSV_LAYOUT, location, type Source, type SourceEntry } from './source.js';
import { formatVietnam, vietnamDay, vietnamMidnightMs, type Instant } from '../../domain/time.js';
import { validateRecord, type ImportRow, type ReorganisationRow, type RowType, type UnitRow } from './validate.js';

export interface Problem {
  file: string | null;
  line: number;
  field: string;
  reason: string;
}

/** `line 17, field "leftAt": must be after joinedAt (2026-01-01T00:00:00+07:00)` */
export function formatProblem(p: Problem): string {
  return `${location(p.file, p.line)}, field "${p.field}": ${p.reason}`;
}

/** A unit as the database holds it. */
export interface StoredUnit extends Omit<UnitRow, 'type'> {
  id: number;
  /** Its earlier parents (a reorganisation moved it): a file made before may name one of them. */
  formerParents: string[];
  /** Closed by a merger or a split: its life changes by a reorganisation only. */
  merged: boolean;
}

/** A unit record of the file, where it was. */
export interface FileUnit extends UnitRow {
  file: string | null;
  line: number;
}

export async function storedUnits(db: Db): Promise<Map<string, StoredUnit>> {
  const found = await rows<{
    id: number;
    code: string;
    name: string;
    level: UnitLevel;
    parent: string | null;
    from_ms: number;
    to_ms: number | null;
    successor: string | null;
    former: string[] | string;
    merged: boolean;
  }>(
    db,
    sql`SELECT u.id, u.code, u.name, u.level, p.code AS parent, s.code AS successor, u.holdings_moved AS merged,
               (extract(epoch FROM u.valid_from) * 1000)::float8 AS from_ms, (extract(epoch FROM u.valid_to) * 1000)::float8 AS to_ms,
               ARRAY(SELECT x.code FROM unit_parent_history h JOIN units x ON x.id = h.parent_id WHERE h.unit_id = u.id) AS former
          FROM units u LEFT JOIN units p ON p.id = u.parent_id LEFT JOIN units s ON s.id = u.successor_id`,
  );
  const at = (ms: number): Instant => ({ ms, text: formatVietnam(ms) });
  return new Map(
    found.map((u) => [
      u.code,
      {
        id: Number(u.id),
        code: u.code,
        name: u.name,
        level: u.level,
        parent: u.parent,
        validFrom: at(Number(u.from_ms)),
        validTo: u.to_ms === null ? null : at(Number(u.to_ms)),
        successor: u.successor,
        formerParents: typeof u.former === 'string' ? (u.former === '{}' ? [] : u.former.slice(1, -1).split(',')) : u.former,
        merged: u.merged,
      },
    ]),
  );
}

type Life = Pick<UnitRow, 'code' | 'validFrom' | 'validTo'>;

interface Place {
  file: string | null;
  line: number;
}

/** References to a unit code not (yet) seen in the file, resolved at the end. */
interface Pending {
  places: Place[];
  count: number;
  /** The latest start of an item held by the unit (it must start before the unit closes). */
  latestItem?: Place & { field: string; at: Instant };
  earliestReport?: Place & { day: number; date: string };
  latestReport?: Place & { day: number; date: string };
}

const LISTED_PLACES = 20;

/** The instant an item of a unit starts, which must come before the unit closes. */
function itemStart(row: ImportRow): { field: string; at: Instant } | null {
  switch (row.type) {
    case 'member':
      return { field: 'joinedAt', at: row.joinedAt };
    case 'model':
    case 'team':
      return { field: 'establishedAt', at: row.establishedAt };
    case 'product':
      return { field: 'listedAt', at: row.listedAt };
    default:
      return null;
  }
}

/** Whether something of a unit starting at `ms` starts before the unit closes (nothing of a unit starts once it has closed). */
export const startsBeforeClosing = (unit: { validTo: Instant | null }, ms: number): boolean => !unit.validTo || ms < unit.validTo.ms;

/** The start of a member's key. */
const MEMBER_KEY = 'member\u0000';

/** The natural key of a record, unique within a file (checked for every record: kept cheap). */
function keyOf(row: ImportRow): string | null {
  switch (row.type) {
    case 'member':
      return MEMBER_KEY + row.id;
    case 'model':
    case 'team':
    case 'product':
    case 'relic':
      return `${row.type}\u0000${row.id}`;
    case 'report':
      return row.id ? `report\u0000${row.id}` : `report@\u0000${row.unit}\u0000${row.kind}\u0000${row.date}`;
    case 'target':
      return `target\u0000${row.unit}\u0000${row.kpi}\u0000${row.period.id}`;
    case 'evaluation':
      return `evaluation\u0000${row.member}\u0000${row.year}`;
    case 'rosterEntry':
      return `roster\u0000${row.team}\u0000${row.person}\u0000${row.from.ms}`;
    case 'unit':
    case 'reorganisation':
      return null;
  }
}

/** The field a duplicate is reported on, and what the key is in words. */
function keyWords(row: ImportRow): { field: string; what: string } {
  switch (row.type) {
    case 'member':
    case 'model':
    case 'team':
    case 'product':
    case 'relic':
      return { field: 'id', what: `${row.type} id "${row.id}"` };
    case 'report':
      return row.id ? { field: 'id', what: `report id "${row.id}"` } : { field: 'date', what: `a report of ${row.unit}, ${row.kind}, ${row.date} without id` };
    case 'target':
      return { field: 'period', what: `a target of ${row.unit}, ${row.kpi}, ${row.period.id}` };
    case 'evaluation':
      return { field: 'year', what: `an evaluation of member "${row.member}" for ${row.year}` };
    case 'rosterEntry':
      return { field: 'from', what: `a roster entry of team "${row.team}" for ${row.person} from ${row.from.text}` };
    case 'unit':
      return { field: 'code', what: `unit "${row.code}"` };
    case 'reorganisation':
      return { field: 'change', what: `a ${row.change}` };
  }
}

export interface ValidationOptions {
  /** Problems kept for the report; the rest are only counted. */
  maxProblems?: number;
  /** Units of the file checked already (a bulk load's scan): their records are known, not new. */
  scannedUnits?: Map<string, FileUnit>;
  /** The duplicate filter of another reader of the same file (a part of it, in another thread). */
  sharedFilter?: SharedArrayBuffer;
}

export class ValidationPass {
  readonly problems: Problem[] = [];
  problemCount = 0;
  /** Records with at least one problem. */
  invalidRecords = 0;
  records = 0;
  readonly counts: Record<RowType, number> = {
    unit: 0,
    member: 0,
    model: 0,
    team: 0,
    product: 0,
    relic: 0,
    report: 0,
    target: 0,
    reorganisation: 0,
    evaluation: 0,
    rosterEntry: 0,
  };
  readonly units: Map<string, FileUnit>;
  /** The reorganisations of the file, in its order: applied right after the units. */
  readonly reorganisations: (ReorganisationRow & Place)[] = [];
  private readonly pending = new Map<string, Pending>();
  private readonly filter: SeenFilter;
  /** Keys the filter may have seen twice, to be counted exactly on a second read. */
  readonly candidates = new Set<string>();
  private readonly maxProblems: number;
  private lastInvalid = '';

  constructor(
    private readonly stored: Map<string, StoredUnit>,
    expectedRecords: number,
    options: ValidationOptions = {},
  ) {
    this.filter = new SeenFilter(expectedRecords, options.sharedFilter);
    this.maxProblems = options.maxProblems ?? 1_000;
    this.units = new Map(options.scannedUnits);
  }

  get valid(): boolean {
    return this.problemCount === 0;
  }

  problem(place: Place, field: string, reason: string): void {
    this.problemCount += 1;
    const key = `${place.file}:${place.line}`;
    if (key !== this.lastInvalid) {
      this.invalidRecords += 1;
      this.lastInvalid = key;
    }
    if (this.problems.length < this.maxProblems) this.problems.push({ file: place.file, line: place.line, field, reason });
  }

  /** Checks a record; returns its row when nothing was found wrong with it so far (a later check may still find something). */
  add(entry: SourceEntry): ImportRow | null {
    this.records += 1;
    if (entry.issue) {
      this.problem(entry, entry.issue.field, entry.issue.reason);
      return null;
    }
    const result = validateRecord(entry.value);
    if ('issues' in result) {
      for (const issue of result.issues) this.problem(entry, issue.field, issue.reason);
      return null;
    }
    const row = result.row;
    const before = this.problemCount;
    this.counts[row.type] += 1;
    if (row.type === 'unit') {
      const first = this.units.get(row.code);
      if (first && (first.file !== entry.file || first.line !== entry.line)) {
        this.problem(entry, 'code', `unit "${row.code}" appears twice (first on ${location(first.file, first.line)})`);
      } else if (!first) {
        this.units.set(row.code, { ...row, file: entry.file, line: entry.line });
      }
    } else if (row.type === 'reorganisation') {
      this.reorganisations.push({ ...row, file: entry.file, line: entry.line });
    } else {
      const key = keyOf(row);
      if (key && this.filter.add(key)) this.candidates.add(key);
      if ('unit' in row) this.reference(row, entry);
    }
    return this.problemCount === before ? row : null;
  }

  /**
   * A member record the bulk reader read from its bytes (./member-line.ts), of a unit the
   * file holds and open when it joined: counted, and its id (ASCII `buf[idStart, idEnd)`)
   * kept for duplicates as `add` keeps it.
   */
  addMemberBytes(buf: Buffer, idStart: number, idEnd: number): void {
    this.records += 1;
    this.counts.member += 1;
    if (this.filter.addBytes(MEMBER_KEY, buf, idStart, idEnd)) this.candidates.add(MEMBER_KEY + buf.toString('latin1', idStart, idEnd));
  }

  private reference(row: ImportRow & { unit: string }, place: Place): void {
    const unit = this.units.get(row.unit);
    if (unit) {
      this.checkLife(unit, row, place);
      return;
    }
    let p = this.pending.get(row.unit);
    if (!p) this.pending.set(row.unit, (p = { places: [], count: 0 }));
    p.count += 1;
    if (p.places.length < LISTED_PLACES) p.places.push({ file: place.file, line: place.line });
    const start = itemStart(row);
    if (start && (!p.latestItem || start.at.ms > p.latestItem.at.ms)) p.latestItem = { file: place.file, line: place.line, ...start };
    if (row.type === 'report') {
      const r = { file: place.file, line: place.line, day: row.day, date: row.date };
      if (!p.earliestReport || row.day < p.earliestReport.day) p.earliestReport = r;
      if (!p.latestReport || row.day > p.latestReport.day) p.latestReport = r;
    }
  }

  /** Nothing of a unit can happen at or after its closing; a report must be dated within its life. */
  private checkLife(unit: Life, row: ImportRow, place: Place): void {
    const start = itemStart(row);
    if (start) this.checkItem(unit, place, start.field, start.at);
    if (row.type === 'report') this.checkReport(unit, place, row.day, row.date);
  }

  private checkItem(unit: Life, place: Place, field: string, at: Instant): void {
    if (!startsBeforeClosing(unit, at.ms)) {
      this.problem(place, field, `is at or after the closing of unit ${unit.code} (${unit.validTo!.text}): nothing of a unit starts once it has closed`);
    }
  }

  private checkReport(unit: Life, place: Place, day: number, date: string): void {
    if (day < vietnamDay(unit.validFrom.ms)) {
      this.problem(place, 'date', `${date} is before unit ${unit.code} opened (${unit.validFrom.text})`);
    } else if (unit.validTo && vietnamMidnightMs(day) >= unit.validTo.ms) {
      this.problem(place, 'date', `${date} is on or after the closing of unit ${unit.code} (${unit.validTo.text})`);
    }
  }

  /**
   * The checks that need the whole file: codes named before their unit, the unit tree,
   * duplicates (a second read of `source`; `confirm: false` leaves `candidates` to the caller).
   */
  async finish(source: Source, onBytes?: (bytes: number) => void, { confirm = true } = {}): Promise<void> {
    this.lastInvalid = '';
    for (const [code, p] of this.pending) {
      const unit = this.units.get(code) ?? this.stored.get(code);
      if (!unit) {
        const more = p.count > p.places.length ? ` (named by ${p.count} records; the first ${p.places.length} are listed)` : '';
        p.places.forEach((place, i) => this.problem(place, 'unit', `unknown unit code "${code}"${i === 0 ? more : ''}`));
        continue;
      }
      if (p.latestItem) this.checkItem(unit, p.latestItem, p.latestItem.field, p.latestItem.at);
      if (p.earliestReport) this.checkReport(unit, p.earliestReport, p.earliestReport.day, p.earliestReport.date);
      if (p.latestReport && p.latestReport !== p.earliestReport) this.checkReport(unit, p.latestReport, p.latestReport.day, p.latestReport.date);
    }
    this.pending.clear();
    this.checkTree();
    if (confirm && this.candidates.size > 0) this.addProblems(await confirmDuplicates(source, this.candidates, onBytes));
  }

  /** Problems found elsewhere (another reader, the duplicates' second read). */
  addProblems(problems: Problem[]): void {
    for (const p of problems) this.problem(p, p.field, p.reason);
  }

  private checkTree(): void {
    const lookup = (code: string): Life & { level: UnitLevel; parent: string | null } | undefined => this.units.get(code) ?? this.stored.get(code);
    for (const u of this.units.values()) {
      const stored = this.stored.get(u.code);
      if (stored && stored.level !== u.level) this.problem(u, 'level', `cannot change (stored: ${stored.level})`);
      if (stored && stored.parent !== u.parent && !(u.parent && stored.formerParents.includes(u.parent))) {
        this.problem(u, 'parent', `cannot change (stored: ${stored.parent ?? 'none'}): a parent changes from a date, by a reorganisation record (or close the unit and open a successor)`);
      }
      if (stored?.merged && (stored.validTo?.ms ?? null) !== (u.validTo?.ms ?? null)) {
        this.problem(u, 'validTo', `${u.code} closed at ${stored.validTo!.text}, merged into ${stored.successor}: its life changes by a reorganisation only`);
      }
      if (u.successor && !lookup(u.successor)) this.problem(u, 'successor', `unknown unit code "${u.successor}"`);
      if (!u.parent) continue;
      const parent = lookup(u.parent);
      if (!parent) {
        this.problem(u, 'parent', `unknown unit code "${u.parent}"`);
        continue;
      }
      if (unitLevelRank(parent.level) >= unitLevelRank(u.level)) {
        this.problem(u, 'level', `a ${u.level} cannot sit under a ${parent.level} (${parent.code})`);
      }
      if (u.validFrom.ms < parent.validFrom.ms) {
        this.problem(u, 'validFrom', `must be at or after the opening of its parent ${parent.code} (${parent.validFrom.text})`);
      }
      if (parent.validTo && (!u.validTo || u.validTo.ms > parent.validTo.ms)) {
        this.problem(u, 'validTo', `must be at or before the closing of its parent ${parent.code} (${parent.validTo.text})`);
      }
    }
    // Stored units that the file leaves as they are must still lie within their parent's new life.
    for (const child of this.stored.values()) {
      const parent = child.parent ? this.units.get(child.parent) : undefined;
      if (!parent || this.units.has(child.code)) continue;
      if (child.validFrom.ms < parent.validFrom.ms) {
        this.problem(parent, 'validFrom', `must be at or before the opening of unit ${child.code} under it (${child.validFrom.text})`);
      }
      if (parent.validTo && (!child.validTo || child.validTo.ms > parent.validTo.ms)) {
        this.problem(parent, 'validTo', `must be at or after the closing of unit ${child.code} under it (${child.validTo?.text ?? 'still open'})`);
      }
    }
  }

  /** The kept problems in file order. */
  sortedProblems(): Problem[] {
    return sortProblems(this.problems);
  }
}

/** Problems in file order: CSV files in their reading order, then lines. */
export function sortProblems(problems: Problem[]): Problem[] {
  const order = (file: string | null) => (file === null ? -1 : CSV_LAYOUT.findIndex((l) => l.file === file));
  return [...problems].sort((a, b) => order(a.file) - order(b.file) || a.line - b.line);
}

/** How many records the problems name (a record may have several). */
export const recordsWithProblems = (problems: Problem[]): number => new Set(problems.map((p) => `${p.file}:${p.line}`)).size;

/** The second read for duplicates: each candidate key seen again after its first record is a problem. */
export async function confirmDuplicates(source: Source, candidates: Set<string>, onBytes?: (bytes: number) => void): Promise<Problem[]> {
  const first = new Map<string, Place>();
  const problems: Problem[] = [];
  for await (const chunk of source.read(onBytes)) {
    for (const entry of chunk) {
      if (entry.issue) continue;
      const result = validateRecord(entry.value);
      if (!('row' in result)) continue;
      const key = keyOf(result.row);
      if (!key || !candidates.has(key)) continue;
      const seen = first.get(key);
      if (!seen) {
        first.set(key, { file: entry.file, line: entry.line });
        continue;
      }
      const { field, what } = keyWords(result.row);
      problems.push({ file: entry.file, line: entry.line, field, reason: `${what} appears twice (first on ${location(seen.file, seen.line)})` });
    }
  }
  return problems;
}
