// Deterministic demo data, as import records: the same seed gives the same records.
// Orders of magnitude follow the reported figures in DOMAIN.md: Lạng Sơn ≈ 50,000
// members, ≈ 98.7 % digitized, ≈ 98 % on the Vietnam Youth app, 100 % evaluated and
// 1,600+ youth in community digital teams; Hà Nội has teams in all 126 communes and
// wards with 5,000+ young people and 322 digitized relics.
import type { ImportRecord, MemberRecord, TargetRecord, UnitRecord } from '../records.js';
import { REPORT_KINDS, type ReportKind } from '../../domain/catalogue.js';
import { BLOC_NAMES, BRANCH_KINDS, PLACE_SYLLABLES, PROVINCES, REAL_COMMUNES, type ProvinceSeed } from './places.js';

export type Scale = 'demo' | 'national';

/** The data describes the Union up to this instant (not the wall clock: output is reproducible). */
export const DEMO_NOW = Date.parse('2026-11-20T00:00:00+07:00');
/** The post-merger map took effect on 1 July 2025; the tree is dated back to the Union's own start here. */
const TREE_FROM = '2018-01-01T00:00:00+07:00';
const HISTORY_FROM = Date.parse('2019-01-01T00:00:00+07:00');

interface Profile {
  communes: number;
  members: number;
  digitized: number;
  app: number;
  evaluated: number;
  teamShare: number;
  rosterSize: [number, number];
  modelShare: number;
  relics: number;
  /** Citizens helped per member and month, per report kind. */
  reportRates: Record<ReportKind, number>;
}

// Lạng Sơn's reported totals (440,000 VNeID installs, 305,000 activations, 630,000 digital
// accounts, 20,000 products on e-commerce) over ≈ 35 months of reports and 50,000 members.
const LANG_SON_RATES: Record<ReportKind, number> = {
  VNEID_INSTALLS: 0.25,
  VNEID_ACTIVATIONS: 0.175,
  DIGITAL_ACCOUNTS: 0.36,
  ECOMMERCE_PRODUCTS: 0.0115,
  DIGITAL_SKILLS_TRAINED: 0.12,
};

function profileOf(p: ProvinceSeed, scale: Scale, rnd: Rng): Profile | null {
  const base: Profile = {
    communes: p.communes,
    members: p.members,
    digitized: 0.9 + rnd.next() * 0.08,
    app: 0.78 + rnd.next() * 0.16,
    evaluated: 0.85 + rnd.next() * 0.13,
    teamShare: 0.45 + rnd.next() * 0.4,
    rosterSize: [8, 30],
    modelShare: 0.35 + rnd.next() * 0.45,
    relics: Math.round(p.communes * (0.5 + rnd.next() * 1.5)),
    reportRates: scaleRates(0.5 + rnd.next()),
  };
  if (p.code === 'LS') {
    Object.assign(base, { digitized: 0.987, app: 0.98, evaluated: 1, teamShare: 1, rosterSize: [24, 27], relics: 48 });
    base.reportRates = LANG_SON_RATES;
  }
  if (p.code === 'HN') Object.assign(base, { teamShare: 1, rosterSize: [40, 44], relics: 322, modelShare: 0.82 });
  if (scale === 'national') return base;
  // The demo scale keeps a few provinces in detail, smaller where the real one is large.
  if (p.code === 'LS') return base;
  if (p.code === 'HN') return { ...base, members: 20_000 };
  if (p.code === 'HUE') return { ...base, members: 5_000 };
  return null;
}

function scaleRates(factor: number): Record<ReportKind, number> {
  return Object.fromEntries(Object.entries(LANG_SON_RATES).map(([k, v]) => [k, v * factor])) as Record<ReportKind, number>;
}

