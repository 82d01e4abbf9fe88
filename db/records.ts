// The records of the import contract (docs/import-format.md): what outside systems send,
// what the demo-data generator produces, and what the bulk loader takes. Names are
// camelCase exactly as in the NDJSON files. Instants are ISO 8601 with an offset; bare
// dates mean 00:00 Vietnam time.
import type { UnitLevel } from './schema.js';
import type { KpiId, ReportKind } from '../domain/catalogue.js';

export interface UnitRecord {
  type: 'unit';
  code: string;
  name: string;
  level: UnitLevel;
  /** Code of the parent unit; the CENTRAL unit has none. */
  parent?: string | null;
  validFrom: string;
  validTo?: string | null;
  /** Code of the unit this one was merged into. */
  successor?: string | null;
}

export interface EvaluationRecord {
  year: number;
  recordedAt: string;
}

export interface MemberRecord {
  type: 'member';
  id: string;
  unit: string;
  joinedAt: string;
  leftAt?: string | null;
  /** Since when the member is in `unit`: the instant of a transfer from the unit stored for them (docs/import-format.md). */
  unitSince?: string | null;
  digitizedAt?: string | null;
  appActivatedAt?: string | null;
  evaluations?: EvaluationRecord[] | null;
  birthYear?: number | null;
  gender?: 'MALE' | 'FEMALE' | 'OTHER' | null;
}

export interface ModelRecord {
  type: 'model';
  id: string;
  unit: string;
  kind: string;
  establishedAt: string;
  effectiveFrom?: string | null;
  endedAt?: string | null;
}

export interface RosterEntry {
  person: string;
  from: string;
  to?: string | null;
}

export interface TeamRecord {
  type: 'team';
  id: string;
  unit: string;
  establishedAt: string;
  disbandedAt?: string | null;
  roster?: RosterEntry[] | null;
}

export interface ProductRecord {
  type: 'product';
  id: string;
  unit: string;
  name: string;
  listedAt: string;
  delistedAt?: string | null;
}

export interface RelicRecord {
  type: 'relic';
  id: string;
  unit: string;
  name: string;
  digitizedAt?: string | null;
}

export interface ReportRecord {
  type: 'report';
  id?: string | null;
  unit: string;
  kind: ReportKind;
  /** A Vietnam calendar day, YYYY-MM-DD. */
  date: string;
  count: number;
}

/** A target per unit, KPI and period: a year, half year, quarter, month or congress term. */
export interface TargetRecord {
  type: 'target';
  unit: string;
  kpi: KpiId;
  /** 2026, 2026-H1, 2026-Q1, 2026-03 or 2025/2030. */
  period: string;
  value: number;
}

/** A change of the tree from a day on (a Vietnam midnight): applied right after the units, in file order. */
export type ReorganisationRecord = { type: 'reorganisation'; at: string } & (
  | { change: 'reparent'; unit: string; parent: string }
  | { change: 'merge'; units: string[]; into: string }
  | { change: 'split'; unit: string; children: { unit: string; parent: string }[]; into: string }
);

export type ImportRecord =
  | UnitRecord
  | ReorganisationRecord
  | MemberRecord
  | ModelRecord
  | TeamRecord
  | ProductRecord
  | RelicRecord
  | ReportRecord
  | TargetRecord;

export type RecordType = ImportRecord['type'];
