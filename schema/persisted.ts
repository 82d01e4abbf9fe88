// Persisted operations: documents the server knows by their SHA-256, sent as
// `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "…"}}}` instead of the
// text. A partner key made with `persistedOnly` may send nothing else (an allow-list).
import { sha256 } from './format.js';

const DOCUMENTS = [
  `# A partner's nightly pull: what changed since the last cursor, commune by commune.
query NightlyChanges($since: String, $period: String!, $level: UnitLevel = COMMUNE, $first: Int = 1000) {
  changes(since: $since, period: $period, level: $level, first: $first) {
    cursor
    hasMore
    values { unit { code name level } kpi { id } period { id } value numerator denominator suppressed asOf }
  }
}
`,
  `# One unit's KPIs for a period, with the change since the previous period.
query UnitKpis($unit: String!, $period: String!, $kpis: [KpiId!]) {
  unit(code: $unit) {
    code
    name
    kpis(ids: $kpis, period: $period) {
      kpi { id }
      value numerator denominator suppressed asOf
      previous { period { id } difference }
    }
  }
}
`,
  `# Who leads and who lags below a unit, for one KPI and period.
query Breakdown($unit: String!, $kpi: KpiId!, $period: String!, $level: UnitLevel, $first: Int = 100, $after: String) {
  unit(code: $unit) {
    breakdown(kpi: $kpi, period: $period, level: $level, first: $first, after: $after) {
      nodes { rank unit { code name } value numerator denominator suppressed }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`,
];

/** Each persisted document by its hash. */
export const PERSISTED_OPERATIONS: ReadonlyMap<string, string> = new Map(DOCUMENTS.map((d) => [sha256(d), d]));
