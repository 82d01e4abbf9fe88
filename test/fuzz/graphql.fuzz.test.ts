// Generated GraphQL requests against the real HTTP server (FUZZ_RUNS of them, default
// 10,000; FUZZ_SEED replays a run): malformed documents and bodies, bad and odd arguments,
// documents past the limits, and mutations with bad inputs, from every kind of caller
// (anonymous, VIEWER, LEADER, UNIT_ADMIN, CENTRAL_ADMIN, a partner key, wrong credentials).
// Every answer: below 500, JSON, every error with a code and the request id, no SQL and no
// stack trace, no INTERNAL_SERVER_ERROR, and an error for a bad input. A refused mutation
// leaves every base table and the roll-ups as they were.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertConcurrently,
  C1_MEMBERS,
  C1_SUBTREE,
  callerArb,
  checkResponse,
  codeArb,
  cursorArb,
  dbSnapshot,
  describe as describeRequest,
  EnumValue,
  extremeNumber,
  FUZZ_RUNS,
  FUZZ_SEED,
  graphqlRefuses,
  hugeString,
  KNOWN_CODES,
  KPI_IDS,
  kpiLiteralArb,
  literal,
  MEMBERS,
  oddString,
  openWorld,
  pageOk,
  periodArb,
  printable,
  refused,
  request,
  requestIdArb,
  send,
  sinceArb,
  snapshotDiff,
  validRecord,
  brokenNdjson,
  weirdString,
  WRITERS,
  type FuzzRequest,
  type FuzzWorld,
  type Sent,
} from './support.js';

let world: FuzzWorld;
beforeAll(async () => {
  world = await openWorld();
});
afterAll(async () => {
  console.log(`[fuzz] ${Object.values(sent).reduce((a, b) => a + b, 0)} requests in all (FUZZ_RUNS ${FUZZ_RUNS}): ${JSON.stringify(sent)}`);
  await world?.close();
});

/** Shares of FUZZ_RUNS per property. */
const SHARE = { malformed: 0.2, arguments: 0.4, limits: 0.2, mutations: 0.2 } as const;
type Property = keyof typeof SHARE;
const runsOf = (p: Property) => Math.max(8, Math.round(FUZZ_RUNS * SHARE[p]));
const sent: Record<Property, number> = { malformed: 0, arguments: 0, limits: 0, mutations: 0 };
const CONCURRENCY = 8;
/** A generous timeout per property: about 30 ms a request, at least 60 s. */
const timeoutOf = (p: Property) => Math.max(60_000, runsOf(p) * 30);

/** The slowest requests of each property, for the log. */
const slowest: Record<Property, { ms: number; kind: string; caller: string }[]> = { malformed: [], arguments: [], limits: [], mutations: [] };

/** Sends a request and checks the answer every request must give. */
async function exchange(property: Property, req: FuzzRequest): Promise<Sent> {
  sent[property] += 1;
  const answer = await send(world, req);
  const slow = slowest[property];
  if (slow.length < 5 || answer.ms > slow[slow.length - 1]!.ms) {
    slow.push({ ms: Math.round(answer.ms), kind: req.kind, caller: req.caller });
    slow.sort((x, y) => y.ms - x.ms).splice(5);
  }
  checkResponse(req, answer);
  return answer;
}

/** An INTERNAL_SERVER_ERROR is a 500 in all but its status: nothing the fuzz sends may cause one. */
function noUnexpectedError(req: FuzzRequest, answer: Sent): void {
  const internal = (answer.json?.errors ?? []).find((e: any) => e?.extensions?.code === 'INTERNAL_SERVER_ERROR');
  if (internal) throw new Error(`INTERNAL_SERVER_ERROR: ${internal.message}\n  request: ${describeRequest(req)}\n  response: HTTP ${answer.status}: ${answer.text.slice(0, 800)}`);
}

/** The check of a read: the answer every request must give, and no unexpected error. */
const read = (property: Property) => async (req: FuzzRequest) => noUnexpectedError(req, await exchange(property, req));

/** Builds a document with its arguments inline or as variables (sometimes of a wrong declared type). */
class Doc {
  readonly variables: Record<string, unknown> = {};
  private readonly defs: string[] = [];
  constructor(
    private readonly inline: boolean,
    private readonly wrongType: string | null = null,
  ) {}

  arg(name: string, type: string, value: unknown): string {
    if (value === undefined) return '';
    if (this.inline) return `${name}: ${literal(value)}`;
    const v = `v${this.defs.length}`;
    this.defs.push(`$${v}: ${this.defs.length === 0 && this.wrongType ? this.wrongType : type}`);
    this.variables[v] = value;
    return `${name}: $${v}`;
  }

  args(...parts: string[]): string {
    const p = parts.filter(Boolean);
    return p.length ? `(${p.join(', ')})` : '';
  }

  text(selection: string, operation = 'query'): string {
    return this.defs.length ? `${operation} Q(${this.defs.join(', ')}) ${selection}` : `${operation} ${selection}`;
  }
}

const wrongTypeArb = fc.option(fc.constantFrom('String', 'Int', 'Float', 'Boolean', 'ID', '[String]', 'KpiId', 'Nope', 'String!', '[[Int]]'), { freq: 8, nil: null });
const docArb = fc.record({ inline: fc.boolean(), wrong: wrongTypeArb });
const kpiValue = (literalText: string) => new EnumValue(literalText);

// ── 1. malformed documents and bodies ─────────────────────────────────────────────────

const VALID_DOCS = [
  '{ viewer { kind role subject writes unit { code } } }',
  '{ unit(code: "C1") { code name kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator suppressed } } }',
  'query Q($c: String!) { unit(code: $c) { children(first: 2) { nodes { code } pageInfo { endCursor } } } }',
  '{ units(search: "dong dang", first: 3) { nodes { code name } } }',
  '{ compare(units: ["C1", "C3"], kpis: [APP_ADOPTION], period: "2026-Q1") { rows { unit { code } values { value } } } }',
  'mutation { recordReport(input: {unit: "C1", kind: VNEID_INSTALLS, date: "2026-03-05", count: 1}) { __typename } }',
  '{ kpis { id nameEn } period(id: "2026-W11") { start end } }',
  'query A { viewer { kind } } query B { kpis { id } }',
  '{ unit(code: "TW") { ...F } } fragment F on Unit { code children { nodes { code } } }',
  '{ changes(period: "2026-03", first: 5) { cursor hasMore values { value } } }',
];
const TOKENS = [
  '{', '}', '(', ')', '[', ']', ':', '$', '@', '...', '!', '=', '|', '&', ',', 'query', 'mutation', 'subscription', 'fragment', 'on', 'unit', 'units', 'viewer',
  'kind', 'code', 'kpi', 'id', 'APP_ADOPTION', '"C1"', '"""block"""', '"\\u0000"', '"\\uD800"', '1', '-1', '1.5e3', '0x1F', 'true', 'null', '#c\n', '\u2028', '\uFEFF',
  '$v', '@include', 'input', 'type', 'schema', 'extend', '__schema', '__typename', '"unterminated', '\u00e9', '😀',
];
/** graphql-armor's token limit (schema/limits.ts). */
const LIMIT_TOKENS = 4_000;
const identifier = fc.stringMatching(/^[_A-Za-z][_0-9A-Za-z]{0,20}$/);

