// What the reading worker of a bulk load and the writing thread exchange, and the binary
// COPY form (db/copy-rows.ts) of members, evaluations and activity reports.
import type { DrainedSums, UnitLife } from '../rollup-members.js';
import type { Item } from './batch.js';
import type { Place } from './tx.js';
import type { FileUnit, Problem } from './check.js';
import type { Part } from './source.js';
import type { Instant } from '../../domain/time.js';
import type { MemberRow, ReportRow, RowType } from './validate.js';
import { CopyRows } from '../copy-rows.js';

export { CopyRows };

export interface BulkBatch {
  first: Place;
  last: Place;
  records: number;
  items: Item[];
  copy: BulkCopy;
}

/** Members, their evaluations and activity reports, in binary COPY form. */
export interface BulkCopy {
  members: Uint8Array;
  memberCount: number;
  evaluations: Uint8Array;
  evaluationCount: number;
  reports: Uint8Array;
  reportCount: number;
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
  | { type: 'rollups'; sums: DrainedSums }
  | { type: 'done'; sums: DrainedSums; lastId: number; unscannedUnit: string | null; validation: ReaderValidation; candidates: string[] };

/** The columns `copyMember` writes, in order. */
export const MEMBER_COLUMNS = 'members (id, external_id, unit_id, unit_since, joined_at, left_at, birth_year, gender, digitized_at, app_activated_at)';
export const EVALUATION_COLUMNS = 'member_evaluations (member_id, year, recorded_at)';
export const REPORT_COLUMNS = 'activity_reports (external_id, unit_id, kind, date, count)';

/** Appends a member (placed in its unit since it joined) and its evaluations. */
export function copyMember(members: CopyRows, evaluations: CopyRows, id: number, unitId: number, m: MemberRow): void {
  members.row(MEMBER_FIELDS);
  members.int4(id);
  members.text(m.id);
  copyMemberFields(members, unitId, m.joinedAt, m.leftAt, m.birthYear, m.gender, m.digitizedAt, m.appActivatedAt);
  for (const e of m.evaluations) copyEvaluation(evaluations, id, e.year, e.recordedAt);
}

/** The columns of MEMBER_COLUMNS. */
export const MEMBER_FIELDS = 10;

type At = Pick<Instant, 'ms' | 'us'> | null;

/** A member's fields after its id and external id, in MEMBER_COLUMNS order. */
export function copyMemberFields(members: CopyRows, unitId: number, joinedAt: At, leftAt: At, birthYear: number | null, gender: string | null, digitizedAt: At, appActivatedAt: At): void {
  members.int4(unitId);
  members.instant(joinedAt);
  members.instant(joinedAt);
  members.instant(leftAt);
  members.int2(birthYear);
  members.text(gender);
  members.instant(digitizedAt);
  members.instant(appActivatedAt);
}

/** An evaluation row, in EVALUATION_COLUMNS order. */
export function copyEvaluation(evaluations: CopyRows, memberId: number, year: number, recordedAt: At): void {
  evaluations.row(3);
  evaluations.int4(memberId);
  evaluations.int2(year);
  evaluations.instant(recordedAt);
}

/** Appends an activity report (its id is the table's own). */
export function copyReport(reports: CopyRows, unitId: number, r: ReportRow): void {
  reports.row(5);
  reports.text(r.id);
  reports.int4(unitId);
  reports.text(r.kind);
  reports.date(r.day);
  reports.int4(r.count);
}

/** The buffers of drained sums, to move them to another thread without a copy. */
export const sumBuffers = (s: DrainedSums) => [s.year.buffer, s.month.buffer, s.day.buffer, s.touched.buffer] as ArrayBuffer[];
