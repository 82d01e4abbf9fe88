// The KPI catalogue as data: every KPI of DOMAIN.md, and for each the series it is made
// of, each declared once: which records count, at which unit, from which instant until
// which instant (stocks, and the parts of a ratio), or which dated amount (flows). Everything
// else derives from these declarations: the SQL over the base tables (schema/kpi/compute.ts),
// the roll-up steps kept by writes (db/rollup.ts), the sums of the bulk load
// (db/rollup-members.ts), the GraphQL enum and docs/kpis.md. Pure data and rules: no
// database here.
//
// "Active at End" for a record that exists over [s, e) (e absent: still open) is
// s < End ≤ e. A record counts at its holder unit, over its own life clipped to the life of
// that unit (a unit closed before End, and what it held, no longer count); `from` delays
// the start to the latest of the named instants, and a record lacking one never counts.
// A flow adds its amount on the instant it happened, to the unit where it happened, for good.

/** How a KPI rolls up a tree and across a period. */
export type KpiKind = 'RATIO' | 'STOCK' | 'FLOW';

/**
 * The records a stock series counts, each at its holder unit and over its own life:
 * - `members`: a member, at each unit that held it (its placements), over its membership;
 * - `evaluations`: a member's yearly evaluation, where and while the member is held (fields `recordedAt`, `year`);
 * - `branches`, `communes`: the units of that level, over their life;
 * - `models`: a digital youth model, at its branch, from established to ended (field `effectiveFrom`);
 * - `teams`: a Community Digital Transformation Team, at the commune it belongs to (on the commune or below it), from established to disbanded;
 * - `rosters`: a team's roster entry, at the team's unit, over the entry and the team's life;
 * - `products`: a startup product, at its unit, from listed to delisted;
 * - `relics`: a relic, at its unit (field `digitizedAt`).
 */
export type StockRecords = 'members' | 'evaluations' | 'branches' | 'communes' | 'models' | 'teams' | 'rosters' | 'products' | 'relics';
/** The records a flow series sums: activity reports (by kind), or members (an instant of theirs, at the unit holding them then). */
export type FlowRecords = 'reports' | 'members';

/** A count at an instant: the records (or the units holding ≥ 1 record) active at End. */
export interface StockSeries {
  readonly type: 'STOCK';
  readonly records: StockRecords;
  /** Instants of the record that must be set: it counts from the latest of them (and never before its own start). */
  readonly from?: readonly string[];
  /** Count each record (the default), or each holder unit with at least one record active. */
  readonly count?: 'records' | 'units';
  /** One series per evaluation year (the records' `year`): a period reads the year `evaluationYear` gives. */
  readonly byEvaluationYear?: boolean;
}

/** An amount summed over the period: what happened in [Start, End). */
export interface FlowSeries {
  readonly type: 'FLOW';
  readonly records: FlowRecords;
  /** The record's instant (or day, read as its Vietnam midnight) it happened on. */
  readonly on: string;
  /** The record's field summed; each record counts 1 without one. */
  readonly amount?: string;
  /** Reports only: the kind of activity report summed (the import's and the tables' report kinds are these). */
  readonly reportKind?: string;
}

export type SeriesDefinition = StockSeries | FlowSeries;

/** A series declared once and shared: the parts of the ratios. A KPI may also declare its own series inline. */
export const SHARED_SERIES = {
  MEMBERS: { type: 'STOCK', records: 'members' },
  MEMBERS_DIGITIZED: { type: 'STOCK', records: 'members', from: ['digitizedAt'] },
  MEMBERS_APP: { type: 'STOCK', records: 'members', from: ['appActivatedAt'] },
  MEMBERS_EVALUATED: { type: 'STOCK', records: 'evaluations', from: ['recordedAt'], byEvaluationYear: true },
  BRANCHES: { type: 'STOCK', records: 'branches' },
  BRANCHES_WITH_MODEL: { type: 'STOCK', records: 'models', from: ['effectiveFrom'], count: 'units' },
  COMMUNES: { type: 'STOCK', records: 'communes' },
  COMMUNES_WITH_TEAM: { type: 'STOCK', records: 'teams', count: 'units' },
  TEAM_MEMBERS: { type: 'STOCK', records: 'rosters' },
  PRODUCTS_LISTED: { type: 'STOCK', records: 'products' },
  RELICS_DIGITIZED: { type: 'STOCK', records: 'relics', from: ['digitizedAt'] },
} as const satisfies Record<string, SeriesDefinition>;

