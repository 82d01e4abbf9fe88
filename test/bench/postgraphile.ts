// The comparison for the KPI bench: what a team would build instead of the roll-ups. A
// PostgreSQL view that computes every KPI of a unit and a month on the fly from the base
// tables, served by an off-the-shelf PostGraphile 4 and queried over HTTP the way a
// dashboard would (one POST for all KPIs of a unit's children in a month).
import { Worker } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';

/**
 * `naive_api.kpi_month`: one row per unit × month (2020-01 … 2027-12) × KPI, computed when
 * read, with the rules of schema/kpi/compute.ts: stocks and ratios at End (00:00 Vietnam time
 * on the first day of the next month) over the unit's whole subtree (`units.path`) of units
 * active at End, members placed in the unit that held them at End; flows summed over the
 * reports dated inside the month, in every unit of the subtree whether open or closed since.
 * The units × months grid is joined laterally to the KPI computations, so a WHERE on
 * `parent_code` or `unit_code` and `month` is applied before any KPI is computed. The three
 * member ratios share one pass over the members, the two coverages one pass over the
 * subtree's units and the five flows one pass over the reports; the stocks have one each.
 * Things (models, teams, roster entries, products, relics) count at their holder at End:
 * their unit while it is active, then, once it has closed by a merger or a split, its
 * successor's line (`naive_api.handed`, made once from the units by a walk down the lines
 * of successors: a few rows, one per hand-over). The subtree is today's (`units.path`): the
 * view is right for a month ending after the last reorganisation.
 */
export const HANDED_SQL = `
DROP TABLE IF EXISTS naive_api.handed;
CREATE TABLE naive_api.handed AS
WITH RECURSIVE line(unit_id, holder_id, from_at, to_at, moved, next) AS (
  SELECT x.id, s.id, x.valid_to, s.valid_to, s.holdings_moved, s.successor_id
    FROM public.units x JOIN public.units s ON s.id = x.successor_id
   WHERE x.holdings_moved
  UNION ALL
  SELECT l.unit_id, s.id, l.to_at, s.valid_to, s.holdings_moved, s.successor_id
    FROM line l JOIN public.units s ON s.id = l.next
   WHERE l.moved AND l.to_at IS NOT NULL
)
SELECT unit_id, holder_id, from_at, to_at FROM line;
CREATE INDEX ON naive_api.handed (holder_id)`;

/** The units whose things unit \`b\` holds at End: itself, and those handed to it. */
const OWNERS = `CROSS JOIN LATERAL (
       SELECT b.id AS id
       UNION ALL
       SELECT hd.unit_id FROM naive_api.handed hd WHERE hd.holder_id = b.id AND hd.from_at < mo.end_at AND (hd.to_at IS NULL OR hd.to_at >= mo.end_at)
     ) o`;