const RAW_BODIES: { text: string; bad?: boolean }[] = [
  { text: '' }, { text: '{' }, { text: '{"query":' }, { text: 'null' }, { text: '[]' }, { text: '[{"query":"{ viewer { kind } }"}]' }, { text: '"{ viewer { kind } }"' },
  { text: '42' }, { text: 'true' }, { text: '{"query": 1}' }, { text: '{"query": null}' }, { text: '{}' }, { text: '{"query": ["{ viewer { kind } }"]}' },
  { text: '{"query": {"a": 1}}' }, { text: '{"query":"{ viewer { kind } }","variables":"x"}' }, { text: '{"query":"{ viewer { kind } }","variables":[1]}' },
  { text: '{"query":"{ viewer { kind } }","variables":5}' }, { text: '{"query":"{ viewer { kind } }","operationName":5}' },
  { text: '{"query":"{ viewer { kind } }","operationName":"Nope"}' }, { text: '{"query":"{ viewer { kind } }"} trailing' },
  { text: '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"00"}}}' },
  { text: '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"' + 'f'.repeat(64) + '"}}}' },
  { text: '{"extensions":{"persistedQuery":{"version":2}}}' },
  { text: '{"query":"{ viewer { kind } }","extensions":"x"}', bad: false },
  { text: '\uFEFF{"query":"{ viewer { kind } }"}', bad: false },
  { text: '{"query":"{ viewer { kind } }","query":"{ kpis { id } }"}', bad: false },
  { text: '{"query":"{ viewer { kind } }","variables":null,"operationName":null}', bad: false },
  { text: '{"query":"\\u0000"}' }, { text: '{"query":"\\uD800"}' }, { text: '{"query":"' + '{'.repeat(5000) + '"}' },
];

/** Whether a raw body must be refused: not a JSON object, or a document graphql-js refuses. */
function rawBad(text: string): boolean {
  let v: any;
  try {
    v = JSON.parse(text);
  } catch {
    return true;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return true;
  if (v.operationName != null && typeof v.operationName !== 'string') return true;
  return graphqlRefuses(v.query, v.variables, v.operationName);
}

function malformedArb(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const doc = fc.constantFrom(...VALID_DOCS);
  const documents = fc.oneof(
    fc.tuple(doc, fc.nat()).map(([d, n]) => ({ kind: 'truncated document', query: d.slice(0, n % d.trimEnd().length) })),
    fc.array(fc.oneof(fc.constantFrom(...TOKENS), identifier), { minLength: 1, maxLength: 40 }).map((ts) => ({ kind: 'random tokens', query: ts.join(' ') })),
    fc.tuple(doc, fc.nat(), fc.constantFrom('{', '}', '(', ')', '[', ']', '"', '"""', '$', '@', ':', '...')).map(([d, n, b]) => ({ kind: 'a brace or mark put in', query: d.slice(0, n % (d.length + 1)) + b + d.slice(n % (d.length + 1)) })),
    fc.tuple(doc, fc.nat()).map(([d, n]) => ({ kind: 'a character taken out', query: d.slice(0, n % d.length) + d.slice((n % d.length) + 1) })),
    fc.tuple(doc, fc.nat(), fc.constantFrom('\u0000', '\uD800', '\u202E', '\u2028', '\uFEFF', '😀', 'e\u0301', '\u200B', '\r', '\\', '\u0085')).map(([d, n, c]) => ({ kind: 'odd Unicode put in', query: d.slice(0, n % (d.length + 1)) + c + d.slice(n % (d.length + 1)) })),
    fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('{', '{ a ', '(', '[', '{ unit(code: [', '"')).map(([n, open]) => ({ kind: 'unbalanced nesting', query: open.repeat(n) })),
    // Nesting as deep as the token limit (4,000) lets a document go: the limits are checked only once it is parsed.
    fc.tuple(fc.integer({ min: 0, max: 120 }), fc.constantFrom('{ a ', '[', '{a: ')).map(([k, open]) => {
      const n = Math.floor(LIMIT_TOKENS / (open === '{a: ' ? 3 : 2)) - k;
      const query = open === '{ a ' ? open.repeat(n) : `{ unit(code: ${open.repeat(n)}"C1"${(open === '[' ? ']' : '}').repeat(n)}) { code } }`;
      return { kind: `nesting ${n} deep under the token limit`, query };
    }),
    fc.integer({ min: 1, max: 3_000 }).map((n) => ({ kind: 'deep list literal', query: `{ unit(code: ${'['.repeat(n)}"C1"${']'.repeat(n)}) { code } }` })),
    fc.constantFrom('', ' ', '# only a comment', '\n\n', 'query', '{}', '{ }', 'subscription { viewer { kind } }', 'query Q { viewer { kind } } query Q { viewer { kind } }', '{ viewer { kind } } { kpis { id } }').map((query) => ({ kind: 'empty or odd document', query })),
  );
  return fc.record({ who: callerArb(w), rid: requestIdArb, shape: fc.oneof({ weight: 5, arbitrary: documents }, { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...RAW_BODIES), fc.tuple(fc.constantFrom(...VALID_DOCS), fc.nat()).map(([d, n]) => ({ text: JSON.stringify({ query: d }).slice(0, n % 60), bad: undefined as boolean | undefined }))) }), operationName: fc.option(fc.oneof(fc.constantFrom('A', 'B', 'Q'), oddString), { freq: 5, nil: undefined }) }).map(({ who, rid, shape, operationName }): FuzzRequest => {
    if ('text' in shape) {
      const bad = shape.bad ?? rawBad(shape.text);
      return printable({ kind: 'raw body', ...who, requestId: rid, body: shape.text, bad: bad || who.caller === 'GARBAGE' });
    }
    const body: Record<string, unknown> = { query: shape.query };
    if (operationName !== undefined) body.operationName = operationName;
    return printable({ kind: shape.kind, ...who, requestId: rid, body, bad: who.caller === 'GARBAGE' || graphqlRefuses(shape.query, undefined, operationName) });
  });
}

// ── 2. bad and odd arguments ──────────────────────────────────────────────────────────

const KPI_SELECTION = 'value numerator denominator suppressed asOf complete valueAt period { id } previous { period { id } value difference } lastYear { value relativeChange }';

