// The leadership dashboard: a unit, a month and a group of KPIs; each KPI against its year's
// target with its status, a 24-month trend, the children side by side (table, bars,
// downloads), the laggards and the unit's rank. Only the public GraphQL API, through the
// persisted operations of schema/operations/.
import uPlot from '/dashboard/vendor/uPlot.esm.js';
import { OPERATIONS } from '/dashboard/operations.js';
import { SESSION } from '/dashboard/session.js';

const TEXT = {
  vi: {
    title: 'Chuyển đổi số của Đoàn — bảng điều khiển',
    searchPlaceholder: 'Tìm đơn vị (vd. lang son)',
    month: 'Tháng',
    group: 'Nhóm chỉ tiêu',
    lang: 'English',
    laggards: 'Đơn vị trực thuộc chậm nhất',
    downloadCsv: 'Tải CSV',
    downloadXlsx: 'Tải Excel',
    groups: { all: 'Tất cả', members: 'Đoàn viên', coverage: 'Mô hình và tổ', citizens: 'Hỗ trợ người dân', products: 'Sản phẩm và di tích' },
    status: { ACHIEVED: 'Đạt', ON_TRACK: 'Đúng tiến độ', AT_RISK: 'Có nguy cơ', BEHIND: 'Chậm', NO_TARGET: 'Chưa có chỉ tiêu', NO_DATA: 'Chưa có số liệu' },
    reasons: { BEHIND_PACE: 'chậm tiến độ', NO_REPORT_THIS_MONTH: 'chưa báo cáo tháng này', NO_TARGET: 'chưa có chỉ tiêu' },
    target: 'Chỉ tiêu', toDate: 'đến nay', achieved: 'đạt', monthValue: 'Tháng', rank: 'Hạng', points: 'điểm',
    asOf: (day, year) => `Tiến độ năm ${year} tính đến hết ngày ${day}`,
    trend: (kpi) => `${kpi}: 24 tháng gần nhất`,
    breakdown: (kpi, month) => `${kpi} theo đơn vị trực thuộc, tháng ${month}`,
    columns: { rank: 'Hạng', unit: 'Đơn vị', value: 'Giá trị', numerator: 'Tử số', denominator: 'Mẫu số' },
    header: { period: 'Kỳ', unit: 'Đơn vị', view: 'Cách tính', viewValue: 'Theo cây tổ chức tại thời điểm cuối kỳ', kpi: 'Chỉ tiêu', definition: 'Định nghĩa' },
    noChildren: 'Không có đơn vị trực thuộc.',
    error: 'Không tải được dữ liệu: ',
  },
  en: {
    title: 'Youth Union digital transformation — dashboard',
    searchPlaceholder: 'Find a unit (e.g. lang son)',
    month: 'Month',
    group: 'KPI group',
    lang: 'Tiếng Việt',
    laggards: 'Children furthest behind',
    downloadCsv: 'Download CSV',
    downloadXlsx: 'Download Excel',
    groups: { all: 'All', members: 'Members', coverage: 'Models and teams', citizens: 'Citizens helped', products: 'Products and relics' },
    status: { ACHIEVED: 'Achieved', ON_TRACK: 'On track', AT_RISK: 'At risk', BEHIND: 'Behind', NO_TARGET: 'No target', NO_DATA: 'No data' },
    reasons: { BEHIND_PACE: 'behind pace', NO_REPORT_THIS_MONTH: 'no report this month', NO_TARGET: 'no target' },
    target: 'Target', toDate: 'to date', achieved: 'achieved', monthValue: 'Month', rank: 'Rank', points: 'points',
    asOf: (day, year) => `${year} progress to the end of ${day}`,
    trend: (kpi) => `${kpi}: the last 24 months`,
    breakdown: (kpi, month) => `${kpi} by child unit, ${month}`,
    columns: { rank: 'Rank', unit: 'Unit', value: 'Value', numerator: 'Numerator', denominator: 'Denominator' },
    header: { period: 'Period', unit: 'Unit', view: 'View', viewValue: 'As the tree stood at the end of the period', kpi: 'KPI', definition: 'Definition' },
    noChildren: 'No units below.',
    error: 'Could not load: ',
  },
};

