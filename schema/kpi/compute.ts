// KPIs computed directly from the base tables, exactly as DOMAIN.md words them. One
// statement per KPI and period answers any number of units at once (each unit's whole
// subtree): the numbers that every faster path must equal.
import { sql, type SQL } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import { dayParts, formatDay, type Period } from '../../domain/period.js';
import { evaluationYear, kpiDefinition, type KpiId } from '../../domain/catalogue.js';

export interface KpiParts {
  /** The count, for a stock or a flow; the numerator, for a ratio. */
  numerator: number;
  /** Ratios only. */
  denominator: number | null;
}

interface Bind {
  ids: SQL;
  end: SQL;
}

/** A unit (alias `b`) active at End: opened before End and not closed before End. */
const activeAt = (alias: string, end: SQL) =>
  sql`${sql.raw(alias)}.valid_from < ${end} AND (${sql.raw(alias)}.valid_to IS NULL OR ${sql.raw(alias)}.valid_to >= ${end})`;

/** Units active at End in the subtrees asked for, with the asked-for ancestors they count toward. */
const scope = ({ ids, end }: Bind) => sql`
  scope AS (
    SELECT b.id, b.level, a.id AS target
      FROM units b CROSS JOIN LATERAL unnest(b.path) AS a(id)
     WHERE b.path && ${ids} AND a.id = ANY(${ids}) AND ${activeAt('b', end)}
  )`;

/** Members active at End, in the unit that held them at End. */
const placedMembers = ({ end }: Bind) => sql`
  placed AS (
    SELECT m.id, m.unit_id, m.digitized_at, m.app_activated_at
      FROM members m
     WHERE m.unit_id IN (SELECT id FROM scope)
       AND m.joined_at < ${end} AND (m.left_at IS NULL OR m.left_at >= ${end}) AND m.unit_since < ${end}
    UNION ALL
    SELECT m.id, h.unit_id, m.digitized_at, m.app_activated_at
      FROM member_unit_history h JOIN members m ON m.id = h.member_id
     WHERE h.unit_id IN (SELECT id FROM scope)
       AND h.from_at < ${end} AND h.to_at >= ${end}
       AND m.joined_at < ${end} AND (m.left_at IS NULL OR m.left_at >= ${end})
  )`;

function memberRatio(bind: Bind, counts: SQL, extraJoin: SQL = sql``): SQL {
  return sql`
    WITH ${scope(bind)}, ${placedMembers(bind)}
    SELECT s.target AS unit_id, count(*) FILTER (WHERE ${counts}) AS num, count(*) AS den
      FROM placed p JOIN scope s ON s.id = p.unit_id ${extraJoin}
     GROUP BY s.target`;
}

