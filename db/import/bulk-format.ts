// What the reading worker of a bulk load and the writing thread exchange, and the COPY
// text form of a member (PostgreSQL's text format: tab-separated, \N for null).
import type { RollupRows, UnitLife } from '../rollup-members.js';
import type { Item } from './batch.js';
import type { Place } from './tx.js';
import type { FileUnit, Problem } from './check.js';
import type { Part } from './source.js';
import type { MemberRow, RowType } from './validate.js';

/** Members in COPY form, not yet sent. */
export interface PendingMembers {
  members: number;
  evaluations: number;
  memberText: string;
  evaluationText: string;
}
export const emptyPending = (): PendingMembers => ({ members: 0, evaluations: 0, memberText: '', evaluationText: '' });


/** Consecutive records of the file: the members in COPY form, the other records as items. */
export interface BulkBatch {
  first: Place;
  last: Place;
  records: number;
  items: Item[];
  members: PendingMembers;
}

export interface ReaderInput {
  path: string;
  /** The part of the file this reader reads (another reader reads the rest), or all of it. */
  part?: Part;
  batchSize: number;
  maxProblems: number;
  /** Sums of roll-up steps kept before they are posted as rows. */
  sums: number;
  /** The first member id of this reader's range. */
  firstId: number;
  /** The units found by the scan for units, checked and written already. */
  units: [string, FileUnit][];
  unitIds: [string, number][];
  lives: [number, UnitLife][];
  /** The duplicate filter, shared by the readers. */
  filter: SharedArrayBuffer;
}

/** What the validation found in the whole file. */
export interface ReaderValidation {
  records: number;
  types: Record<RowType, number>;
  problems: Problem[];
  problemCount: number;
  invalidRecords: number;
}

export type ReaderMessage =
  | { type: 'batch'; batch: BulkBatch; bytes: number }
  | { type: 'rollups'; rows: RollupRows }
  | { type: 'done'; rows: RollupRows; lastId: number; unscannedUnit: string | null; validation: ReaderValidation; candidates: string[] };

/** COPY text: backslash, tab and line breaks escaped. */
const text = (v: string) => (/[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : v);
const opt = (i: { text: string } | null) => (i ? i.text : '\\N');

/** The columns `copyMember` writes, in order. */
export const MEMBER_COLUMNS = 'members (id, external_id, unit_id, unit_since, joined_at, left_at, birth_year, gender, digitized_at, app_activated_at)';
export const EVALUATION_COLUMNS = 'member_evaluations (member_id, year, recorded_at)';

/** Appends a member (placed in its unit since it joined) and its evaluations. */
export function copyMember(p: PendingMembers, id: number, unitId: number, m: MemberRow): void {
  p.members += 1;
  p.memberText += `${id}\t${text(m.id)}\t${unitId}\t${m.joinedAt.text}\t${m.joinedAt.text}\t${opt(m.leftAt)}\t${m.birthYear ?? '\\N'}\t${m.gender ?? '\\N'}\t${opt(m.digitizedAt)}\t${opt(m.appActivatedAt)}\n`;
  for (const e of m.evaluations) p.evaluationText += `${id}\t${e.year}\t${e.recordedAt.text}\n`;
  p.evaluations += m.evaluations.length;
}