/** A KPI as the catalogue writes it: a series is named (a shared one) or declared inline (the KPI's own, under its id). */
export interface KpiEntry {
  readonly id: string;
  readonly nameVi: string;
  readonly nameEn: string;
  readonly description: string;
  readonly kind: KpiKind;
  readonly higherIsBetter?: boolean;
  /** The data the KPI is computed from. */
  readonly source: string;
  /** What counts, in the words of the contract (numerator, or the value). */
  readonly numerator: string;
  /** What it is a share of (ratios only). */
  readonly denominator?: string;
  /** The series counted for the value (or the numerator). */
  readonly counts: string | SeriesDefinition;
  /** Ratios: the series it is a share of. */
  readonly of?: string | SeriesDefinition;
}

/** A KPI with everything derived filled in. */
export interface KpiDefinition {
  id: KpiId;
  nameVi: string;
  nameEn: string;
  description: string;
  kind: KpiKind;
  /** PERCENT for ratios (value = 100 × numerator ÷ denominator), COUNT otherwise. */
  unitOfMeasure: 'PERCENT' | 'COUNT';
  higherIsBetter: boolean;
  source: string;
  numerator: string;
  denominator: string | null;
  /** The roll-up series counted for the value or numerator, and for the denominator of a ratio. */
  numeratorSeries: Series;
  denominatorSeries: Series | null;
  /** The series it reads: the numerator's, then the denominator's. */
  series: readonly Series[];
}

const flow = <I extends string>(id: I, nameVi: string, nameEn: string, what: string) =>
  ({
    id,
    nameVi,
    nameEn,
    description: `${nameEn}: ${what}, summed over the activity reports dated inside the period (flow).`,
    kind: 'FLOW',
    source: `activity reports of kind ${id}`,
    numerator: `${what}, summed over activity reports dated inside the period`,
    counts: { type: 'FLOW', records: 'reports', on: 'date', amount: 'count', reportKind: id },
  }) as const;