const GROUPS = {
  all: null,
  members: ['MEMBER_DATA_DIGITIZED', 'MEMBERS_EVALUATED', 'APP_ADOPTION'],
  coverage: ['DIGITAL_MODEL_COVERAGE', 'COMMUNE_TEAM_COVERAGE', 'DIGITAL_TEAM_MEMBERS'],
  citizens: ['VNEID_INSTALLS', 'VNEID_ACTIVATIONS', 'DIGITAL_ACCOUNTS', 'ECOMMERCE_PRODUCTS', 'DIGITAL_SKILLS_TRAINED'],
  products: ['STARTUP_PRODUCTS_LISTED', 'RELICS_DIGITIZED'],
};

const params = new URLSearchParams(location.hash.slice(1));
const state = {
  lang: params.get('lang') === 'en' ? 'en' : 'vi',
  unit: params.get('unit') ?? null,
  month: params.get('month') ?? '2026-10',
  group: params.get('group') ?? 'all',
  kpi: params.get('kpi') ?? 'APP_ADOPTION',
  sort: { key: 'rank', descending: false },
  catalogue: new Map(),
  screen: null,
  breakdown: [],
};

const $ = (id) => document.getElementById(id);
const t = () => TEXT[state.lang];
const locale = () => (state.lang === 'vi' ? 'vi-VN' : 'en-GB');
const number = (v, digits = 1) => (v === null || v === undefined ? '—' : new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(v));
const kpiName = (id) => {
  const k = state.catalogue.get(id);
  return k ? (state.lang === 'vi' ? k.nameVi : k.nameEn) : id;
};
const shown = (id, v) => (v === null || v === undefined ? '—' : state.catalogue.get(id)?.unitOfMeasure === 'PERCENT' ? `${number(v)} %` : number(v, 0));

// ── the API ────────────────────────────────────────────────────────────────

const hashes = new Map();
async function sha256(text) {
  if (!hashes.has(text)) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    hashes.set(text, [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''));
  }
  return hashes.get(text);
}

/** Sends a persisted operation by its hash; rejects with the API's messages. */
async function gql(name, variables = {}) {
  const headers = { 'content-type': 'application/json' };
  if (SESSION.token) headers.authorization = `Bearer ${SESSION.token}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ operationName: name, variables, extensions: { persistedQuery: { version: 1, sha256Hash: await sha256(OPERATIONS[name]) } } }),
  });
  const body = await response.json();
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join('; '));
  return body.data;
}

// ── state in the address, so that a view can be shared ────────────────────

function remember() {
  const p = new URLSearchParams({ unit: state.unit, month: state.month, group: state.group, kpi: state.kpi, lang: state.lang });
  history.replaceState(null, '', `#${p}`);
}

// ── rendering ──────────────────────────────────────────────────────────────