function statement(kpi: KpiId, period: Period, ids: number[]): SQL {
  const bind: Bind = {
    ids: sql`${`{${ids.join(',')}}`}::int[]`,
    end: sql`${period.end.toISOString()}::timestamptz`,
  };
  const { end } = bind;
  switch (kpi) {
    case 'APP_ADOPTION':
      return memberRatio(bind, sql`p.app_activated_at < ${end}`);
    case 'MEMBER_DATA_DIGITIZED':
      return memberRatio(bind, sql`p.digitized_at < ${end}`);
    case 'MEMBERS_EVALUATED': {
      const year = evaluationYear(dayParts(period.endDay - 1));
      return memberRatio(
        bind,
        sql`e.member_id IS NOT NULL`,
        sql`LEFT JOIN member_evaluations e ON e.member_id = p.id AND e.year = ${year} AND e.recorded_at < ${end}`,
      );
    }
    case 'DIGITAL_MODEL_COVERAGE':
      return sql`
        WITH ${scope(bind)}
        SELECT s.target AS unit_id, count(*) AS den,
               count(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM digital_models d
                  WHERE d.unit_id = s.id AND d.established_at < ${end}
                    AND (d.ended_at IS NULL OR d.ended_at >= ${end})
                    AND d.effective_from < ${end})) AS num
          FROM scope s WHERE s.level = 'BRANCH'
         GROUP BY s.target`;
    case 'COMMUNE_TEAM_COVERAGE':
      // A team counts for the commune it belongs to, whether it is registered on the
      // commune itself or on a unit below it.
      return sql`
        WITH ${scope(bind)}
        SELECT s.target AS unit_id, count(*) AS den,
               count(*) FILTER (WHERE EXISTS (
                 SELECT 1 FROM teams t JOIN units tu ON tu.id = t.unit_id
                  WHERE tu.path @> ARRAY[s.id] AND ${activeAt('tu', end)}
                    AND t.established_at < ${end} AND (t.disbanded_at IS NULL OR t.disbanded_at >= ${end}))) AS num
          FROM scope s WHERE s.level = 'COMMUNE'
         GROUP BY s.target`;
    case 'DIGITAL_TEAM_MEMBERS':
      return sql`
        WITH ${scope(bind)}
        SELECT s.target AS unit_id, count(*) AS num, NULL::bigint AS den
          FROM scope s
          JOIN teams t ON t.unit_id = s.id
          JOIN team_roster r ON r.team_id = t.id
         WHERE t.established_at < ${end} AND (t.disbanded_at IS NULL OR t.disbanded_at >= ${end})
           AND r.from_at < ${end} AND (r.to_at IS NULL OR r.to_at >= ${end})
         GROUP BY s.target`;
    case 'STARTUP_PRODUCTS_LISTED':
      return sql`
        WITH ${scope(bind)}
        SELECT s.target AS unit_id, count(*) AS num, NULL::bigint AS den
          FROM scope s JOIN startup_products sp ON sp.unit_id = s.id
         WHERE sp.listed_at < ${end} AND (sp.delisted_at IS NULL OR sp.delisted_at >= ${end})
         GROUP BY s.target`;
    case 'RELICS_DIGITIZED':
      return sql`
        WITH ${scope(bind)}
        SELECT s.target AS unit_id, count(*) AS num, NULL::bigint AS den
          FROM scope s JOIN relics r ON r.unit_id = s.id
         WHERE r.digitized_at < ${end}
         GROUP BY s.target`;
    case 'VNEID_INSTALLS':
    case 'VNEID_ACTIVATIONS':
    case 'DIGITAL_ACCOUNTS':
    case 'ECOMMERCE_PRODUCTS':
    case 'DIGITAL_SKILLS_TRAINED':
      // A flow counts for the unit where it happened and every unit above it, even
      // when one of them has closed since: no "active at End" filter here.
      return sql`
        SELECT a.id AS unit_id, coalesce(sum(r.count), 0) AS num, NULL::bigint AS den
          FROM activity_reports r
          JOIN units b ON b.id = r.unit_id
          CROSS JOIN LATERAL unnest(b.path) AS a(id)
         WHERE r.kind = ${kpi} AND r.date >= ${formatDay(period.startDay)}::date AND r.date < ${formatDay(period.endDay)}::date
           AND b.path && ${bind.ids} AND a.id = ANY(${bind.ids})
         GROUP BY a.id`;
  }
}

export interface ComputeGroup {
  kpi: KpiId;
  period: Period;
  unitIds: readonly number[];
}

/**
 * Many KPIs and periods, each for its own units, in one statement; results in the order of
 * the groups. Units with nothing to count get 0 (and a 0 denominator).
 */
export async function computeKpis(db: Db, groups: readonly ComputeGroup[]): Promise<Map<number, KpiParts>[]> {
  const results = groups.map((g) => {
    const isRatio = kpiDefinition(g.kpi).kind === 'RATIO';
    return new Map<number, KpiParts>(g.unitIds.map((id) => [id, { numerator: 0, denominator: isRatio ? 0 : null }]));
  });
  const parts = groups
    .map((g, i) => ({ g, i }))
    .filter(({ g }) => g.unitIds.length > 0)
    .map(({ g, i }) => sql`SELECT ${i}::int AS g, q.unit_id, q.num, q.den FROM (${statement(g.kpi, g.period, [...new Set(g.unitIds)])}) q`);
  if (parts.length === 0) return results;
  const found = await rows<{ g: number; unit_id: number; num: string | number; den: string | number | null }>(
    db,
    sql.join(parts, sql` UNION ALL `),
  );
  for (const r of found) {
    const g = groups[r.g]!;
    results[r.g]!.set(Number(r.unit_id), {
      numerator: Number(r.num),
      denominator: kpiDefinition(g.kpi).kind === 'RATIO' ? Number(r.den) : null,
    });
  }
  return results;
}

/** The KPI over each unit's subtree for one period. */
export async function computeKpi(db: Db, kpi: KpiId, period: Period, unitIds: readonly number[]): Promise<Map<number, KpiParts>> {
  const [result] = await computeKpis(db, [{ kpi, period, unitIds }]);
  return result!;
}
