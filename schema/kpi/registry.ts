// The KPI catalogue as data: one entry per KPI of DOMAIN.md. The GraphQL enum, its
// descriptions and the docs are generated from these entries.
import { KPI_IDS, type KpiId, type Series } from '../../db/schema.js';

export { KPI_IDS, type KpiId };

/** How a KPI rolls up a tree and across a period. */
export type KpiKind = 'RATIO' | 'STOCK' | 'FLOW';

export interface KpiDefinition {
  id: KpiId;
  nameVi: string;
  nameEn: string;
  description: string;
  kind: KpiKind;
  /** PERCENT for ratios (value = 100 × numerator ÷ denominator), COUNT otherwise. */
  unitOfMeasure: 'PERCENT' | 'COUNT';
  higherIsBetter: boolean;
  /** The data the KPI is computed from. */
  source: string;
  /** What counts, in the words of the contract (numerator, or the value). */
  numerator: string;
  /** What it is a share of (ratios only). */
  denominator: string | null;
  /**
   * How its events are derived: the roll-up series (db/rollup.ts) counted for the value or
   * numerator, and for the denominator of a ratio.
   */
  numeratorSeries: Series;
  denominatorSeries: Series | null;
}

const flow = (id: KpiId, nameVi: string, nameEn: string, what: string): KpiDefinition => ({
  id,
  nameVi,
  nameEn,
  description: `${nameEn}: ${what}, summed over the activity reports dated inside the period (flow).`,
  kind: 'FLOW',
  unitOfMeasure: 'COUNT',
  higherIsBetter: true,
  source: `activity reports of kind ${id}`,
  numerator: `${what}, summed over activity reports dated inside the period`,
  denominator: null,
  numeratorSeries: id as Series,
  denominatorSeries: null,
});

