// Who is asking, and what they may read and write: the one place the rules of docs/access.md
// are written. The GraphQL layer asks these questions; it never decides on its own.
import type { UnitRow } from '../context.js';
import { KPI_IDS, type KpiId } from '../../domain/catalogue.js';

export const ROLES = ['CENTRAL_ADMIN', 'UNIT_ADMIN', 'LEADER', 'VIEWER'] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  /** A person with a verified bearer token: a role and a home unit. */
  | { kind: 'user'; subject: string; role: Role; unit: UnitRow }
  /** A partner system with an API key: read-only aggregates of one subtree and a set of KPIs. */
  | { kind: 'partner'; keyId: string; name: string; unit: UnitRow; kpis: ReadonlySet<KpiId>; persistedOnly: boolean; rateLimit: number }
  /** No token and no key. */
  | { kind: 'anonymous' };

export type AnonymousAccess = 'public' | 'none';

/** Why a value is withheld from the caller. */
export type Suppression = 'SMALL_CELL';

/** A KPI value's parts as the caller may see them: null parts when withheld, with the reason. */
export interface ShownParts {
  numerator: number | null;
  denominator: number | null;
  suppressed: Suppression | null;
}

export class Access {
  constructor(
    readonly principal: Principal,
    private readonly rules: { anonymous: AnonymousAccess; smallCellMinimum: number },
  ) {}

  /** Who the audit log names: the verified token's subject, never a header. */
  get actor(): string {
    const p = this.principal;
    return p.kind === 'user' ? `user:${p.subject}` : p.kind === 'partner' ? `partner:${p.keyId}` : 'anonymous';
  }

  get role(): Role | null {
    return this.principal.kind === 'user' ? this.principal.role : null;
  }

  /** Whether the caller reads anything but the catalogue. */
  get reads(): boolean {
    return this.principal.kind !== 'anonymous' || this.rules.anonymous === 'public';
  }

  get isCentralAdmin(): boolean {
    return this.role === 'CENTRAL_ADMIN';
  }

  /** Whether the caller's role writes data at all (where, `writes(unit)` says). */
  get isWriter(): boolean {
    return this.role === 'CENTRAL_ADMIN' || this.role === 'UNIT_ADMIN';
  }

  /** What of the caller decides an answer beside its identity (schema/cache.ts keys answers by both). */
  get cacheScope(): string {
    const p = this.principal;
    if (p.kind === 'user') return `${p.role}@${p.unit.id}`;
    if (p.kind === 'partner') return `partner:${p.keyId}`;
    return `anonymous:${this.reads}`;
  }

  /** Partners and anonymous callers see aggregates with small cells suppressed. */
  get suppressesSmallCells(): boolean {
    return this.principal.kind !== 'user';
  }

  get smallCellMinimum(): number {
    return this.rules.smallCellMinimum;
  }

  /**
   * The roots of the subtrees whose aggregates the caller reads, for filters in SQL: null
   * when every unit is readable. A LEADER's siblings are readable one by one (for rankings),
   * not their subtrees, so they are not roots.
   */
  readRoots(): number[] | null {
    const p = this.principal;
    if (p.kind === 'anonymous') return this.reads ? null : [];
    if (p.kind === 'user' && p.role === 'CENTRAL_ADMIN') return null;
    return [p.unit.id];
  }

  /** The KPIs of the catalogue the caller reads, in catalogue order: what a list of KPIs left out means. */
  get kpisRead(): KpiId[] {
    return KPI_IDS.filter((k) => this.readsKpi(k));
  }

  /** Whether the caller reads this KPI anywhere. */
  readsKpi(kpi: KpiId): boolean {
    const p = this.principal;
    if (p.kind === 'partner') return p.kpis.has(kpi);
    return this.reads;
  }

  /** Whether the caller may read a KPI value (an aggregate over the unit's subtree) of this unit. */
  readsAggregate(unit: UnitRow, kpi: KpiId): boolean {
    const p = this.principal;
    if (!this.readsKpi(kpi)) return false;
    if (p.kind === 'anonymous') return true;
    if (p.kind === 'user' && p.role === 'CENTRAL_ADMIN') return true;
    if (unit.path.includes(p.unit.id)) return true;
    // A LEADER compares their unit with its siblings: their aggregates, not what lies below them.
    return p.kind === 'user' && p.role === 'LEADER' && p.unit.parentId !== null && unit.parentId === p.unit.parentId;
  }

  /** Whether the caller may write data of this unit (and so see the personal data it holds). */
  writes(unit: UnitRow): boolean {
    const p = this.principal;
    if (p.kind !== 'user') return false;
    if (p.role === 'CENTRAL_ADMIN') return true;
    return p.role === 'UNIT_ADMIN' && unit.path.includes(p.unit.id);
  }

  /** Member-level data of a unit: only its admins (a UNIT_ADMIN above it, or a CENTRAL_ADMIN). */
  seesPersonalData(unit: UnitRow): boolean {
    return this.writes(unit);
  }
}