/** The KPIs of DOMAIN.md, in its order. */
export const ENTRIES = [
  {
    id: 'DIGITAL_MODEL_COVERAGE',
    nameVi: 'Tỷ lệ chi đoàn có mô hình thanh niên số hiệu quả',
    nameEn: 'Branches with an effective digital youth model',
    description:
      'Share of grassroots branches active at the end of the period that have at least one digital youth model active and assessed effective at the end (ratio).',
    kind: 'RATIO',
    source: 'digital youth models, units',
    numerator: 'grassroots branches active at End with ≥ 1 digital youth model that is active and assessed effective at End',
    denominator: 'grassroots branches active at End',
    counts: 'BRANCHES_WITH_MODEL',
    of: 'BRANCHES',
  },
  {
    id: 'COMMUNE_TEAM_COVERAGE',
    nameVi: 'Tỷ lệ xã, phường có Tổ chuyển đổi số cộng đồng',
    nameEn: 'Communes with a Community Digital Transformation Team',
    description:
      'Share of communes and wards active at the end of the period with at least one Community Digital Transformation Team active at the end (ratio).',
    kind: 'RATIO',
    source: 'teams, units',
    numerator: 'communes/wards active at End with ≥ 1 Community Digital Transformation Team active at End',
    denominator: 'communes/wards active at End',
    counts: 'COMMUNES_WITH_TEAM',
    of: 'COMMUNES',
  },
  {
    id: 'DIGITAL_TEAM_MEMBERS',
    nameVi: 'Số thanh niên tham gia Tổ công nghệ số cộng đồng',
    nameEn: 'Youth in community digital technology teams',
    description:
      'Roster entries active at the end of the period on teams active at the end; a person on two teams counts twice, so the KPI adds up the tree (stock).',
    kind: 'STOCK',
    source: 'team rosters',
    numerator: 'roster entries active at End on teams active at End',
    counts: 'TEAM_MEMBERS',
      },
  {
    id: 'MEMBER_DATA_DIGITIZED',
    nameVi: 'Tỷ lệ đoàn viên được cập nhật dữ liệu trên phần mềm quản lý',
    nameEn: 'Members with digitized data',
    description:
      'Share of members active at the end of the period whose profile was digitized in the member-management software before the end (ratio).',
    kind: 'RATIO',
    source: 'members',
    numerator: 'members active at End whose profile was digitized before End',
    denominator: 'members active at End',
    counts: 'MEMBERS_DIGITIZED',
    of: 'MEMBERS',
  },
  {
    id: 'MEMBERS_EVALUATED',
    nameVi: 'Tỷ lệ đoàn viên được đánh giá, xếp loại trên phần mềm',
    nameEn: 'Members evaluated on the software',
    description:
      'Share of members active at the end of the period holding a yearly evaluation for year Y recorded before the end, where Y is the year of the period’s last day when that day is in December, else the year before (ratio). Evaluations are made at year end: "2026-10" and "2026-Q3" read the 2025 evaluations; "2026", "2026-Q4", "2026-H2" and "2026-12" read the 2026 ones, which count only once recorded, in December, so they stay at 0 % until then.',
    kind: 'RATIO',
    source: 'members, member evaluations',
    numerator: 'members active at End holding an evaluation for year Y recorded before End',
    denominator: 'members active at End',
    counts: 'MEMBERS_EVALUATED',
    of: 'MEMBERS',
  },
  {
    id: 'APP_ADOPTION',
    nameVi: 'Tỷ lệ đoàn viên sử dụng ứng dụng Thanh niên Việt Nam',
    nameEn: 'Members using the Vietnam Youth app',
    description:
      'Share of members active at the end of the period who activated the Vietnam Youth app ("Thanh niên Việt Nam") before the end (ratio).',
    kind: 'RATIO',
    source: 'members',
    numerator: 'members active at End who activated the Vietnam Youth app before End',
    denominator: 'members active at End',
    counts: 'MEMBERS_APP',
    of: 'MEMBERS',
  },
  {
    id: 'STARTUP_PRODUCTS_LISTED',
    nameVi: 'Số sản phẩm khởi nghiệp trên cổng thông tin',
    nameEn: 'Startup products listed',
    description:
      'Startup products listed on the union’s startup portal before the end of the period and not delisted before the end (stock).',
    kind: 'STOCK',
    source: 'startup products',
    numerator: 'products listed before End and not delisted before End',
    counts: 'PRODUCTS_LISTED',
      },
  {
    id: 'RELICS_DIGITIZED',
    nameVi: 'Số di tích được số hóa',
    nameEn: 'Relics digitized',
    description: 'Historical and cultural relics digitized (360° VR, QR "red address") before the end of the period (stock).',
    kind: 'STOCK',
    source: 'relics',
    numerator: 'relics digitized before End',
    counts: 'RELICS_DIGITIZED',
      },
  flow('VNEID_INSTALLS', 'Số người dân được hỗ trợ cài đặt VNeID', 'Citizens helped to install VNeID', 'citizens helped to install VNeID'),
  flow(
    'VNEID_ACTIVATIONS',
    'Số người dân được hỗ trợ kích hoạt VNeID',
    'Citizens helped to activate VNeID',
    'citizens helped to activate VNeID (level-2 identity)',
  ),
  flow(
    'DIGITAL_ACCOUNTS',
    'Số tài khoản số được cài đặt cho người dân',
    'Digital accounts installed for citizens',
    'digital accounts installed for citizens (e-wallet, digital-citizen app, e-commerce)',
  ),
  flow(
    'ECOMMERCE_PRODUCTS',
    'Số sản phẩm được đưa lên sàn thương mại điện tử',
    'Products brought onto e-commerce',
    'farmers’ and local products brought onto e-commerce platforms',
  ),
  flow(
    'DIGITAL_SKILLS_TRAINED',
    'Số người dân được tập huấn kỹ năng số cơ bản',
    'Citizens trained in basic digital skills',
    'citizens trained in the five basic digital skills',
  ),
] as const satisfies readonly KpiEntry[];

export type KpiId = (typeof ENTRIES)[number]['id'];
/** The kinds of activity report: the flows summed from reports. */
export type ReportKind = Extract<(typeof ENTRIES)[number], { kind: 'FLOW' }>['id'];
/** A series' id: a shared series, or a KPI's own. */
export type Series = string;

