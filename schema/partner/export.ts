// The open-data export: KPI values of every unit at a level (communes by default), as CSV
// or NDJSON, streamed a page of units at a time.
//   GET /export/kpis.csv?period=2026-10[&level=COMMUNE][&kpis=APP_ADOPTION,VNEID_INSTALLS][&under=HN]
// The caller's scope holds here as in GraphQL: `under` defaults to the root of what the
// caller reads and may not leave it; KPIs default to those it reads; small cells are withheld.
import { and, arrayContains, asc, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { Plugin } from 'graphql-yoga';
import { isTransient, type Db } from '../../db/client.js';
import { UNIT_LEVELS, units, type UnitLevel } from '../../db/schema.js';
import type { Access } from '../access/access.js';
import { authenticate, RequestRefused, type AuthState } from '../access/authenticate.js';
import type { ApiConfig } from '../config.js';
import { errorSummary } from '../errors.js';
import { formatVietnamInstant } from '../../domain/time.js';
import { parsePeriod, PeriodError, type Period } from '../../domain/period.js';
import { readShown } from '../access/cells.js';
import { HISTORY_VIEWS, KPI_IDS, kpiDefinition, ratioPercent, type HistoryView, type KpiId } from '../../domain/catalogue.js';

const PAGE = 250;
export const EXPORT_COLUMNS = ['unit_code', 'unit_name', 'level', 'parent_code', 'kpi', 'period', 'value', 'numerator', 'denominator', 'as_of', 'suppressed'] as const;

class ExportError extends Error {
  constructor(
    readonly argument: string,
    readonly reason: string,
    readonly status: 400 | 403 = 400,
  ) {
    super(status === 403 ? `Not allowed "${argument}": ${reason}` : `Invalid argument "${argument}": ${reason}`);
  }
}

interface ExportRequest {
  format: 'csv' | 'ndjson';
  period: Period;
  level: UnitLevel;
  kpis: KpiId[];
  /** Id of the unit whose subtree is exported; null: all. */
  under: number | null;
  view: HistoryView;
  access: Access;
}

async function parseRequest(db: Db, url: URL, format: 'csv' | 'ndjson', access: Access): Promise<ExportRequest> {
  if (!access.reads) throw new ExportError('authorization', 'the export needs a bearer token or an API key', 403);
  const periodText = url.searchParams.get('period');
  if (!periodText) throw new ExportError('period', 'is required, e.g. period=2026-10');
  let period: Period;
  try {
    period = parsePeriod(periodText);
  } catch (e) {
    if (e instanceof PeriodError) throw new ExportError('period', e.message);
    throw e;
  }
  const level = (url.searchParams.get('level') ?? 'COMMUNE') as UnitLevel;
  if (!UNIT_LEVELS.includes(level)) throw new ExportError('level', `must be one of ${UNIT_LEVELS.join(', ')}`);
  const kpiText = url.searchParams.get('kpis');
  const kpis = kpiText ? [...new Set(kpiText.split(',').map((k) => k.trim()))] : access.kpisRead;
  const unknown = kpis.filter((k) => !KPI_IDS.includes(k as KpiId));
  if (unknown.length > 0) throw new ExportError('kpis', `unknown KPI ${unknown.join(', ')}`);
  const closed = kpis.filter((k) => !access.readsKpi(k as KpiId));
  if (closed.length > 0) throw new ExportError('kpis', `${closed.join(', ')} is not open to this caller`, 403);
  const underCode = url.searchParams.get('under');
  const roots = access.readRoots();
  let under: number | null = roots === null ? null : roots[0]!;
  if (underCode) {
    if (!/^[\p{L}\p{N}._-]{1,100}$/u.test(underCode)) throw new ExportError('under', 'must be a unit code (letters, digits, ".", "_", "-")');
    const [root] = await db.select().from(units).where(eq(units.code, underCode));
    if (!root) throw new ExportError('under', `no unit has code "${underCode}"`);
    if (roots !== null && !roots.some((id) => root.path.includes(id))) throw new ExportError('under', `${underCode} is outside what this caller reads`, 403);
    under = root.id;
  }
  const view = (url.searchParams.get('view') ?? 'AS_OF_THEN') as HistoryView;
  if (!HISTORY_VIEWS.includes(view)) throw new ExportError('view', `must be one of ${HISTORY_VIEWS.join(', ')}`);
  return { format, period, level, kpis: kpis as KpiId[], under, view, access };
}

const csvField = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/**
 * Units at a level that lived during the period, under a unit (null: anywhere), by code
 * after `after`: what the export and a partner's full sync list.
 */
export function livingUnitsPage(db: Db, level: UnitLevel, under: number | null, period: Period, after: string, limit: number, view: HistoryView = 'AS_OF_THEN') {
  return db
    .select()
    .from(units)
    .where(
      and(
        eq(units.level, level),
        under === null ? undefined : arrayContains(units.path, [under]),
        gt(units.code, after),
        // Today's units, in today's tree; else those that lived during the period.
        view === 'CURRENT_TREE' ? isNull(units.validTo) : and(lt(units.validFrom, period.end), or(isNull(units.validTo), gt(units.validTo, period.start))),
      ),
    )
    .orderBy(asc(units.code))
    .limit(limit);
}

/** The lines of an export, a page of units at a time. */
export async function* exportLines(db: Db, req: ExportRequest): AsyncGenerator<string> {
  if (req.format === 'csv') yield `${EXPORT_COLUMNS.join(',')}\n`;
  const parents = new Map<number, string>();
  let after = '';
  for (;;) {
    const page = await livingUnitsPage(db, req.level, req.under, req.period, after, PAGE, req.view);
    if (page.length === 0) return;
    const missing = [...new Set(page.map((u) => u.parentId).filter((id): id is number => id !== null && !parents.has(id)))];
    if (missing.length > 0) {
      for (const p of await db.select({ id: units.id, code: units.code }).from(units).where(or(...missing.map((id) => eq(units.id, id))))) {
        parents.set(p.id, p.code);
      }
    }
    const requests = page.flatMap((u) => req.kpis.map((kpi) => ({ kpi, period: req.period, unit: u, view: req.view })));
    // The roots keep the rows in scope; the check stands behind them, as in the GraphQL loader.
    const outside = requests.find((r) => !req.access.readsAggregate(r.unit, r.kpi));
    if (outside) throw new Error(`export reached ${outside.unit.code}, outside the caller's scope`);
    const values = await readShown(db, req.access, requests);
    let out = '';
    requests.forEach((r, i) => {
      const u = page[Math.floor(i / req.kpis.length)]!;
      const v = values[i]!;
      const def = kpiDefinition(r.kpi);
      const shown = v;
      const row = {
        unit_code: u.code,
        unit_name: u.name,
        level: u.level,
        parent_code: u.parentId === null ? null : (parents.get(u.parentId) ?? null),
        kpi: r.kpi,
        period: req.period.id,
        value: shown.numerator === null ? null : def.kind === 'RATIO' ? ratioPercent(shown.numerator, shown.denominator ?? 0) : shown.numerator,
        numerator: shown.numerator,
        denominator: shown.denominator,
        as_of: v.asOf ? formatVietnamInstant(v.asOf) : null,
        suppressed: shown.suppressed,
      };
      out += req.format === 'csv' ? `${EXPORT_COLUMNS.map((c) => csvField(row[c])).join(',')}\n` : `${JSON.stringify(row)}\n`;
    });
    yield out;
    after = page.at(-1)!.code;
  }
}

/** Serves /export/kpis.csv and /export/kpis.ndjson beside /graphql. */
/** What the export tells the request log: the request's id, and who the caller turned out to be. */
export interface RequestNotes {
  idOf(request: Request): string;
  caller(request: Request, actor: string): void;
}

export function exportPlugin(db: Db, config: ApiConfig, state: AuthState, notes: RequestNotes): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      const match = /^\/export\/kpis\.(csv|ndjson)$/.exec(url.pathname);
      if (!match) return;
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        new fetchAPI.Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });
      let req: ExportRequest;
      try {
        const access = await authenticate(db, request, config.access, state);
        notes.caller(request, access.actor);
        req = await parseRequest(db, url, match[1] as 'csv' | 'ndjson', access);
      } catch (e) {
        if (e instanceof RequestRefused) return endResponse(json(e.status, { error: e.message, code: e.code }, e.headers));
        const requestId = notes.idOf(request);
        if (isTransient(e)) {
          return endResponse(json(503, { error: 'The database is unavailable for a moment: send the request again.', code: 'SERVICE_UNAVAILABLE', retryable: true, requestId }, { 'retry-after': '1' }));
        }
        if (e instanceof ExportError) {
          return endResponse(
            json(e.status, { error: e.message, code: e.status === 403 ? 'FORBIDDEN' : 'BAD_USER_INPUT', argument: e.argument, reason: e.reason, requestId }),
          );
        }
        // Told like GraphQL's unexpected errors: masked for the caller, logged (without SQL) with the request id.
        config.logger.error({ requestId, path: url.pathname, error: errorSummary(e) }, 'unexpected error');
        return endResponse(json(500, { error: 'Unexpected error.', code: 'INTERNAL_SERVER_ERROR', requestId }));
      }
      const lines = exportLines(db, req);
      const encoder = new TextEncoder();
      const stream = new fetchAPI.ReadableStream({
        async pull(controller) {
          try {
            const { value, done } = await lines.next();
            if (done) controller.close();
            else controller.enqueue(encoder.encode(value));
          } catch (e) {
            controller.error(e);
          }
        },
      });
      endResponse(
        new fetchAPI.Response(stream, {
          status: 200,
          headers: {
            'content-type': req.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
            'cache-control': 'private, no-store',
            'content-disposition': `attachment; filename="kpis-${req.level.toLowerCase()}-${req.period.id.replace(/[^\w-]/g, '_')}.${req.format}"`,
          },
        }),
      );
    },
  };
}