function argumentsArb(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const who = callerArb(w);
  const knownCode = fc.constantFrom(...KNOWN_CODES).map((value) => ({ value, bad: false }));
  const someCode = fc.oneof({ weight: 3, arbitrary: knownCode }, { weight: 1, arbitrary: codeArb });
  const pageArg = fc.option(extremeNumber, { freq: 2, nil: undefined });
  const cursor = fc.option(cursorArb, { freq: 3, nil: undefined });
  const common = { who, rid: requestIdArb, doc: docArb };

  const unit = fc.record({ ...common, code: codeArb }).map(({ who, rid, doc, code }) => {
    const d = new Doc(doc.inline, doc.wrong);
    const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { code name level validFrom validTo successor { code } parent { code } ancestors { code } } }`);
    return request('unit(code)', who.caller, q, d.variables, code.bad, { ...who, requestId: rid });
  });

  const kpi = fc.record({ ...common, code: someCode, kpi: kpiLiteralArb, period: periodArb }).map(({ who, rid, doc, code, kpi, period }) => {
    const d = new Doc(doc.inline, doc.wrong);
    const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { kpi${d.args(d.arg('id', 'KpiId!', kpiValue(kpi)), d.arg('period', 'String!', period.value))} { ${KPI_SELECTION} } } }`);
    return request('kpi(id, period)', who.caller, q, d.variables, code.bad || period.bad, { ...who, requestId: rid });
  });

  const idsArb = fc.oneof(
    fc.array(fc.constantFrom(...KPI_IDS), { maxLength: 13 }),
    fc.tuple(fc.constantFrom(...KPI_IDS), fc.integer({ min: 100, max: 20_000 })).map(([id, n]) => Array.from({ length: n }, (_, i) => KPI_IDS[(i * 7 + id.length) % KPI_IDS.length]!)),
    fc.array(fc.oneof(fc.constantFrom(...KPI_IDS), oddString), { minLength: 1, maxLength: 5 }),
    fc.constantFrom<unknown>(null, 'APP_ADOPTION', 5, [null], [[['APP_ADOPTION']]], {}, ''),
  );
  const kpis = fc.record({ who, rid: requestIdArb, code: someCode, ids: fc.option(idsArb, { nil: undefined }), period: periodArb }).map(({ who, rid, code, ids, period }) => {
    const d = new Doc(false);
    const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { kpis${d.args(d.arg('ids', '[KpiId!]', ids), d.arg('period', 'String!', period.value))} { kpi { id } value suppressed } } }`);
    return request('kpis(ids, period)', who.caller, q, d.variables, code.bad || period.bad, { ...who, requestId: rid });
  });

  const ranges = fc.oneof(
    fc.constantFrom(
      { from: '2026-01', to: '2026-12', grain: 'MONTH', bad: false },
      { from: '2025', to: '2026', grain: 'YEAR', bad: false },
      { from: '2026-Q1', to: '2026-Q4', grain: 'QUARTER', bad: false },
      { from: '2026-03-01', to: '2026-03-31', grain: 'DAY', bad: false },
      { from: '2026-W01', to: '2026-W10', grain: 'WEEK', bad: false },
      { from: '2026-12', to: '2026-01', grain: 'MONTH', bad: true },
      { from: '2026', to: '2025', grain: 'YEAR', bad: true },
      { from: '2026-03-31', to: '2026-03-01', grain: 'DAY', bad: true },
      { from: '1900', to: '2199', grain: 'DAY', bad: true },
      { from: '1900', to: '2199', grain: 'WEEK', bad: true },
      { from: '2026-03', to: '2026-03', grain: 'HOUR', bad: true },
    ),
    fc.record({ from: periodArb, to: periodArb, grain: fc.constantFrom('DAY', 'WEEK', 'MONTH', 'QUARTER', 'YEAR') }).map(({ from, to, grain }) => ({ from: from.value, to: to.value, grain, bad: from.bad || to.bad })),
  );
  const series = fc.record({ ...common, code: someCode, kpi: kpiLiteralArb, range: ranges }).map(({ who, rid, doc, code, kpi, range }) => {
    const d = new Doc(doc.inline, doc.wrong);
    const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { series${d.args(d.arg('kpi', 'KpiId!', kpiValue(kpi)), d.arg('from', 'String!', range.from), d.arg('to', 'String!', range.to), d.arg('grain', 'Grain!', new EnumValue(range.grain)))} { period { id } value } } }`);
    return request('series(from, to, grain)', who.caller, q, d.variables, code.bad || range.bad, { ...who, requestId: rid });
  });

  const breakdown = fc
    .record({ ...common, code: someCode, kpi: kpiLiteralArb, period: periodArb, first: pageArg, after: cursor, level: fc.constantFrom(undefined, 'BRANCH', 'COMMUNE', 'CENTRAL', 'NOPE'), orderBy: fc.constantFrom(undefined, 'VALUE_ASC', 'NAME', 'RANK') })
    .map(({ who, rid, doc, code, kpi, period, first, after, level, orderBy }) => {
      const d = new Doc(doc.inline, doc.wrong);
      const args = d.args(
        d.arg('kpi', 'KpiId!', kpiValue(kpi)),
        d.arg('period', 'String!', period.value),
        d.arg('first', 'Int', first),
        d.arg('after', 'String', after?.value),
        d.arg('level', 'UnitLevel', level === undefined ? undefined : new EnumValue(level)),
        d.arg('orderBy', 'BreakdownOrder', orderBy === undefined ? undefined : new EnumValue(orderBy)),
      );
      const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { breakdown${args} { nodes { rank value unit { code } } pageInfo { endCursor hasNextPage } } } }`);
      const bad = code.bad || period.bad || !pageOk(first, 1000) || !!after?.bad || level === 'CENTRAL';
      return request('breakdown(first, after, level)', who.caller, q, d.variables, bad, { ...who, requestId: rid });
    });

  const children = fc.record({ ...common, code: someCode, first: pageArg, last: fc.option(extremeNumber, { freq: 5, nil: undefined }), after: cursor, before: cursor, includeClosed: fc.option(fc.constantFrom<unknown>(true, false, null, 'yes', 1), { nil: undefined }) }).map(
    ({ who, rid, doc, code, first, last, after, before, includeClosed }) => {
      const d = new Doc(doc.inline, doc.wrong);
      const args = d.args(d.arg('first', 'Int', first), d.arg('last', 'Int', last), d.arg('after', 'String', after?.value), d.arg('before', 'String', before?.value), d.arg('includeClosed', 'Boolean', includeClosed));
      const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { children${args} { nodes { code } edges { cursor } pageInfo { startCursor endCursor } } } }`);
      const bad = code.bad || !pageOk(first, 500) || !pageOk(last, 500) || !!after?.bad || !!before?.bad || (last != null && before == null) || (first != null && last != null);
      return request('children(first, last, after, before)', who.caller, q, d.variables, bad, { ...who, requestId: rid });
    },
  );

  const units = fc
    .record({ ...common, search: fc.option(fc.oneof(fc.constantFrom('dong dang', 'Đồng', 'thanh oai', 'xa', '%', '_', '\\', "'"), weirdString), { nil: undefined }), first: pageArg, after: cursor, level: fc.constantFrom(undefined, 'BRANCH', 'COMMUNE', 'Nope') })
    .map(({ who, rid, doc, search, first, after, level }) => {
      const d = new Doc(doc.inline, doc.wrong);
      const args = d.args(d.arg('search', 'String', search), d.arg('first', 'Int', first), d.arg('after', 'String', after?.value), d.arg('level', 'UnitLevel', level === undefined ? undefined : new EnumValue(level)));
      const q = d.text(`{ units${args} { nodes { code name } pageInfo { endCursor hasNextPage } } }`);
      return request('units(search, first, after)', who.caller, q, d.variables, !pageOk(first, 500) || !!after?.bad, { ...who, requestId: rid });
    });

  const unitList = fc.oneof(
    fc.array(fc.constantFrom(...KNOWN_CODES), { minLength: 1, maxLength: 12 }).map((value) => ({ value, bad: false })),
    fc.array(codeArb, { minLength: 0, maxLength: 6 }).map((cs) => ({ value: cs.map((c) => c.value), bad: cs.length === 0 || cs.some((c) => c.bad) })),
    fc.integer({ min: 501, max: 30_000 }).map((n) => ({ value: Array.from({ length: n }, (_, i) => `U${i}`), bad: true })),
    fc.integer({ min: 100, max: 30_000 }).map((n) => ({ value: Array.from({ length: n }, (_, i) => KNOWN_CODES[i % KNOWN_CODES.length]!), bad: false })),
  );
  const compare = fc.record({ who, rid: requestIdArb, list: unitList, ids: fc.option(fc.array(fc.constantFrom(...KPI_IDS), { maxLength: 4 }), { nil: undefined }), period: periodArb }).map(({ who, rid, list, ids, period }) => {
    const d = new Doc(false);
    const q = d.text(`{ compare${d.args(d.arg('units', '[String!]!', list.value), d.arg('kpis', '[KpiId!]', ids), d.arg('period', 'String!', period.value))} { period { id } rows { unit { code } values { value suppressed } } } }`);
    return request('compare(units, kpis, period)', who.caller, q, d.variables, list.bad || period.bad, { ...who, requestId: rid });
  });

  const changes = fc.record({ ...common, period: periodArb, first: pageArg, since: fc.option(sinceArb, { nil: undefined }), level: fc.constantFrom(undefined, 'COMMUNE', 'BRANCH', 'PROVINCE') }).map(({ who, rid, doc, period, first, since, level }) => {
    const d = new Doc(doc.inline, doc.wrong);
    const args = d.args(d.arg('period', 'String!', period.value), d.arg('first', 'Int', first), d.arg('since', 'String', since?.value), d.arg('level', 'UnitLevel', level === undefined ? undefined : new EnumValue(level)));
    const q = d.text(`{ changes${args} { cursor hasMore values { value unit { code } kpi { id } } } }`);
    return request('changes(period, first, since)', who.caller, q, d.variables, period.bad || !pageOk(first, 10_000) || !!since?.bad, { ...who, requestId: rid });
  });

  const period = fc.record({ ...common, period: periodArb }).map(({ who, rid, doc, period }) => {
    const d = new Doc(doc.inline, doc.wrong);
    const q = d.text(`{ period${d.args(d.arg('id', 'String!', period.value))} { id kind start end firstDay lastDay } }`);
    return request('period(id)', who.caller, q, d.variables, period.bad, { ...who, requestId: rid });
  });

  const members = fc.record({ ...common, code: someCode, first: pageArg, after: cursor, includeLeft: fc.option(fc.boolean(), { nil: undefined }) }).map(({ who, rid, doc, code, first, after, includeLeft }) => {
    const d = new Doc(doc.inline, doc.wrong);
    const args = d.args(d.arg('first', 'Int', first), d.arg('after', 'String', after?.value), d.arg('includeLeft', 'Boolean', includeLeft));
    const q = d.text(`{ unit${d.args(d.arg('code', 'String!', code.value))} { members${args} { nodes { id joinedAt unit { code } } } } }`);
    return request('members(first, after)', who.caller, q, d.variables, code.bad || !pageOk(first, 500) || !!after?.bad, { ...who, requestId: rid });
  });

  const simple = fc.record({ who, rid: requestIdArb, kpi: kpiLiteralArb, which: fc.nat(3) }).map(({ who, rid, kpi, which }) => {
    const q = [`{ viewer { kind role subject writes kpis smallCellMinimum unit { code } } }`, `{ kpiDefinition(id: ${kpi}) { id nameVi kind } }`, `{ partnerKeys { id name unit { code } } }`, `{ kpis { id nameEn unitOfMeasure } }`][which]!;
    return request('viewer, kpiDefinition, partnerKeys', who.caller, q, undefined, false, { ...who, requestId: rid });
  });

  return fc.oneof(
    { weight: 2, arbitrary: unit },
    { weight: 3, arbitrary: kpi },
    { weight: 1, arbitrary: kpis },
    { weight: 2, arbitrary: series },
    { weight: 2, arbitrary: breakdown },
    { weight: 2, arbitrary: children },
    { weight: 2, arbitrary: units },
    { weight: 2, arbitrary: compare },
    { weight: 2, arbitrary: changes },
    { weight: 1, arbitrary: period },
    { weight: 1, arbitrary: members },
    { weight: 1, arbitrary: simple },
  );
}