export const KPI_VIEW_SQL = `
CREATE OR REPLACE VIEW naive_api.kpi_month AS
SELECT u.code AS unit_code,
       p.code AS parent_code,
       mo.month,
       k.kpi,
       k.numerator,
       k.denominator
  FROM public.units u
  LEFT JOIN public.units p ON p.id = u.parent_id
 CROSS JOIN (
   SELECT d::date AS month,
          (d + interval '1 month') AT TIME ZONE 'Asia/Ho_Chi_Minh' AS end_at,
          (d + interval '1 month')::date AS next_month,
          -- MEMBERS_EVALUATED reads the evaluations of the month's year in December, else of the year before.
          (extract(year FROM d) - CASE WHEN extract(month FROM d) = 12 THEN 0 ELSE 1 END)::int AS eval_year
     FROM generate_series(timestamp '2020-01-01', timestamp '2027-12-01', interval '1 month') AS d
 ) mo
 CROSS JOIN LATERAL (
   -- Members active at End, in the unit that held them at End, in the subtree's units active at End.
   SELECT x.kpi, x.numerator, x.denominator
     FROM (
       SELECT count(*) AS members,
              count(*) FILTER (WHERE pm.digitized_at < mo.end_at) AS digitized,
              count(*) FILTER (WHERE pm.app_activated_at < mo.end_at) AS app,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM public.member_evaluations e
                 WHERE e.member_id = pm.id AND e.year = mo.eval_year AND e.recorded_at < mo.end_at)) AS evaluated
         FROM (
           SELECT m.id, m.digitized_at, m.app_activated_at
             FROM public.units b
             JOIN public.members m ON m.unit_id = b.id
            WHERE b.path @> ARRAY[u.id]
              AND b.valid_from < mo.end_at AND (b.valid_to IS NULL OR b.valid_to >= mo.end_at)
              AND m.joined_at < mo.end_at AND (m.left_at IS NULL OR m.left_at >= mo.end_at)
              AND m.unit_since < mo.end_at
           UNION ALL
           SELECT m.id, m.digitized_at, m.app_activated_at
             FROM public.units b
             JOIN public.member_unit_history h ON h.unit_id = b.id
             JOIN public.members m ON m.id = h.member_id
            WHERE b.path @> ARRAY[u.id]
              AND b.valid_from < mo.end_at AND (b.valid_to IS NULL OR b.valid_to >= mo.end_at)
              AND h.from_at < mo.end_at AND h.to_at >= mo.end_at
              AND m.joined_at < mo.end_at AND (m.left_at IS NULL OR m.left_at >= mo.end_at)
         ) pm
     ) c
    CROSS JOIN LATERAL (VALUES
      ('MEMBER_DATA_DIGITIZED', c.digitized, c.members),
      ('MEMBERS_EVALUATED', c.evaluated, c.members),
      ('APP_ADOPTION', c.app, c.members)
    ) AS x(kpi, numerator, denominator)
   UNION ALL
   -- Branches with an effective digital youth model; communes with a team (on the commune or below it).
   SELECT x.kpi, x.numerator, x.denominator
     FROM (
       SELECT count(*) FILTER (WHERE b.level = 'BRANCH') AS branches,
              count(*) FILTER (WHERE b.level = 'BRANCH' AND EXISTS (
                SELECT 1 FROM (SELECT 1) z ${OWNERS} JOIN public.digital_models d ON d.unit_id = o.id
                 WHERE d.established_at < mo.end_at
                   AND (d.ended_at IS NULL OR d.ended_at >= mo.end_at)
                   AND d.effective_from < mo.end_at)) AS branches_with_model,
              count(*) FILTER (WHERE b.level = 'COMMUNE') AS communes,
              count(*) FILTER (WHERE b.level = 'COMMUNE' AND EXISTS (
                SELECT 1 FROM public.units tu ${OWNERS.replace(/\bb\.id\b/g, 'tu.id')} JOIN public.teams t ON t.unit_id = o.id
                 WHERE tu.path @> ARRAY[b.id]
                   AND tu.valid_from < mo.end_at AND (tu.valid_to IS NULL OR tu.valid_to >= mo.end_at)
                   AND t.established_at < mo.end_at AND (t.disbanded_at IS NULL OR t.disbanded_at >= mo.end_at))) AS communes_with_team
         FROM public.units b
        WHERE b.path @> ARRAY[u.id]
          AND b.valid_from < mo.end_at AND (b.valid_to IS NULL OR b.valid_to >= mo.end_at)
     ) c
    CROSS JOIN LATERAL (VALUES
      ('DIGITAL_MODEL_COVERAGE', c.branches_with_model, c.branches),
      ('COMMUNE_TEAM_COVERAGE', c.communes_with_team, c.communes)
    ) AS x(kpi, numerator, denominator)
   UNION ALL
   -- Roster entries active at End on teams active at End.
   SELECT 'DIGITAL_TEAM_MEMBERS', count(*), NULL::bigint
     FROM public.units b ${OWNERS}
     JOIN public.teams t ON t.unit_id = o.id
     JOIN public.team_roster r ON r.team_id = t.id
    WHERE b.path @> ARRAY[u.id]
      AND b.valid_from < mo.end_at AND (b.valid_to IS NULL OR b.valid_to >= mo.end_at)
      AND t.established_at < mo.end_at AND (t.disbanded_at IS NULL OR t.disbanded_at >= mo.end_at)
      AND r.from_at < mo.end_at AND (r.to_at IS NULL OR r.to_at >= mo.end_at)
   UNION ALL
   SELECT 'STARTUP_PRODUCTS_LISTED', count(*), NULL::bigint
     FROM public.units b
     ${OWNERS}
     JOIN public.startup_products sp ON sp.unit_id = o.id
    WHERE b.path @> ARRAY[u.id]
      AND b.valid_from < mo.end_at AND (b.valid_to IS NULL OR b.valid_to >= mo.end_at)
      AND sp.listed_at < mo.end_at AND (sp.delisted_at IS NULL OR sp.delisted_at >= mo.end_at)
   UNION ALL
   SELECT 'RELICS_DIGITIZED', count(*), NULL::bigint
     FROM public.units b
     ${OWNERS}
     JOIN public.relics r ON r.unit_id = o.id
    WHERE b.path @> ARRAY[u.id]
      AND b.valid_from < mo.end_at AND (b.valid_to IS NULL OR b.valid_to >= mo.end_at)
      AND r.digitized_at < mo.end_at
   UNION ALL
   -- Flows: the reports dated inside the month, anywhere in the subtree (closed units included).
   SELECT x.kpi, x.numerator, NULL::bigint
     FROM (
       SELECT coalesce(sum(r.count) FILTER (WHERE r.kind = 'VNEID_INSTALLS'), 0) AS vneid_installs,
              coalesce(sum(r.count) FILTER (WHERE r.kind = 'VNEID_ACTIVATIONS'), 0) AS vneid_activations,
              coalesce(sum(r.count) FILTER (WHERE r.kind = 'DIGITAL_ACCOUNTS'), 0) AS digital_accounts,
              coalesce(sum(r.count) FILTER (WHERE r.kind = 'ECOMMERCE_PRODUCTS'), 0) AS ecommerce_products,
              coalesce(sum(r.count) FILTER (WHERE r.kind = 'DIGITAL_SKILLS_TRAINED'), 0) AS digital_skills_trained
         FROM public.units b
         JOIN public.activity_reports r ON r.unit_id = b.id
        WHERE b.path @> ARRAY[u.id]
          AND r.date >= mo.month AND r.date < mo.next_month
     ) c
    CROSS JOIN LATERAL (VALUES
      ('VNEID_INSTALLS', c.vneid_installs),
      ('VNEID_ACTIVATIONS', c.vneid_activations),
      ('DIGITAL_ACCOUNTS', c.digital_accounts),
      ('ECOMMERCE_PRODUCTS', c.ecommerce_products),
      ('DIGITAL_SKILLS_TRAINED', c.digital_skills_trained)
    ) AS x(kpi, numerator)
 ) k`;