/** mulberry32: small, fast and good enough for demo data. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** A whole-minute instant in [from, to). */
  between(from: number, to: number): number {
    return from + Math.floor((this.next() * (to - from)) / 60_000) * 60_000;
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An instant written in Vietnam time with its +07:00 offset, as partner systems send them. */
export function vietnamIso(ms: number): string {
  const d = new Date(ms + 7 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:00+07:00`;
}

const MODEL_KINDS = ['Chi đoàn số', 'Bình dân học vụ số', 'Sổ tay đoàn viên điện tử', 'Tổ công nghệ số cộng đồng', 'Thanh niên tình nguyện số'];
const PRODUCT_STEMS = ['Chè Shan tuyết', 'Mật ong rừng', 'Hồi khô', 'Miến dong', 'Gạo nếp cái hoa vàng', 'Cà phê', 'Nước mắm', 'Bánh cốm', 'Hạt điều rang', 'Tinh dầu quế'];
const RELIC_STEMS = ['Đình', 'Chùa', 'Đền', 'Di tích lịch sử cách mạng', 'Nhà tưởng niệm', 'Miếu'];

export interface Plan {
  scale: Scale;
  seed: number;
  /** Members the generator will produce (for progress bars). */
  members: number;
}

export function plan(scale: Scale, seed = 1): Plan {
  const rnd = new Rng(seed);
  let members = 0;
  for (const p of PROVINCES) members += profileOf(p, scale, rnd)?.members ?? 0;
  if (scale === 'demo') members += REORGANISED_MEMBERS;
  return { scale, seed, members };
}

/** Communes' names: the real ones known, then generated ones, unique within the province. */
function communeNames(p: ProvinceSeed, count: number, rnd: Rng): string[] {
  const names = [...(REAL_COMMUNES[p.code] ?? [])].slice(0, count);
  const used = new Set(names);
  const wardShare = p.isCity ? 0.55 : 0.12;
  while (names.length < count) {
    const a = rnd.pick(PLACE_SYLLABLES);
    const b = rnd.pick(PLACE_SYLLABLES);
    if (a === b) continue;
    const name = `${rnd.chance(wardShare) ? 'Phường' : 'Xã'} ${a} ${b}`;
    if (!used.has(name)) {
      used.add(name);
      names.push(name);
    }
  }
  return names;
}

/** All records of a demo data set: units first (parents before children), then the rest. */
export function* generate(scale: Scale, seed = 1): Generator<ImportRecord> {
  const rnd = new Rng(seed);
  const profiles = PROVINCES.map((p) => [p, profileOf(p, scale, rnd)] as const);
  yield { type: 'unit', code: 'TW', name: 'Trung ương Đoàn TNCS Hồ Chí Minh', level: 'CENTRAL', validFrom: TREE_FROM };
  for (const [p] of profiles) {
    // At the demo scale Thái Nguyên is the province formed on 1 July 2025 (see `reorganisation`).
    const validFrom = scale === 'demo' && p.code === REORGANISED ? MERGER : TREE_FROM;
    yield { type: 'unit', code: p.code, name: `Đoàn Thanh niên ${p.name}`, level: 'PROVINCE', parent: 'TW', validFrom };
  }
  const reached: ProvinceTally[] = [];
  for (const [p, profile] of profiles) {
    if (profile) reached.push(yield* province(p, profile, rnd));
  }
  if (scale === 'demo') yield* reorganisation(new Rng(seed + 2025));
  yield* targets(reached);
}

/** The province the demo shows the July 2025 reorganisation in, and its members: 10 communes of 5 branches. */
const REORGANISED = 'TN';
const REORGANISED_MEMBERS = 3_000;
const MERGER = '2025-07-01T00:00:00+07:00';
const MERGER_MS = Date.parse(MERGER);

/**
 * The 2025 reorganisation, as it happened to Thái Nguyên: the old provinces of Thái
 * Nguyên and Bắc Kạn merged into the new Thái Nguyên on 1 July 2025; three wards of the
 * old Thái Nguyên merged into one ward (Phan Đình Phùng); a commune of Bắc Kạn split in
 * two (its branches shared between two new communes, the second inheriting its own
 * history). Members, models, teams, products and reports before and after, so trends
 * show across the merger in both views of the API.
 */
function* reorganisation(rnd: Rng): Generator<ImportRecord> {
  const profile: Profile = {
    communes: 5,
    members: 3_000,
    digitized: 0.93,
    app: 0.88,
    evaluated: 0.95,
    teamShare: 0.8,
    rosterSize: [10, 20],
    modelShare: 0.6,
    relics: 6,
    reportRates: scaleRates(0.8),
  };
  const unit = (code: string, name: string, level: UnitRecord['level'], parent: string, validFrom = TREE_FROM): UnitRecord => ({ type: 'unit', code, name, level, parent, validFrom });
  const old: { code: string; name: string; communes: string[] }[] = [
    { code: 'TNC', name: 'Đoàn Thanh niên Tỉnh Thái Nguyên (trước 1/7/2025)', communes: ['Phường Hoàng Văn Thụ', 'Phường Trưng Vương', 'Phường Quang Trung', 'Xã Phúc Xuân', 'Xã Tân Cương'] },
    { code: 'BK', name: 'Đoàn Thanh niên Tỉnh Bắc Kạn', communes: ['Phường Đức Xuân', 'Xã Nông Thượng', 'Xã Dương Quang', 'Xã Bằng Thành', 'Xã Cao Kỳ'] },
  ];
  const fresh = [
    unit(`${REORGANISED}-0001`, 'Phường Phan Đình Phùng', 'COMMUNE', REORGANISED, MERGER),
    unit(`${REORGANISED}-0002`, 'Xã Cao Minh', 'COMMUNE', REORGANISED, MERGER),
    unit(`${REORGANISED}-0003`, 'Xã Kỳ Sơn', 'COMMUNE', REORGANISED, MERGER),
  ];
  const branchesOf = new Map<string, Branch[]>();
  for (const p of old) {
    yield unit(p.code, p.name, 'PROVINCE', 'TW');
    for (const [i, name] of p.communes.entries()) {
      const code = `${p.code}-${pad(i + 1, 4)}`;
      yield unit(code, name, 'COMMUNE', p.code);
      const branches: Branch[] = [];
      for (let j = 1; j <= 5; j++) branches.push({ code: `${code}-${pad(j, 3)}`, members: REORGANISED_MEMBERS / 50 });
      branchesOf.set(code, branches);
      for (const b of branches) yield unit(b.code, `${rnd.pick(BRANCH_KINDS)} ${j(b.code)}`, 'BRANCH', code);
    }
  }
  yield* fresh;
  for (const branches of branchesOf.values()) {
    for (const b of branches) yield* branchMembers(b, profile, rnd);
    for (const b of branches) if (rnd.chance(profile.modelShare)) yield model(b.code, rnd);
  }
  // The communes that closed on 1 July 2025 report until then; the new ones from then on.
  const closing = ['TNC-0001', 'TNC-0002', 'TNC-0003', 'BK-0005'];
  for (const [code, branches] of branchesOf) yield* communeActivity(code, branches, profile, rnd, closing.includes(code) ? { to: MERGER_MS } : {});
  const split = branchesOf.get('BK-0005')!;
  yield* communeActivity(fresh[0]!.code, closing.slice(0, 3).flatMap((c) => branchesOf.get(c)!), profile, rnd, { from: MERGER_MS });
  yield* communeActivity(fresh[1]!.code, split.slice(0, 2), profile, rnd, { from: MERGER_MS });
  yield* communeActivity(fresh[2]!.code, split.slice(2), profile, rnd, { from: MERGER_MS });
  yield* relics({ code: 'TNC', name: '', communes: 5, members: 0, isCity: false }, ['TNC-0004', 'TNC-0005', 'BK-0001', 'BK-0002'], profile, rnd);
  // The wards first (their successor is under the new province already), then the split, then the provinces.
  yield { type: 'reorganisation', change: 'merge', units: closing.slice(0, 3), into: fresh[0]!.code, at: MERGER };
  yield { type: 'reorganisation', change: 'split', unit: 'BK-0005', children: split.slice(0, 2).map((b) => ({ unit: b.code, parent: fresh[1]!.code })), into: fresh[2]!.code, at: MERGER };
  yield { type: 'reorganisation', change: 'merge', units: old.map((p) => p.code), into: REORGANISED, at: MERGER };
}

/** A branch's number, from its code. */
const j = (code: string) => Number(code.slice(-3));

/** What a commune holds, as targets are set from it. */
interface CommuneTally {
  code: string;
  members: number;
  /** Citizens helped a year, per report kind, as its reports are drawn (their mean). */
  flows: Record<ReportKind, number>;
  products: number;
  teamMembers: number;
}
interface ProvinceTally {
  code: string;
  communes: CommuneTally[];
  relics: number;
}

/** The national goals of 2026 for ratios (%), cascaded unchanged to every province and commune. */
const RATIO_GOALS = { DIGITAL_MODEL_COVERAGE: 100, COMMUNE_TEAM_COVERAGE: 100, MEMBER_DATA_DIGITIZED: 95, MEMBERS_EVALUATED: 90, APP_ADOPTION: 80 } as const;
/** How far above where the data stand the 2026 goals for counts are set. */
const FLOW_AMBITION = 1.1;
const STOCK_AMBITION = 1.25;

/** `total` shared in proportion to `weights`, each part rounded (as entered by hand: the parts may miss the total by a little). */
function shares(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (sum === 0 ? 0 : Math.round((total * w) / sum)));
}

/**
 * The 2026 targets: national goals set by the Central Committee (ratios as RATIO_GOALS;
 * counts a little above where the data stand), allocated to the provinces and on to their
 * communes: flows in proportion to members, stocks to what each holds; relics stop at the
 * provinces. Ratios cascade unchanged.
 */
function* targets(provinces: ProvinceTally[]): Generator<ImportRecord> {
  const target = (unit: string, kpi: string, value: number): ImportRecord => ({ type: 'target', unit, kpi: kpi as TargetRecord['kpi'], period: '2026', value });
  for (const [kpi, value] of Object.entries(RATIO_GOALS)) {
    yield target('TW', kpi, value);
    for (const p of provinces) {
      yield target(p.code, kpi, value);
      for (const c of p.communes) yield target(c.code, kpi, value);
    }
  }
  const counts: [kpi: string, of: (c: CommuneTally) => number, ambition: number, weight: (c: CommuneTally) => number][] = [
    ...REPORT_KINDS.map((k): [string, (c: CommuneTally) => number, number, (c: CommuneTally) => number] => [k, (c) => c.flows[k], FLOW_AMBITION, (c) => c.members]),
    ['STARTUP_PRODUCTS_LISTED', (c) => c.products, STOCK_AMBITION, (c) => c.products],
    ['DIGITAL_TEAM_MEMBERS', (c) => c.teamMembers, STOCK_AMBITION, (c) => c.teamMembers],
  ];
  for (const [kpi, of, ambition, weight] of counts) {
    const national = Math.round(ambition * provinces.reduce((a, p) => a + p.communes.reduce((s, c) => s + of(c), 0), 0));
    yield target('TW', kpi, national);
    const perProvince = shares(national, provinces.map((p) => p.communes.reduce((a, c) => a + weight(c), 0)));
    for (const [i, p] of provinces.entries()) {
      yield target(p.code, kpi, perProvince[i]!);
      const perCommune = shares(perProvince[i]!, p.communes.map(weight));
      for (const [j, c] of p.communes.entries()) yield target(c.code, kpi, perCommune[j]!);
    }
  }
  const relics = Math.round(STOCK_AMBITION * provinces.reduce((a, p) => a + p.relics, 0));
  yield target('TW', 'RELICS_DIGITIZED', relics);
  const perProvince = shares(relics, provinces.map((p) => p.relics));
  for (const [i, p] of provinces.entries()) yield target(p.code, 'RELICS_DIGITIZED', perProvince[i]!);
}

interface Branch {
  code: string;
  members: number;
}

function* province(p: ProvinceSeed, profile: Profile, rnd: Rng): Generator<ImportRecord, ProvinceTally> {
  const names = communeNames(p, profile.communes, rnd);
  // Members per commune vary around the mean; branches hold about 60 members each.
  const weights = names.map(() => 0.4 + rnd.next() * 1.2);
  const blocWeight = 0.06;
  const totalWeight = weights.reduce((a, b) => a + b, 0) * (1 + blocWeight);
  const communes: { unit: UnitRecord; branches: Branch[] }[] = [];
  const units: UnitRecord[] = [];
  const branchesOf = (parentCode: string, members: number): Branch[] => {
    const count = Math.max(3, Math.round(members / 60));
    const out: Branch[] = [];
    let left = members;
    for (let i = 1; i <= count; i++) {
      const n = i === count ? left : Math.min(left, Math.round((members / count) * (0.6 + rnd.next() * 0.8)));
      left -= n;
      out.push({ code: `${parentCode}-${pad(i, 3)}`, members: n });
    }
    return out;
  };
  names.forEach((name, i) => {
    const unit: UnitRecord = {
      type: 'unit',
      code: `${p.code}-${pad(i + 1, 4)}`,
      name,
      level: 'COMMUNE',
      parent: p.code,
      validFrom: TREE_FROM,
    };
    communes.push({ unit, branches: branchesOf(unit.code, Math.round((profile.members * weights[i]!) / totalWeight)) });
    units.push(unit);
  });
  const assigned = communes.reduce((a, c) => a + c.branches.reduce((s, b) => s + b.members, 0), 0);
  const bloc: UnitRecord = {
    type: 'unit',
    code: `${p.code}-K01`,
    name: rnd.pick(BLOC_NAMES).replace('tỉnh', p.isCity ? 'thành phố' : 'tỉnh'),
    level: 'BLOC',
    parent: p.code,
    validFrom: TREE_FROM,
  };
  const blocBranches = branchesOf(bloc.code, Math.max(0, profile.members - assigned));
  yield* units;
  yield bloc;
  for (const c of [...communes, { unit: bloc, branches: blocBranches }]) {
    for (const b of c.branches) {
      yield {
        type: 'unit',
        code: b.code,
        name: `${rnd.pick(BRANCH_KINDS)} ${rnd.chance(0.6) ? rnd.int(1, 15) : rnd.pick(PLACE_SYLLABLES)}`,
        level: 'BRANCH',
        parent: c.unit.code,
        validFrom: TREE_FROM,
      };
    }
  }
  for (const c of [...communes, { unit: bloc, branches: blocBranches }]) {
    for (const b of c.branches) yield* branchMembers(b, profile, rnd);
    for (const b of c.branches) {
      if (rnd.chance(profile.modelShare)) yield model(b.code, rnd);
    }
  }
  const tallies: CommuneTally[] = [];
  for (const c of communes) tallies.push(yield* communeActivity(c.unit.code, c.branches, profile, rnd));
  yield* relics(p, communes.map((c) => c.unit.code), profile, rnd);
  return { code: p.code, communes: tallies, relics: profile.relics };
}

function* branchMembers(b: Branch, profile: Profile, rnd: Rng): Generator<MemberRecord> {
  const digitizeFrom = Date.parse('2021-06-01T00:00:00+07:00');
  const appFrom = Date.parse('2023-03-26T00:00:00+07:00');
  for (let i = 1; i <= b.members; i++) {
    // Most members joined before the digital push; the rest join steadily until now.
    const joined = rnd.chance(0.75) ? rnd.between(HISTORY_FROM, Date.parse('2023-01-01T00:00:00+07:00')) : rnd.between(Date.parse('2023-01-01T00:00:00+07:00'), DEMO_NOW - 86_400_000 * 5);
    const left = rnd.chance(0.1) ? rnd.between(joined + 86_400_000 * 30, DEMO_NOW) : null;
    const end = left ?? DEMO_NOW;
    const digitized = rnd.chance(profile.digitized) ? Math.max(joined, rnd.between(digitizeFrom, Date.parse('2025-06-30T00:00:00+07:00'))) : null;
    const app = rnd.chance(profile.app) ? Math.max(joined, rnd.between(appFrom, Date.parse('2026-06-30T00:00:00+07:00'))) : null;
    const evaluations = [];
    for (let year = 2022; year <= 2025; year++) {
      // Members who joined by 1 December are evaluated in the year-end review.
      const yearEnd = Date.parse(`${year}-12-01T00:00:00+07:00`);
      if (joined < yearEnd && end > yearEnd && rnd.chance(profile.evaluated)) {
        evaluations.push({ year, recordedAt: vietnamIso(rnd.between(Date.parse(`${year}-12-05T08:00:00+07:00`), Date.parse(`${year}-12-28T17:00:00+07:00`))) });
      }
    }
    yield {
      type: 'member',
      id: `${b.code}-${pad(i, 4)}`,
      unit: b.code,
      joinedAt: vietnamIso(joined),
      leftAt: left === null ? null : vietnamIso(left),
      digitizedAt: digitized === null || digitized >= end ? null : vietnamIso(digitized),
      appActivatedAt: app === null || app >= end ? null : vietnamIso(app),
      evaluations,
      birthYear: rnd.int(1991, 2010),
      gender: rnd.chance(0.52) ? 'FEMALE' : 'MALE',
    };
  }
}

function model(branchCode: string, rnd: Rng): ImportRecord {
  const established = rnd.between(Date.parse('2022-03-26T00:00:00+07:00'), DEMO_NOW - 86_400_000 * 10);
  const effective = rnd.chance(0.85) ? Math.min(DEMO_NOW - 60_000, established + rnd.int(30, 180) * 86_400_000) : null;
  const ended = rnd.chance(0.05) ? rnd.between(established + 86_400_000 * 90, DEMO_NOW + 86_400_000 * 400) : null;
  return {
    type: 'model',
    id: `${branchCode}-M1`,
    unit: branchCode,
    kind: rnd.pick(MODEL_KINDS),
    establishedAt: vietnamIso(established),
    effectiveFrom: effective === null ? null : vietnamIso(effective),
    endedAt: ended === null || ended > DEMO_NOW ? null : vietnamIso(ended),
  };
}

/** Dates of a commune's activity: from its opening, until its closing. */
interface Window {
  from?: number;
  to?: number;
}

function* communeActivity(code: string, branches: Branch[], profile: Profile, rnd: Rng, window: Window = {}): Generator<ImportRecord, CommuneTally> {
  const from = (ms: number) => Math.max(ms, window.from ?? ms);
  const until = (ms: number) => Math.min(ms, window.to ?? ms);
  const members = branches.reduce((a, b) => a + b.members, 0);
  let teamMembers = 0;
  let products = 0;
  if (rnd.chance(profile.teamShare)) {
    const established = rnd.between(from(Date.parse('2024-01-01T00:00:00+07:00')), until(Date.parse('2025-09-30T00:00:00+07:00')));
    const size = rnd.int(profile.rosterSize[0], profile.rosterSize[1]);
    const roster = [];
    for (let i = 1; i <= size; i++) {
      const joined = rnd.between(established, until(Math.min(DEMO_NOW, established + 86_400_000 * 120)));
      const to = rnd.chance(0.04) ? rnd.between(joined + 86_400_000 * 30, DEMO_NOW) : null;
      roster.push({ person: `${code}-P${pad(i, 3)}`, from: vietnamIso(joined), to: to === null || to >= DEMO_NOW ? null : vietnamIso(to) });
    }
    yield { type: 'team', id: `${code}-T1`, unit: code, establishedAt: vietnamIso(established), roster };
    teamMembers = roster.filter((r) => r.to === null).length;
  }
  const drawn = rnd.int(0, 4);
  for (let i = 1; i <= drawn; i++) {
    const listed = rnd.between(from(Date.parse('2023-01-01T00:00:00+07:00')), until(DEMO_NOW));
    const delisted = rnd.chance(0.1) ? rnd.between(listed + 86_400_000, DEMO_NOW + 86_400_000 * 200) : null;
    yield {
      type: 'product',
      id: `${code}-SP${i}`,
      unit: code,
      name: `${rnd.pick(PRODUCT_STEMS)} ${rnd.pick(PLACE_SYLLABLES)} ${rnd.pick(PLACE_SYLLABLES)}`,
      listedAt: vietnamIso(listed),
      delistedAt: delisted === null || delisted > DEMO_NOW ? null : vietnamIso(delisted),
    };
    if (delisted === null || delisted > DEMO_NOW) products += 1;
  }
  // Monthly reports from January 2024 to October 2026, on a day of the month.
  for (let year = 2024; year <= 2026; year++) {
    for (let month = 1; month <= 12; month++) {
      if (year === 2026 && month > 10) break;
      const monthStart = Date.parse(`${year}-${pad(month)}-01T00:00:00+07:00`);
      if (monthStart < from(monthStart) || monthStart >= until(Infinity)) continue;
      for (const kind of REPORT_KINDS) {
        const count = Math.round(members * profile.reportRates[kind] * (0.5 + rnd.next()));
        yield { type: 'report', unit: code, kind, date: `${year}-${pad(month)}-${pad(rnd.int(1, 28))}`, count };
      }
    }
  }
  // A report's count is members × rate × (0.5 to 1.5): 12 months of its mean.
  const flows = Object.fromEntries(REPORT_KINDS.map((k) => [k, members * profile.reportRates[k] * 12])) as Record<ReportKind, number>;
  return { code, members, flows, products, teamMembers };
}

function* relics(p: ProvinceSeed, communes: string[], profile: Profile, rnd: Rng): Generator<ImportRecord> {
  // The reported figure counts digitized relics; some more are recorded but not yet digitized.
  const recorded = Math.round(profile.relics * 1.15);
  for (let i = 1; i <= recorded; i++) {
    const digitized = i <= profile.relics ? rnd.between(Date.parse('2022-01-01T00:00:00+07:00'), DEMO_NOW) : null;
    yield {
      type: 'relic',
      id: `${p.code}-R${pad(i, 4)}`,
      unit: rnd.pick(communes),
      name: `${rnd.pick(RELIC_STEMS)} ${rnd.pick(PLACE_SYLLABLES)} ${rnd.pick(PLACE_SYLLABLES)}`,
      digitizedAt: digitized === null ? null : vietnamIso(digitized),
    };
  }
}