// ── 3. limits: depth, aliases, directives, tokens, cost, unknown names, huge variables ─

function limitsArb(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const who = callerArb(w);
  const shape = fc.oneof(
    fc.integer({ min: 0, max: 200 }).map((n) => ({ kind: `depth: ${n} parents`, query: `{ unit(code: "B11") { ${'parent { '.repeat(n)}code${' }'.repeat(n)} } }`, variables: undefined, bad: n >= 13 })),
    fc.integer({ min: 1, max: 30 }).map((n) => ({ kind: `depth: ${n} children`, query: `{ unit(code: "TW") { ${'children { nodes { '.repeat(n)}code${' } }'.repeat(n)} } }`, variables: undefined, bad: n >= 7 })),
    fc.integer({ min: 1, max: 300 }).map((n) => ({ kind: `${n} aliases`, query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { kind }`).join(' ')} }`, variables: undefined, bad: n >= 42 })),
    fc.integer({ min: 1, max: 200 }).map((n) => ({ kind: `${n} directives`, query: `{ viewer { ${'kind @include(if: true) '.repeat(n)}} }`, variables: undefined, bad: n >= 22 })),
    fc.integer({ min: 1, max: 8_000 }).map((n) => ({ kind: `${n} tokens`, query: `{ viewer { ${'kind '.repeat(n)}} }`, variables: undefined, bad: n >= 4_100 })),
    fc.integer({ min: 1, max: 16 }).map((n) => ({
      kind: `fragments doubling ${n} times`,
      query: `{ unit(code: "C1") { ...F${n} } } fragment F0 on Unit { code } ${Array.from({ length: n }, (_, i) => `fragment F${i + 1} on Unit { ...F${i} ...F${i} }`).join(' ')}`,
      variables: undefined,
      bad: false,
    })),
    fc.constantFrom(
      { kind: 'a fragment cycle', query: '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }', variables: undefined, bad: true },
      { kind: 'cost: units × children × KPIs', query: '{ units(first: 500) { nodes { children(first: 500) { nodes { kpis(period: "2026") { value } } } } } }', variables: undefined, bad: true },
      { kind: 'cost: breakdown × breakdown', query: '{ unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-03", first: 1000, level: BRANCH) { nodes { unit { breakdown(kpi: VNEID_INSTALLS, period: "2026", first: 1000) { nodes { value } } } } } } }', variables: undefined, bad: true },
      { kind: 'introspection', query: '{ __schema { types { name fields { name } } } }', variables: undefined, bad: false },
      { kind: 'a long number', query: `{ units(first: 1${'0'.repeat(1000)}) { nodes { code } } }`, variables: undefined, bad: true },
      { kind: 'a long name', query: `{ ${'a'.repeat(100_000)} }`, variables: undefined, bad: true },
    ),
    fc.tuple(identifier, fc.nat(4)).map(([name, where]) => {
      const queries = [
        `{ unit(code: "C1") { ${name} } }`,
        `{ unit(code: "C1", ${name}: 1) { code } }`,
        `query Q($a: ${name}) { viewer { kind } }`,
        `{ viewer @${name} { kind } }`,
        `{ ${name} { id } }`,
      ];
      return { kind: 'an unknown name', query: queries[where]!, variables: undefined, bad: false };
    }),
    fc.integer({ min: 1, max: 1_000 }).map((n) => {
      let nested: unknown = 'APP_ADOPTION';
      for (let i = 0; i < n; i += 1) nested = [nested];
      return { kind: `a list nested ${n} deep in variables`, query: 'query Q($ids: [KpiId!]) { unit(code: "C1") { kpis(ids: $ids, period: "2026") { value } } }', variables: { ids: nested }, bad: n >= 2 };
    }),
    fc.integer({ min: 1, max: 50_000 }).map((n) => ({ kind: `${n} KPI ids in variables`, query: 'query Q($ids: [KpiId!]) { unit(code: "C1") { kpis(ids: $ids, period: "2026-03") { kpi { id } value } } }', variables: { ids: Array.from({ length: n }, (_, i) => KPI_IDS[i % KPI_IDS.length]) }, bad: false })),
    fc.integer({ min: 1, max: 50_000 }).map((n) => ({ kind: `${n} unknown codes in variables`, query: 'query Q($u: [String!]!) { compare(units: $u, period: "2026") { rows { unit { code } } } }', variables: { u: Array.from({ length: n }, (_, i) => `X${i}`) }, bad: true })),
    fc.integer({ min: 1, max: 1_000 }).map((n) => ({ kind: `an object nested ${n} deep in variables`, query: 'query Q($c: String!) { unit(code: $c) { code } }', variables: { c: JSON.parse('{"a":'.repeat(n) + '1' + '}'.repeat(n)) }, bad: true })),
    hugeString.map((s) => ({ kind: 'a huge string in every argument', query: `query Q($s: String!) { unit(code: $s) { code } units(search: $s) { nodes { code } } period(id: $s) { id } }`, variables: { s: s }, bad: !KNOWN_CODES.includes(s) })),
    // graphql-armor leaves aliases of __typename out of its count (its allowList): only the others are sure to be refused.
    fc.tuple(fc.integer({ min: 1, max: 400 }), fc.constantFrom('name', 'code', 'level', '__typename')).map(([n, field]) => ({ kind: `breadth: ${n} aliased fields`, query: `{ unit(code: "C1") { ${Array.from({ length: n }, (_, i) => `f${i}: ${field}`).join(' ')} } }`, variables: undefined, bad: n >= 42 && field !== '__typename' })),
  );
  return fc.record({ who, rid: requestIdArb, shape }).map(({ who, rid, shape }) => request(shape.kind, who.caller, shape.query, shape.variables as Record<string, unknown> | undefined, shape.bad, { ...who, requestId: rid }));
}