/** Everything derived from a list of entries: the exports below for the KPIs above (a test may make them with more entries). */
export function defineCatalogue(entries: readonly KpiEntry[]) {
  const series = new Map<string, SeriesDefinition>(Object.entries(SHARED_SERIES));
  const seriesOf = (kpi: string, s: string | SeriesDefinition | undefined): string | null => {
    if (s === undefined) return null;
    if (typeof s === 'string') {
      if (!series.has(s)) throw new Error(`${kpi}: no series ${s}`);
      return s;
    }
    if (series.has(kpi)) throw new Error(`${kpi}: a series of that name is declared twice`);
    series.set(kpi, s);
    return kpi;
  };
  const KPIS: KpiDefinition[] = entries.map((e) => {
    if ((e.kind === 'RATIO') !== (e.of !== undefined)) throw new Error(`${e.id}: a ratio, and only a ratio, is a share of a series`);
    const numeratorSeries = seriesOf(e.id, e.counts)!;
    const type = series.get(numeratorSeries)!.type;
    if ((type === 'FLOW') !== (e.kind === 'FLOW')) throw new Error(`${e.id}: a ${e.kind} counts a ${type} series`);
    const denominatorSeries = seriesOf(e.id, e.of);
    return {
      id: e.id as KpiId,
      nameVi: e.nameVi,
      nameEn: e.nameEn,
      description: e.description,
      kind: e.kind,
      unitOfMeasure: e.kind === 'RATIO' ? 'PERCENT' : 'COUNT',
      higherIsBetter: e.higherIsBetter ?? true,
      source: e.source,
      numerator: e.numerator,
      denominator: e.denominator ?? null,
      numeratorSeries,
      denominatorSeries,
      series: denominatorSeries ? [numeratorSeries, denominatorSeries] : [numeratorSeries],
    };
  });
  const byId = new Map(KPIS.map((k) => [k.id as string, k]));
  const reportKinds = [...series.values()].flatMap((s) => (s.type === 'FLOW' && s.records === 'reports' ? [s.reportKind!] : []));
  return {
    KPIS,
    KPI_IDS: KPIS.map((k) => k.id) as unknown as readonly [KpiId, ...KpiId[]],
    REPORT_KINDS: reportKinds as unknown as readonly [ReportKind, ...ReportKind[]],
    /** Every series, shared and own, by id. */
    SERIES: series as ReadonlyMap<Series, SeriesDefinition>,
    kpiDefinition(id: KpiId): KpiDefinition {
      const def = byId.get(id);
      if (!def) throw new Error(`unknown KPI ${id}`);
      return def;
    },
  };
}

export const { KPIS, KPI_IDS, REPORT_KINDS, SERIES, kpiDefinition } = defineCatalogue(ENTRIES);

/**
 * The evaluation year that MEMBERS_EVALUATED looks for: the year of the period's last
 * day when that day is in December, else the year before (evaluations are done at year end).
 */
export function evaluationYear(lastDay: { year: number; month: number }): number {
  return lastDay.month === 12 ? lastDay.year : lastDay.year - 1;
}

/** A ratio as a percentage; null on a zero denominator. */
export function ratioPercent(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : (100 * numerator) / denominator;
}

/** The years a member can be evaluated for, and born in (the tables check them; so do the import and the mutations). */
export const EVALUATION_YEARS = { min: 1950, max: 2100 } as const;
export const BIRTH_YEARS = { min: 1900, max: 2100 } as const;

/** The largest count one activity report may hold (DOMAIN.md: a commune helps at most tens of thousands a month). */
export const REPORT_COUNT_MAX = 1_000_000;

/**
 * The two readings of history across reorganisations (DOMAIN.md): AS_OF_THEN counts each
 * period in the tree as it stood then; CURRENT_TREE restates it onto today's units.
 */
export const HISTORY_VIEWS = ['AS_OF_THEN', 'CURRENT_TREE'] as const;
export type HistoryView = (typeof HISTORY_VIEWS)[number];
/** The views a value sums in the roll-ups and unit_ancestry: 0 (AS_OF_THEN), or 0 and 1 (CURRENT_TREE's corrections). */
export const viewLevel = (view: HistoryView): 0 | 1 => (view === 'CURRENT_TREE' ? 1 : 0);