/** Creates the schema `naive_api` and its view `kpi_month` (KPI_VIEW_SQL). */
export async function createKpiView(db: Db): Promise<void> {
  await db.execute(sql.raw('CREATE SCHEMA IF NOT EXISTS naive_api'));
  for (const statement of HANDED_SQL.split(';')) await db.execute(sql.raw(statement));
  await db.execute(sql.raw(KPI_VIEW_SQL));
}

/** A worker thread running a TypeScript module (through tsx), with its data. */
const worker = (file: string, data: object) =>
  new Worker(new URL('../../db/import/worker-boot.mjs', import.meta.url), { workerData: { ...data, entry: new URL(file, import.meta.url).href } });
const message = <T,>(w: Worker) =>
  new Promise<T>((resolve, reject) => {
    const onMessage = (value: T) => (w.off('error', onError), w.off('exit', onExit), resolve(value));
    const onError = (error: Error) => (w.off('message', onMessage), w.off('exit', onExit), reject(error));
    const onExit = (code: number) => (w.off('message', onMessage), w.off('error', onError), reject(new Error(`the PostGraphile worker exited (code ${code})`)));
    w.once('message', onMessage);
    w.once('error', onError);
    w.once('exit', onExit);
  });

/**
 * PostGraphile 4 over the schema `naive_api`, on node:http at 127.0.0.1 (a free port), in a
 * worker thread of its own so that the clients that time it do not share its event loop.
 */
export async function startPostGraphile(databaseUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = worker('./postgraphile-server.ts', { databaseUrl });
  let port: number;
  try {
    port = await message<number>(server);
  } catch (error) {
    await server.terminate();
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    close() {
      closed ??= (async () => {
        server.postMessage('close');
        try {
          await message<'closed'>(server);
        } finally {
          await server.terminate();
        }
      })();
      return closed;
    },
  };
}

const DASHBOARD_QUERY = `query Dashboard($parent: String!, $month: Date!) {
  allKpiMonths(condition: { parentCode: $parent, month: $month }) {
    nodes { unitCode kpi numerator denominator }
  }
}`;

/** The body of the dashboard's request: every KPI of the children of `parentCode` in `month` ('YYYY-MM'). */
export function postgraphileBody(parentCode: string, month: string): string {
  if (!/^\d{4}-\d{2}$/.test(month)) throw new Error(`month must be YYYY-MM (got "${month}")`);
  return JSON.stringify({ query: DASHBOARD_QUERY, variables: { parent: parentCode, month: `${month}-01` } });
}

export type DashboardParts = Map<string, Map<string, { numerator: number; denominator: number | null }>>;

/** The dashboard's request, sent once: unit code → KPI id → parts. */
export async function postgraphileDashboard(url: string, parentCode: string, month: string): Promise<DashboardParts> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: postgraphileBody(parentCode, month),
  });
  const result = (await response.json()) as {
    data?: { allKpiMonths: { nodes: { unitCode: string; kpi: string; numerator: string | null; denominator: string | null }[] } };
    errors?: { message: string }[];
  };
  if (!response.ok || result.errors || !result.data) {
    throw new Error(`PostGraphile answered ${response.status}: ${JSON.stringify(result.errors ?? result)}`);
  }
  const out: DashboardParts = new Map();
  for (const n of result.data.allKpiMonths.nodes) {
    let byKpi = out.get(n.unitCode);
    if (!byKpi) out.set(n.unitCode, (byKpi = new Map()));
    byKpi.set(n.kpi, { numerator: Number(n.numerator), denominator: n.denominator === null ? null : Number(n.denominator) });
  }
  return out;
}