function translate() {
  document.documentElement.lang = state.lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t()[el.dataset.t];
  for (const el of document.querySelectorAll('[data-t-placeholder]')) el.placeholder = t()[el.dataset.tPlaceholder];
  document.title = t().title;
  $('lang').textContent = t().lang;
  const group = $('group');
  group.replaceChildren(...Object.keys(GROUPS).map((g) => new Option(t().groups[g], g, false, g === state.group)));
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const visibleKpis = () => {
  const ids = GROUPS[state.group];
  return state.screen.targetProgress.kpis.filter((k) => !ids || ids.includes(k.kpi.id));
};

function renderScreen() {
  const unit = state.screen;
  const progress = unit.targetProgress;
  $('crumbs').replaceChildren(
    ...unit.ancestors.flatMap((a) => [el('a', { onclick: () => go(a.code), dataset: { code: a.code } }, a.name), el('span', { class: 'sep' }, '›')]),
    el('span', {}, unit.name),
  );
  $('unit-name').textContent = `${unit.name} (${unit.code})`;
  $('rank').textContent = progress.rank ? `${t().rank} ${progress.rank.rank}/${progress.rank.of} · ${number(progress.rank.score, 2)} ${t().points}` : '';
  $('as-of').textContent = t().asOf(new Date(`${progress.today}T00:00:00+07:00`).toLocaleDateString(locale(), { timeZone: 'Asia/Ho_Chi_Minh' }), state.month.slice(0, 4));
  const monthValues = new Map(unit.kpis.map((v) => [v.kpi.id, v]));
  $('cards').replaceChildren(
    ...visibleKpis().map((p) => {
      const id = p.kpi.id;
      const month = monthValues.get(id);
      return el(
        'article',
        { class: `card ${p.status}${id === state.kpi ? ' selected' : ''}`, dataset: { kpi: id, status: p.status }, onclick: () => selectKpi(id) },
        el('h4', {}, kpiName(id)),
        el('div', { class: 'value', dataset: { value: month?.value ?? '' } }, shown(id, month?.value)),
        el('div', { class: 'line' }, `${t().monthValue} ${state.month}`),
        el('div', { class: 'line' }, `${t().target} ${shown(id, p.target)} · ${t().toDate} ${shown(id, p.actual)}${p.percentAchieved === null ? '' : ` · ${t().achieved} ${number(p.percentAchieved)} %`}`),
        el('span', { class: `status ${p.status}` }, t().status[p.status]),
      );
    }),
  );
  $('laggards').replaceChildren(
    ...progress.laggingChildren.map((l) =>
      el('li', {}, el('a', { onclick: () => go(l.unit.code) }, l.unit.name), ` — ${kpiName(l.kpi.id)}: ${l.reasons.map((r) => t().reasons[r]).join(', ')}`),
    ),
  );
}

let trendChart = null;
let barChart = null;

function lineChart(target, labels, values, title) {
  const width = Math.max(320, target.clientWidth || 640);
  const data = [labels.map((_, i) => i), values];
  const opts = {
    width,
    height: 240,
    title,
    scales: { x: { time: false } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => labels[i] ?? '') }, { values: (_u, ticks) => ticks.map((v) => number(v)) }],
    series: [{}, { label: title, stroke: '#0b5cab', width: 2, points: { show: true }, value: (_u, v) => number(v) }],
    legend: { show: false },
  };
  return new uPlot(opts, data, target);
}

function barsChart(target, labels, values) {
  const width = Math.max(320, target.clientWidth || 900);
  const bars = uPlot.paths.bars({ size: [0.7, 60] });
  const opts = {
    width,
    height: 240,
    scales: { x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.05 : 1] } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => (Number.isInteger(i) ? (labels[i] ?? '') : '')), rotate: -40, size: 70 }, { values: (_u, ticks) => ticks.map((v) => number(v)) }],
    series: [{}, { label: kpiName(state.kpi), fill: 'rgba(11,92,171,0.6)', stroke: '#0b5cab', paths: bars, points: { show: false } }],
    legend: { show: false },
  };
  return new uPlot(opts, [labels.map((_, i) => i), values], target);
}