// ── 4. mutations with bad inputs ──────────────────────────────────────────────────────

type Tagged<V = unknown> = { v: V; bad: boolean };
const ok = <V>(v: V): Tagged<V> => ({ v, bad: false });
const no = <V>(v: V): Tagged<V> => ({ v, bad: true });

const LEVEL: Record<string, string> = { TW: 'CENTRAL', P1: 'PROVINCE', P2: 'PROVINCE', C1: 'COMMUNE', C2: 'COMMUNE', C3: 'COMMUNE', C4: 'COMMUNE', B11: 'BRANCH', B12: 'BRANCH', B21: 'BRANCH', B41: 'BRANCH' };
const CLOSED = new Set(['C2', 'B21']);

/** A unit code named by a mutation: of a level it takes (bad otherwise), unknown (bad), odd. */
const unitIn = (levels: string[]): fc.Arbitrary<Tagged<string>> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...KNOWN_CODES).map((c) => ({ v: c, bad: !levels.includes(LEVEL[c]!) })) },
    { weight: 1, arbitrary: fc.constantFrom(' C1 ', 'B11\t', '\u00a0B12').map((c) => ({ v: c, bad: !levels.includes(LEVEL[c.trim()]!) })) },
    { weight: 1, arbitrary: fc.constantFrom('NOPE', 'B99', 'c1', 'C1\u0000', 'С1').map(no) },
    { weight: 1, arbitrary: weirdString.map((s) => ({ v: s, bad: !(KNOWN_CODES.includes(s.trim()) && levels.includes(LEVEL[s.trim()]!)) })) },
  );