export const KPIS: readonly KpiDefinition[] = [
  {
    id: 'DIGITAL_MODEL_COVERAGE',
    nameVi: 'Tỷ lệ chi đoàn có mô hình thanh niên số hiệu quả',
    nameEn: 'Branches with an effective digital youth model',
    description:
      'Share of grassroots branches active at the end of the period that have at least one digital youth model active and assessed effective at the end (ratio).',
    kind: 'RATIO',
    unitOfMeasure: 'PERCENT',
    higherIsBetter: true,
    source: 'digital youth models, units',
    numerator: 'grassroots branches active at End with ≥ 1 digital youth model that is active and assessed effective at End',
    denominator: 'grassroots branches active at End',
    numeratorSeries: 'BRANCHES_WITH_MODEL',
    denominatorSeries: 'BRANCHES',
  },
  {
    id: 'COMMUNE_TEAM_COVERAGE',
    nameVi: 'Tỷ lệ xã, phường có Tổ chuyển đổi số cộng đồng',
    nameEn: 'Communes with a Community Digital Transformation Team',
    description:
      'Share of communes and wards active at the end of the period with at least one Community Digital Transformation Team active at the end (ratio).',
    kind: 'RATIO',
    unitOfMeasure: 'PERCENT',
    higherIsBetter: true,
    source: 'teams, units',
    numerator: 'communes/wards active at End with ≥ 1 Community Digital Transformation Team active at End',
    denominator: 'communes/wards active at End',
    numeratorSeries: 'COMMUNES_WITH_TEAM',
    denominatorSeries: 'COMMUNES',
  },
  {
    id: 'DIGITAL_TEAM_MEMBERS',
    nameVi: 'Số thanh niên tham gia Tổ công nghệ số cộng đồng',
    nameEn: 'Youth in community digital technology teams',
    description:
      'Roster entries active at the end of the period on teams active at the end; a person on two teams counts twice, so the KPI adds up the tree (stock).',
    kind: 'STOCK',
    unitOfMeasure: 'COUNT',
    higherIsBetter: true,
    source: 'team rosters',
    numerator: 'roster entries active at End on teams active at End',
    denominator: null,
    numeratorSeries: 'TEAM_MEMBERS',
    denominatorSeries: null,
  },
  {
    id: 'MEMBER_DATA_DIGITIZED',
    nameVi: 'Tỷ lệ đoàn viên được cập nhật dữ liệu trên phần mềm quản lý',
    nameEn: 'Members with digitized data',
    description:
      'Share of members active at the end of the period whose profile was digitized in the member-management software before the end (ratio).',
    kind: 'RATIO',
    unitOfMeasure: 'PERCENT',
    higherIsBetter: true,
    source: 'members',
    numerator: 'members active at End whose profile was digitized before End',
    denominator: 'members active at End',
    numeratorSeries: 'MEMBERS_DIGITIZED',
    denominatorSeries: 'MEMBERS',
  },
  {
    id: 'MEMBERS_EVALUATED',
    nameVi: 'Tỷ lệ đoàn viên được đánh giá, xếp loại trên phần mềm',
    nameEn: 'Members evaluated on the software',
    description:
      'Share of members active at the end of the period holding a yearly evaluation for year Y recorded before the end, where Y is the year of the period’s last day when that day is in December, else the year before (ratio). Evaluations are made at year end: "2026-10" and "2026-Q3" read the 2025 evaluations; "2026", "2026-Q4", "2026-H2" and "2026-12" read the 2026 ones, which count only once recorded, in December, so they stay at 0 % until then.',
    kind: 'RATIO',
    unitOfMeasure: 'PERCENT',
    higherIsBetter: true,
    source: 'members, member evaluations',
    numerator: 'members active at End holding an evaluation for year Y recorded before End',
    denominator: 'members active at End',
    numeratorSeries: 'MEMBERS_EVALUATED',
    denominatorSeries: 'MEMBERS',
  },
  {
    id: 'APP_ADOPTION',
    nameVi: 'Tỷ lệ đoàn viên sử dụng ứng dụng Thanh niên Việt Nam',
    nameEn: 'Members using the Vietnam Youth app',
    description:
      'Share of members active at the end of the period who activated the Vietnam Youth app ("Thanh niên Việt Nam") before the end (ratio).',
    kind: 'RATIO',
    unitOfMeasure: 'PERCENT',
    higherIsBetter: true,
    source: 'members',
    numerator: 'members active at End who activated the Vietnam Youth app before End',
    denominator: 'members active at End',
    numeratorSeries: 'MEMBERS_APP',
    denominatorSeries: 'MEMBERS',
  },
  {
    id: 'STARTUP_PRODUCTS_LISTED',
    nameVi: 'Số sản phẩm khởi nghiệp trên cổng thông tin',
    nameEn: 'Startup products listed',
    description:
      'Startup products listed on the union’s startup portal before the end of the period and not delisted before the end (stock).',
    kind: 'STOCK',
    unitOfMeasure: 'COUNT',
    higherIsBetter: true,
    source: 'startup products',
    numerator: 'products listed before End and not delisted before End',
    denominator: null,
    numeratorSeries: 'PRODUCTS_LISTED',
    denominatorSeries: null,
  },
  {
    id: 'RELICS_DIGITIZED',
    nameVi: 'Số di tích được số hóa',
    nameEn: 'Relics digitized',
    description: 'Historical and cultural relics digitized (360° VR, QR "red address") before the end of the period (stock).',
    kind: 'STOCK',
    unitOfMeasure: 'COUNT',
    higherIsBetter: true,
    source: 'relics',
    numerator: 'relics digitized before End',
    denominator: null,
    numeratorSeries: 'RELICS_DIGITIZED',
    denominatorSeries: null,
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
];

const byId = new Map(KPIS.map((k) => [k.id, k]));

export function kpiDefinition(id: KpiId): KpiDefinition {
  const def = byId.get(id);
  if (!def) throw new Error(`unknown KPI ${id}`);
  return def;
}

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