async function renderTrend() {
  const [year, month] = state.month.split('-').map(Number);
  const start = new Date(Date.UTC(year, month - 1 - 23, 1));
  const from = `${start.getUTCFullYear()}-${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
  const data = await gql('KpiTrend', { unit: state.unit, kpi: state.kpi, from, to: state.month });
  const points = data.unit.series;
  $('trend-title').textContent = t().trend(kpiName(state.kpi));
  trendChart?.destroy();
  $('trend').replaceChildren();
  trendChart = lineChart($('trend'), points.map((p) => p.period.id), points.map((p) => p.value), kpiName(state.kpi));
  $('trend').dataset.points = String(points.length);
}

const COLUMNS = ['rank', 'unit', 'value', 'numerator', 'denominator'];

function sortedBreakdown() {
  const { key, descending } = state.sort;
  const value = (r) => (key === 'unit' ? r.unit.name : r[key]);
  return [...state.breakdown].sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === y) return a.unit.code < b.unit.code ? -1 : 1;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const order = typeof x === 'string' ? x.localeCompare(y, 'vi') : x - y;
    return descending ? -order : order;
  });
}

function renderBreakdown() {
  $('breakdown-title').textContent = t().breakdown(kpiName(state.kpi), state.month);
  const head = $('breakdown').querySelector('thead tr');
  head.replaceChildren(
    ...COLUMNS.map((c) =>
      el(
        'th',
        {
          class: c === 'unit' ? '' : 'num',
          dataset: { key: c },
          ...(state.sort.key === c ? { 'aria-sort': state.sort.descending ? 'descending' : 'ascending' } : {}),
          onclick: () => {
            state.sort = { key: c, descending: state.sort.key === c ? !state.sort.descending : c === 'value' };
            renderBreakdown();
          },
        },
        t().columns[c],
      ),
    ),
  );
  const rows = sortedBreakdown();
  $('breakdown').querySelector('tbody').replaceChildren(
    ...(rows.length === 0
      ? [el('tr', {}, el('td', { colspan: String(COLUMNS.length) }, t().noChildren))]
      : rows.map((r) =>
          el(
            'tr',
            { dataset: { code: r.unit.code }, onclick: () => go(r.unit.code) },
            el('td', { class: 'num' }, r.rank === null ? '—' : String(r.rank)),
            el('td', {}, r.unit.name),
            el('td', { class: 'num', dataset: { value: r.value ?? '' } }, shown(state.kpi, r.value)),
            el('td', { class: 'num' }, number(r.numerator, 0)),
            el('td', { class: 'num' }, number(r.denominator, 0)),
          ),
        )),
  );
  barChart?.destroy();
  $('bars').replaceChildren();
  // The bars: the units with a value, in the table's order, 30 at most.
  const charted = rows.filter((r) => r.value !== null).slice(0, 30);
  if (charted.length > 0) barChart = barsChart($('bars'), charted.map((r) => r.unit.name), charted.map((r) => r.value));
}

async function loadBreakdown() {
  const data = await gql('Breakdown', { unit: state.unit, kpi: state.kpi, period: state.month, first: 200 });
  state.breakdown = data.unit.breakdown.nodes;
  renderBreakdown();
}

// ── downloads ──────────────────────────────────────────────────────────────

/** The header of a download: period, unit, view and the KPI's definition. */
function exportHeader() {
  const k = state.catalogue.get(state.kpi);
  const h = t().header;
  return [
    [h.period, state.month],
    [h.unit, `${state.screen.name} (${state.screen.code})`],
    [h.view, h.viewValue],
    [h.kpi, `${kpiName(state.kpi)} (${state.kpi})`],
    [h.definition, k?.description ?? ''],
  ];
}

function exportRows() {
  return [COLUMNS.map((c) => t().columns[c]), ...sortedBreakdown().map((r) => [r.rank, r.unit.name, r.value, r.numerator, r.denominator])];
}

function save(blob, name) {
  const a = el('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

const fileName = (ext) => `${state.screen.code}_${state.kpi}_${state.month}.${ext}`;

function downloadCsv() {
  const cell = (v) => (v === null || v === undefined ? '' : /[",\n;]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const lines = [...exportHeader(), [], ...exportRows()].map((row) => row.map(cell).join(','));
  // A byte-order mark, so that Excel reads the Vietnamese as UTF-8.
  save(new Blob(['\ufeff', lines.join('\r\n'), '\r\n'], { type: 'text/csv;charset=utf-8' }), fileName('csv'));
}

let excel = null;
function loadExcel() {
  excel ??= new Promise((resolve, reject) => {
    const script = el('script', { src: '/dashboard/vendor/exceljs.min.js' });
    script.addEventListener('load', () => resolve(window.ExcelJS));
    script.addEventListener('error', () => reject(new Error('exceljs did not load')));
    document.head.append(script);
  });
  return excel;
}

async function downloadXlsx() {
  const ExcelJS = await loadExcel();
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(state.kpi.slice(0, 31));
  for (const row of exportHeader()) sheet.addRow(row).getCell(1).font = { bold: true };
  sheet.addRow([]);
  const [head, ...rows] = exportRows();
  sheet.addRow(head).font = { bold: true };
  for (const row of rows) sheet.addRow(row);
  sheet.getColumn(1).width = 14;
  sheet.getColumn(2).width = 40;
  const buffer = await book.xlsx.writeBuffer();
  save(new Blob([buffer], { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }), fileName('xlsx'));
}

// ── search ─────────────────────────────────────────────────────────────────

let searchRun = 0;
async function suggest(text) {
  const run = ++searchRun;
  const list = $('suggestions');
  if (text.trim().length < 2) {
    list.hidden = true;
    return;
  }
  const data = await gql('SearchUnits', { search: text, first: 8 });
  if (run !== searchRun) return;
  list.replaceChildren(
    ...data.units.nodes.map((u) =>
      el('li', { role: 'option', dataset: { code: u.code }, onclick: () => ((list.hidden = true), ($('search').value = ''), go(u.code)) }, `${u.name} `, el('small', {}, u.parent ? `· ${u.parent.name}` : '')),
    ),
  );
  list.hidden = data.units.nodes.length === 0;
}

// ── loading ────────────────────────────────────────────────────────────────

function lastDay(month) {
  const [y, m] = month.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const today = new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
  return last < today ? last : today;
}

async function load() {
  $('status').textContent = '';
  document.body.dataset.loading = 'true';
  try {
    const data = await gql('LeadershipScreen', { unit: state.unit, year: state.month.slice(0, 4), month: state.month, today: lastDay(state.month) });
    state.screen = data.unit;
    if (!state.screen.targetProgress.kpis.some((k) => k.kpi.id === state.kpi)) state.kpi = state.screen.targetProgress.kpis[0]?.kpi.id ?? state.kpi;
    renderScreen();
    await Promise.all([renderTrend(), loadBreakdown()]);
    remember();
  } catch (error) {
    $('status').textContent = t().error + error.message;
  } finally {
    document.body.dataset.loading = 'false';
  }
}

function go(code) {
  state.unit = code;
  void load();
}

function selectKpi(id) {
  state.kpi = id;
  renderScreen();
  void Promise.all([renderTrend(), loadBreakdown()]).then(remember, (error) => ($('status').textContent = t().error + error.message));
}

async function start() {
  const catalogue = await gql('Catalogue');
  for (const k of catalogue.kpis) state.catalogue.set(k.id, k);
  state.unit ??= catalogue.viewer.unit?.code ?? 'TW';
  $('month').value = state.month;
  translate();
  $('lang').addEventListener('click', () => {
    state.lang = state.lang === 'vi' ? 'en' : 'vi';
    translate();
    renderScreen();
    renderBreakdown();
    void renderTrend();
    remember();
  });
  $('month').addEventListener('change', (e) => {
    if (!e.target.value) return;
    state.month = e.target.value;
    void load();
  });
  $('group').addEventListener('change', (e) => {
    state.group = e.target.value;
    renderScreen();
    remember();
  });
  let timer = 0;
  $('search').addEventListener('input', (e) => {
    clearTimeout(timer);
    timer = setTimeout(() => void suggest(e.target.value).catch((error) => ($('status').textContent = t().error + error.message)), 200);
  });
  $('csv').addEventListener('click', downloadCsv);
  $('xlsx').addEventListener('click', () => void downloadXlsx().catch((error) => ($('status').textContent = t().error + error.message)));
  await load();
}

void start().catch((error) => ($('status').textContent = TEXT[state.lang].error + error.message));