/** Text of at most `max` characters after trimming; blank, too long or holding NUL is bad. */
const textArb = (max: number, fresh: fc.Arbitrary<string>): fc.Arbitrary<Tagged<string>> => {
  // zod counts characters as code points ('𐀀' is one).
  const judge = (s: string) => ({ v: s, bad: s.trim() === '' || [...s.trim()].length > max || s.includes('\u0000') });
  return fc.oneof({ weight: 5, arbitrary: fresh.map(judge) }, { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t\n', '\u3000').map(no) }, { weight: 2, arbitrary: oddString.map(judge) }, { weight: 1, arbitrary: hugeString.map(judge) });
};
const freshId = (prefix: string) => fc.nat(40).map((n) => `fz-${prefix}-${n}`);

/** Instants in order (index = order), and values the DateTime scalar refuses. */
const INSTANTS = ['2025-01-01T08:00:00+07:00', '2025-06-01T08:00:00+07:00', '2025-09-01T08:00:00.250+07:00', '2026-01-15T08:00:00+07:00', '2026-02-01T00:00:00Z'];
type Instant = Tagged<unknown> & { at?: number };
const instantArb: fc.Arbitrary<Instant> = fc.oneof(
  { weight: 6, arbitrary: fc.nat(INSTANTS.length - 1).map((i) => ({ v: INSTANTS[i], at: i, bad: false })) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>('2026-01-15T08:00:00', 'yesterday', '', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-15T24:00:00+07:00', '2026-01-15T08:00:00+15:00', '+275760-09-13T00:00:00Z', 1e308, -1, true, 1_700_000_000_000, [], {}).map(no) },
  // Instants at the ends of what the scalar takes: whatever the mutation says, never an unexpected error.
  { weight: 1, arbitrary: fc.constantFrom('0000-01-01T00:00:00Z', '0001-01-01T00:00:00+07:00', '9999-12-31T23:59:59+14:00', '1969-12-31T23:59:59.999Z', '2026-01-15T08:00:00.123456789+07:00').map((v): Instant => ({ v, bad: false })) },
  { weight: 1, arbitrary: weirdString.map(no) },
);
const optionalInstant = fc.option(instantArb, { freq: 2, nil: undefined });
const nullable = <T>(arb: fc.Arbitrary<Tagged<T>>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constant(ok(null)) }, { weight: 3, arbitrary: arb });
/** Whether `later` is not after `earlier` (or, with orEqual, is before it), both good instants. */
const outOfOrder = (later: Instant | Tagged<null> | undefined, earlier: Instant | undefined, orEqual = false) => {
  const a = (later as Instant | undefined)?.at;
  const b = earlier?.at;
  if (a === undefined || b === undefined) return false;
  return orEqual ? a < b : a <= b;
};

/** A whole number of min–max; `nullable`: null clears the field, which is good input too. */
const intIn = (min: number, max: number, typical: fc.Arbitrary<number>, nullable = false): fc.Arbitrary<Tagged<unknown>> =>
  fc.oneof(
    { weight: 4, arbitrary: typical.map(ok) },
    { weight: 2, arbitrary: extremeNumber.map((v) => ({ v, bad: !((nullable && v === null) || (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) })) },
  );

interface MutationCase {
  field: string;
  /** The input argument's type; null: the mutation takes its arguments one by one. */
  inputType: string | null;
  success: string;
  input: Record<string, Tagged | undefined>;
  /** Other arguments (not in `input`). */
  args?: Record<string, { type: string; value: Tagged | undefined }>;
  /** A rule of the mutation the input breaks, beyond single fields. */
  bad?: boolean;
  centralOnly?: boolean;
  /** Units the input names (a UNIT_ADMIN writes only C1's subtree). */
  units?: string[];
  /** Existing members the input names (a UNIT_ADMIN reaches only those of C1's subtree). */
  members?: string[];
  /** Existing records of other units the input names (refused for a UNIT_ADMIN). */
  foreign?: boolean;
  idempotent?: boolean;
}

function mutationCaseArb(): fc.Arbitrary<MutationCase> {
  const memberRef = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...MEMBERS).map(ok) }, { weight: 1, arbitrary: textArb(200, fc.constantFrom('nobody', 'M1', 'm1 x')).map((t) => ({ v: t.v, bad: true })) });
  const reportKind = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('VNEID_INSTALLS', 'VNEID_ACTIVATIONS', 'DIGITAL_ACCOUNTS', 'ECOMMERCE_PRODUCTS', 'DIGITAL_SKILLS_TRAINED').map((k) => ok(new EnumValue(k))) }, { weight: 1, arbitrary: fc.constantFrom('vneid_installs', 'APP_ADOPTION', '"VNEID_INSTALLS"').map((k) => no(new EnumValue(k))) });
  const day = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('2026-03-05', '2025-12-31', '2024-02-29', '2026-01-01').map(ok) },
    { weight: 3, arbitrary: fc.constantFrom('2026-13-01', '2026-02-30', '2099-01-01', '2027-01-01', '1900-01-01', '2019-12-31', '2026-00-10', '0000-01-01', '9999-99-99').map(no) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('2026-3-5', '20260305', '2026-03-05T00:00:00+07:00', 20260305, null).map(no) },
  );

  const recordReport = fc.record({ unit: unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH']), kind: reportKind, date: day, count: intIn(0, 1_000_000, fc.nat(1000)), id: nullable(textArb(200, freshId('r'))) }).map(
    (i): MutationCase => ({ field: 'recordReport', inputType: 'RecordReportInput', success: '... on RecordReportSuccess { report { count date unit { code } } }', input: i, units: [i.unit.v], bad: CLOSED.has(i.unit.v.trim()) && (i.date.v as string) >= '2026-03-15' }),
  );

  // A target: a percentage (0–100) for APP_ADOPTION, a whole count for the others; a year, half, quarter, month or term.
  const targetKpi = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('APP_ADOPTION', 'VNEID_INSTALLS', 'STARTUP_PRODUCTS_LISTED').map((k) => ok(new EnumValue(k))) },
    { weight: 1, arbitrary: fc.constantFrom('app_adoption', 'NOPE', '"APP_ADOPTION"').map((k) => no(new EnumValue(k))) },
  );
  const targetPeriod = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('2026', '2026-H2', '2026-Q1', '2026-03', '2025/2030').map(ok) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>('2026-W05', '2026-03-05', '2026-13', '2030/2025', '', 'soon', '2026-03-01..2026-03-31', 2026, null).map(no) },
    { weight: 1, arbitrary: weirdString.map(no) },
  );
  const targetValue = fc.oneof({ weight: 4, arbitrary: fc.constantFrom<unknown>(0, 7, 50, 100, 1000) }, { weight: 2, arbitrary: extremeNumber }, { weight: 1, arbitrary: fc.constantFrom<unknown>(99.5, -1, '50', null) });
  const setTarget = fc.record({ unit: unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH']), kpi: targetKpi, period: targetPeriod, value: targetValue }).map((i): MutationCase => {
    const v = i.value;
    const ratio = (i.kpi.v as EnumValue).name === 'APP_ADOPTION';
    const valueBad = !(typeof v === 'number' && Number.isFinite(v) && v >= 0 && (ratio ? v <= 100 : Number.isSafeInteger(v)));
    // C2 and B21 close on 2026-03-15: a period that begins after that is not theirs.
    const closedBefore = CLOSED.has(i.unit.v.trim()) && i.period.v === '2026-H2';
    return {
      field: 'setTarget',
      inputType: 'SetTargetInput',
      success: '... on SetTargetSuccess { target { value period { id } } }',
      input: { unit: i.unit, kpi: i.kpi, period: i.period as Tagged, value: { v, bad: valueBad } },
      units: [i.unit.v],
      bad: closedBefore,
    };
  });

  const upsertMember = fc
    .record({
      // A new member's id always starts "fz-m-": an odd text accepted as an id would make it a member that later "unknown member" cases name.
      id: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...MEMBERS).map(ok) }, { weight: 3, arbitrary: textArb(200, freshId('m')).filter((t) => t.bad || t.v.startsWith('fz-m-')) }),
      unit: unitIn(['BRANCH']),
      joinedAt: instantArb,
      leftAt: nullable(instantArb),
      birthYear: nullable(intIn(1900, 2100, fc.integer({ min: 1950, max: 2010 }), true)),
      gender: nullable(fc.oneof(fc.constantFrom('MALE', 'FEMALE', 'OTHER').map((g) => ok(new EnumValue(g))), fc.constantFrom('male', 'X').map((g) => no(new EnumValue(g))))),
      appActivatedAt: nullable(instantArb),
    })
    .map((i): MutationCase => ({ field: 'upsertMember', inputType: 'UpsertMemberInput', success: '... on UpsertMemberSuccess { member { id unit { code } } }', input: i, units: [i.unit.v], members: MEMBERS.includes(i.id.v) ? [i.id.v] : [], bad: outOfOrder(i.leftAt, i.joinedAt) }));

  const recordEvaluation = fc
    .record({ member: memberRef, year: intIn(1950, 2100, fc.integer({ min: 2020, max: 2026 })), recordedAt: instantArb })
    .map((i): MutationCase => {
      const yearStart = typeof i.year.v === 'number' ? `${i.year.v}-01-01T00:00:00+07:00` : null;
      const before = !i.recordedAt.bad && !i.year.bad && yearStart !== null && new Date(i.recordedAt.v as string) < new Date(yearStart);
      return { field: 'recordEvaluation', inputType: 'RecordEvaluationInput', success: '... on RecordEvaluationSuccess { evaluation { member year recordedAt } }', input: i, members: [String(i.member.v)], bad: before };
    });

  const memberEvent = fc.record({ member: memberRef, at: instantArb, which: fc.boolean() }).map(
    ({ member, at, which }): MutationCase => ({
      field: which ? 'recordAppActivation' : 'recordProfileDigitized',
      inputType: which ? 'RecordAppActivationInput' : 'RecordProfileDigitizedInput',
      success: `... on ${which ? 'RecordAppActivationSuccess' : 'RecordProfileDigitizedSuccess'} { member { id } }`,
      input: { member, at },
      members: [String(member.v)],
    }),
  );

  const createUnit = fc
    .record({
      code: textArb(100, fc.nat(60).map((n) => `FZ-${n}`)),
      name: textArb(300, fc.constantFrom('Chi đoàn Fuzz', 'Xã Thử', 'Đoàn 😀')),
      level: fc.oneof(fc.constantFrom('BRANCH', 'COMMUNE', 'PROVINCE', 'BLOC', 'CENTRAL').map((l) => ok(new EnumValue(l))), fc.constantFrom('VILLAGE', 'branch').map((l) => no(new EnumValue(l)))),
      parent: nullable(unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH'])),
      validFrom: fc.oneof({ weight: 3, arbitrary: instantArb }, { weight: 1, arbitrary: fc.constantFrom('1999-01-01T00:00:00+07:00', '2019-12-31T23:59:59+07:00').map((v): Instant => ({ v, at: -1, bad: false })) }),
    })
    .map((i): MutationCase => {
      const level = (i.level.v as EnumValue).name;
      const parent = i.parent?.v as string | null | undefined;
      const parentLevel = typeof parent === 'string' ? LEVEL[parent.trim()] : undefined;
      const expected: Record<string, string[]> = { PROVINCE: ['CENTRAL'], COMMUNE: ['PROVINCE'], BLOC: ['PROVINCE'], BRANCH: ['COMMUNE', 'BLOC'] };
      // Only a CENTRAL unit goes without a parent, and the tree has one already; a parent of the wrong level; a parent closed before the unit opens.
      const wrongParent = level === 'CENTRAL' || (parent == null ? true : parentLevel !== undefined && !expected[level]?.includes(parentLevel));
      // Every parent opened on 1 January 2020: a unit opening before lies outside its parent's life.
      const early = typeof parent === 'string' && (i.validFrom as Instant).at === -1;
      // A parent that has closed (C2, B21) cannot hold a unit that stays open.
      const parentClosed = typeof parent === 'string' && CLOSED.has(parent.trim());
      return { field: 'createUnit', inputType: 'CreateUnitInput', success: '... on CreateUnitSuccess { unit { code level parent { code } } }', input: i, units: typeof parent === 'string' ? [parent] : ['TW'], bad: early || ((level !== 'CENTRAL' || parent != null) && (wrongParent || parentClosed)) };
    });

  const updateUnit = fc
    .record({ code: unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH']), name: fc.option(textArb(300, fc.constantFrom('Xã Đổi Tên', 'Chi đoàn ‮mới')), { nil: undefined }), parent: nullable(unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE'])) })
    .map((i): MutationCase => {
      const code = i.code.v.trim();
      const parent = i.parent?.v;
      const currentParent: Record<string, string> = { P1: 'TW', P2: 'TW', C1: 'P1', C2: 'P1', C3: 'P1', C4: 'P2', B11: 'C1', B12: 'C1', B21: 'C2', B41: 'C4' };
      const moves = typeof parent === 'string' && !i.parent!.bad && !i.code.bad && parent.trim() !== currentParent[code];
      return { field: 'updateUnit', inputType: 'UpdateUnitInput', success: '... on UpdateUnitSuccess { unit { code name } }', input: i, units: [i.code.v], bad: moves };
    });

  const closeUnit = fc
    .record({
      code: fc.oneof(fc.constantFrom('C3', 'B12', 'FZ-1', 'FZ-2').map(ok), fc.constantFrom('NOPE', '').map(no)),
      at: fc.oneof({ weight: 1, arbitrary: fc.constantFrom('2019-01-01T00:00:00+07:00', '1970-01-01T00:00:00Z').map((v) => ({ v, bad: true })) }, { weight: 2, arbitrary: instantArb.filter((x) => x.bad) }, { weight: 1, arbitrary: fc.constant(ok('2026-11-01T00:00:00+07:00')) }),
      successor: nullable(fc.oneof(fc.constantFrom('C1', 'B11', 'C4', 'TW', 'P1', 'C3', 'B12').map(ok), fc.constantFrom('NOPE', 'FZ-NONE').map(no))),
    })
    .map((i): MutationCase => {
      const succ = i.successor?.v;
      // A unit is not its own successor; a successor is of the same level.
      const itself = typeof succ === 'string' && succ === i.code.v;
      const levelMismatch = typeof succ === 'string' && !i.code.bad && !i.successor!.bad && LEVEL[i.code.v] !== undefined && LEVEL[succ] !== LEVEL[i.code.v];
      return { field: 'closeUnit', inputType: 'CloseUnitInput', success: '... on CloseUnitSuccess { unit { code validTo } closed { code } }', input: i, units: [i.code.v, ...(typeof succ === 'string' ? [succ] : [])], bad: itself || levelMismatch };
    });

  const setRosterEntry = fc
    .record({ team: fc.oneof(fc.constantFrom('t1', 't2').map(ok), textArb(200, fc.constantFrom('no-team', 'T1')).map((t) => no(t.v))), person: textArb(200, freshId('p')), from: instantArb, to: nullable(instantArb) })
    .map((i): MutationCase => ({ field: 'setRosterEntry', inputType: 'SetRosterEntryInput', success: '... on SetRosterEntrySuccess { entry { team person from to } }', input: i, foreign: i.team.v === 't2', bad: outOfOrder(i.to, i.from) }));

  const upsertModel = fc
    .record({ id: textArb(200, fc.oneof(fc.constantFrom('dm1', 'dm2'), freshId('dm'))), unit: unitIn(['BRANCH']), kind: textArb(200, fc.constantFrom('Chi đoàn số', 'Bình dân học vụ số')), establishedAt: instantArb, effectiveFrom: nullable(instantArb), endedAt: nullable(instantArb) })
    .map((i): MutationCase => ({ field: 'upsertModel', inputType: 'UpsertModelInput', success: '... on UpsertModelSuccess { model { id unit { code } } }', input: i, units: [i.unit.v], bad: outOfOrder(i.effectiveFrom, i.establishedAt, true) || outOfOrder(i.endedAt, i.establishedAt) }));

  const upsertTeam = fc
    // Team t2 (of C2) is never moved here, so that it stays outside the UNIT_ADMIN's units for setRosterEntry.
    .record({ id: textArb(200, fc.oneof(fc.constant('t1'), freshId('t'))), unit: unitIn(['COMMUNE', 'BRANCH']), establishedAt: instantArb, disbandedAt: nullable(instantArb) })
    .map((i): MutationCase => ({ field: 'upsertTeam', inputType: 'UpsertTeamInput', success: '... on UpsertTeamSuccess { team { id unit { code } } }', input: i, units: [i.unit.v], bad: outOfOrder(i.disbandedAt, i.establishedAt) }));

  const upsertProduct = fc
    .record({ id: textArb(200, fc.oneof(fc.constant('sp1'), freshId('sp'))), unit: unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH']), name: textArb(300, fc.constantFrom('Chè', 'Trà 😀')), listedAt: instantArb, delistedAt: nullable(instantArb) })
    .map((i): MutationCase => ({ field: 'upsertProduct', inputType: 'UpsertProductInput', success: '... on UpsertProductSuccess { product { id } }', input: i, units: [i.unit.v], bad: outOfOrder(i.delistedAt, i.listedAt) }));

  const upsertRelic = fc
    .record({ id: textArb(200, fc.oneof(fc.constantFrom('r1', 'r2'), freshId('rl'))), unit: unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH']), name: textArb(300, fc.constantFrom('Đình', 'Chùa \u202E')), digitizedAt: nullable(instantArb) })
    .map((i): MutationCase => ({ field: 'upsertRelic', inputType: 'UpsertRelicInput', success: '... on UpsertRelicSuccess { relic { id } }', input: i, units: [i.unit.v] }));

  const createPartnerKey = fc
    .record({
      name: textArb(200, fc.constantFrom('Fuzz portal', 'Cổng dữ liệu')),
      unit: unitIn(['CENTRAL', 'PROVINCE', 'COMMUNE', 'BLOC', 'BRANCH']),
      kpis: fc.option(fc.oneof(fc.array(fc.constantFrom(...KPI_IDS), { maxLength: 3 }).map((ids) => ({ v: ids.map((id) => new EnumValue(id)), bad: ids.length === 0 })), fc.constant(no([new EnumValue('NOPE')]))), { nil: undefined }),
      expiresInDays: fc.option(intIn(1, 730, fc.integer({ min: 1, max: 730 })), { nil: undefined }),
      rateLimit: fc.option(intIn(1, 10_000, fc.integer({ min: 1, max: 10_000 })), { nil: undefined }),
    })
    .map((i): MutationCase => ({ field: 'createPartnerKey', inputType: 'CreatePartnerKeyInput', success: 'partnerKey { id unit { code } }', input: i, centralOnly: true, idempotent: false }));

  const revokePartnerKey = fc
    .oneof(fc.stringMatching(/^[0-9a-f]{16}$/), weirdString)
    .map((id): MutationCase => ({ field: 'revokePartnerKey', inputType: null, success: 'id revokedAt', input: {}, args: { id: { type: 'String!', value: no(id) } }, centralOnly: true, idempotent: false }));

  const importRecords = fc
    .record({
      ndjson: fc.oneof(
        { weight: 3, arbitrary: brokenNdjson().map((f) => no(f.text)) },
        { weight: 1, arbitrary: fc.tuple(fc.stringMatching(/^[a-z0-9]{6}$/), fc.array(fc.nat(7), { minLength: 1, maxLength: 4 })).map(([tag, kinds]) => ok(kinds.map((k, i) => JSON.stringify(validRecord(k, i, tag))).join('\n'))) },
        { weight: 1, arbitrary: fc.constantFrom('', '\n', '{}', 'null').map(no) },
      ),
      mode: fc.option(fc.oneof(fc.constantFrom('ALL_OR_NOTHING', 'PER_BATCH').map((m) => ok(new EnumValue(m))), fc.constant(no(new EnumValue('SOMETIMES')))), { nil: undefined }),
      dryRun: fc.option(fc.oneof(fc.boolean().map(ok), fc.constantFrom<unknown>('yes', 1).map(no)), { nil: undefined }),
    })
    .map(
      (i): MutationCase => ({
        field: 'importRecords',
        inputType: null,
        success: 'status records recordsWritten problemCount problems { line field reason }',
        input: {},
        args: { ndjson: { type: 'String!', value: i.ndjson }, mode: { type: 'ImportMode', value: i.mode }, dryRun: { type: 'Boolean', value: i.dryRun } },
        centralOnly: true,
        idempotent: false,
      }),
    );

  return fc.oneof(
    { weight: 3, arbitrary: recordReport },
    { weight: 2, arbitrary: setTarget },
    { weight: 3, arbitrary: upsertMember },
    { weight: 2, arbitrary: recordEvaluation },
    { weight: 2, arbitrary: memberEvent },
    { weight: 2, arbitrary: createUnit },
    { weight: 2, arbitrary: updateUnit },
    { weight: 1, arbitrary: closeUnit },
    { weight: 2, arbitrary: setRosterEntry },
    { weight: 2, arbitrary: upsertModel },
    { weight: 2, arbitrary: upsertTeam },
    { weight: 2, arbitrary: upsertProduct },
    { weight: 1, arbitrary: upsertRelic },
    { weight: 1, arbitrary: createPartnerKey },
    { weight: 1, arbitrary: revokePartnerKey },
    { weight: 2, arbitrary: importRecords },
  );
}

const REFUSALS = '__typename ... on UserError { message } ... on ValidationError { issues { field reason } } ... on NotFoundError { field reason }';

/** A mutation document with its input inline or as variables, or with an input of the wrong shape. */
function mutationArb(w: FuzzWorld): fc.Arbitrary<FuzzRequest> {
  const key = fc.option(
    fc.oneof(
      { weight: 4, arbitrary: fc.nat(30).map((n) => ok(`fz-key-${n}`)) },
      { weight: 1, arbitrary: fc.constantFrom('', ' ', '\u3000').map(no) },
      { weight: 1, arbitrary: weirdString.map((s) => ({ v: s, bad: s.trim() === '' || [...s.trim()].length > 200 || s.includes('\u0000') })) },
    ),
    { freq: 3, nil: undefined },
  );
  const shape = fc.oneof(
    { weight: 12, arbitrary: fc.constant<'variables' | 'inline' | 'wrong' | 'truncated'>('variables') },
    { weight: 4, arbitrary: fc.constant<'inline'>('inline') },
    { weight: 2, arbitrary: fc.constant<'wrong'>('wrong') },
    { weight: 1, arbitrary: fc.constant<'truncated'>('truncated') },
  );
  const wrongInput = fc.constantFrom<unknown>('C1', 5, [], null, { unknownField: 1 }, { unit: 'C1' }, [{ unit: 'C1' }]);
  return fc
    .record({ who: callerArb(w, { CENTRAL_ADMIN: 4, UNIT_ADMIN: 4 }), rid: requestIdArb, c: mutationCaseArb(), key, shape, wrongInput, cut: fc.nat() })
    .map(({ who, rid, c, key, shape: chosen, wrongInput, cut }): FuzzRequest => {
      // A mutation without an input object has no input of the wrong shape to send.
      const shape = chosen === 'wrong' && !c.inputType ? 'variables' : chosen;
      const input = Object.fromEntries(Object.entries(c.input).filter(([, t]) => t !== undefined).map(([k, t]) => [k, t!.v]));
      const args: { name: string; type: string; value: unknown }[] = [];
      if (c.inputType) args.push({ name: 'input', type: `${c.inputType}!`, value: shape === 'wrong' ? wrongInput : input });
      for (const [name, a] of Object.entries(c.args ?? {})) if (a.value !== undefined) args.push({ name, type: a.type, value: a.value.v });
      if (c.idempotent !== false && key !== undefined) args.push({ name: 'idempotencyKey', type: 'String', value: key.v });
      const selection = c.inputType ? `${REFUSALS} ${c.success}` : c.success;
      const d = new Doc(shape === 'inline');
      let query = d.text(`{ ${c.field}${d.args(...args.map((a) => d.arg(a.name, a.type, a.value)))} { ${selection} } }`, 'mutation');
      if (shape === 'truncated') query = query.slice(0, cut % query.length);
      const fieldsBad = Object.values(c.input).some((t) => t?.bad) || Object.values(c.args ?? {}).some((a) => a.value?.bad) || (c.idempotent !== false && !!key?.bad);
      const caller = who.caller;
      // Only what is known to lie outside C1 is sure to be refused to its UNIT_ADMIN (a unit the fuzz made may lie under C1).
      const outside =
        caller === 'UNIT_ADMIN' &&
        ((c.units ?? []).some((u) => KNOWN_CODES.includes(u.trim()) && !C1_SUBTREE.has(u.trim())) || (c.members ?? []).some((m) => MEMBERS.includes(m) && !C1_MEMBERS.has(m)) || c.foreign === true);
      // With an idempotency key used before for the same change, the first answer comes back (nothing written) before
      // the rules of the change and the caller's units are looked at: only bad fields and callers who never write are sure refusals.
      const replayable = c.idempotent !== false && key !== undefined && !key.bad;
      const bad = fieldsBad || (!replayable && (!!c.bad || outside)) || !WRITERS.includes(caller) || (c.centralOnly === true && caller !== 'CENTRAL_ADMIN') || shape === 'truncated' || shape === 'wrong';
      return request(`mutation ${c.field} (${shape})`, caller, query, d.variables, bad, { ...who, requestId: rid, mutation: true });
    });
}

// ── the properties ────────────────────────────────────────────────────────────────────

describe('the GraphQL API under generated requests', () => {
  const timed = async (p: Property, run: () => Promise<void>) => {
    const started = performance.now();
    try {
      await run();
    } finally {
      console.log(`[fuzz] ${p}: ${sent[p]} requests in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${FUZZ_SEED}); slowest: ${slowest[p].map((x) => `${x.kind} as ${x.caller} ${x.ms} ms`).join(', ')}`);
    }
  };

  it('answers malformed documents and bodies with errors, never a 500', { timeout: timeoutOf('malformed') }, async () => {
    await timed('malformed', () => assertConcurrently(malformedArb(world), read('malformed'), runsOf('malformed'), CONCURRENCY, FUZZ_SEED));
    expect(sent.malformed).toBeGreaterThanOrEqual(runsOf('malformed'));
  });

  it('answers bad and odd arguments from every caller with errors that name a code', { timeout: timeoutOf('arguments') }, async () => {
    await timed('arguments', () => assertConcurrently(argumentsArb(world), read('arguments'), runsOf('arguments'), CONCURRENCY, FUZZ_SEED + 100));
    expect(sent.arguments).toBeGreaterThanOrEqual(runsOf('arguments'));
  });

  it('refuses documents past the limits before they cost anything', { timeout: timeoutOf('limits') }, async () => {
    await timed('limits', () => assertConcurrently(limitsArb(world), read('limits'), runsOf('limits'), CONCURRENCY, FUZZ_SEED + 200));
    expect(sent.limits).toBeGreaterThanOrEqual(runsOf('limits'));
  });

  it('writes nothing for a refused mutation', { timeout: timeoutOf('mutations') }, async () => {
    let current = await dbSnapshot(world.db);
    let refusals = 0;
    await timed('mutations', () =>
      fc.assert(
        fc.asyncProperty(mutationArb(world), async (req) => {
          // Whatever the answer, the next request is compared with the database as this one left it.
          let answer: Sent | undefined;
          let failed: unknown;
          try {
            answer = await exchange('mutations', req);
          } catch (error) {
            failed = error;
          }
          const after = await dbSnapshot(world.db);
          if (failed) {
            current = after;
            throw failed;
          }
          const before = current;
          current = after;
          if (refused(req, answer!)) {
            refusals += 1;
            const diff = snapshotDiff(before, after);
            if (diff) throw new Error(`a refused mutation changed the database: ${diff}\n  request: ${describeRequest(req)}\n  response: HTTP ${answer!.status}: ${answer!.text.slice(0, 800)}`);
          }
          noUnexpectedError(req, answer!);
        }),
        { numRuns: runsOf('mutations'), seed: FUZZ_SEED + 300 },
      ),
    );
    console.log(`[fuzz] mutations: ${refusals} refused, each checked against the database`);
    expect(sent.mutations).toBeGreaterThanOrEqual(runsOf('mutations'));
  });

});
