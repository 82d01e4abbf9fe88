// Shared pieces of the fuzz suites (test/fuzz/*.fuzz.test.ts): the world they run against
// (the small tree and a second province, as in test/schema/access/support.ts, behind a
// real HTTP server), the callers, value generators (odd Unicode, huge strings, extreme
// numbers, bad periods, forged cursors), what every response must look like, and a
// snapshot of the database to tell that a refused write wrote nothing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import pino from 'pino';
import { getVariableValues, parse, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { rows, type Db, type DbHandle } from '../../db/client.js';
import { loadRecords } from '../../db/import/run.js';
import { rollupSnapshot } from '../../db/rollup.js';
import { schema } from '../../schema/index.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { partnerKeyFor, SECOND_PROVINCE } from '../schema/access/support.js';
import { testIssuer, testYoga, tokenFor } from '../support/auth.js';
import { openTestDb } from '../support/db.js';

// ── runs ────────────────────────────────────────────────────────────────────────────────

/** Requests per run of the GraphQL suite (FUZZ_RUNS overrides; default 10,000). */
export const FUZZ_RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 10_000) || 10_000);
/**
 * The seed of a run: FUZZ_SEED replays one (it is printed with every failure). CI runs one
 * seed, so that what lands is what was checked; elsewhere each run draws a new one.
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? (process.env.CI === 'true' ? 745_905_299 : Date.now() % 2_147_483_647));

// ── the world ───────────────────────────────────────────────────────────────────────────

export type CallerName = 'ANONYMOUS' | 'VIEWER' | 'LEADER' | 'UNIT_ADMIN' | 'CENTRAL_ADMIN' | 'PARTNER' | 'GARBAGE';
/** Callers that may write (UNIT_ADMIN in C1's subtree only). */
export const WRITERS: CallerName[] = ['UNIT_ADMIN', 'CENTRAL_ADMIN'];

/** Every unit code of the world; C1's subtree is what the UNIT_ADMIN (and VIEWER, LEADER) are at home in. */
export const KNOWN_CODES = ['TW', 'P1', 'C1', 'C2', 'C3', 'B11', 'B12', 'B21', 'P2', 'C4', 'B41'];
export const C1_SUBTREE = new Set(['C1', 'B11', 'B12']);
export const MEMBERS = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6'];
/** Members whose branch lies in C1's subtree (the UNIT_ADMIN's). */
export const C1_MEMBERS = new Set(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm9']);

export interface FuzzWorld {
  db: Db;
  handle: DbHandle;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  headers: Record<Exclude<CallerName, 'GARBAGE'>, Record<string, string>>;
  /** Present-but-wrong credentials made from real ones: tampered, for a unit nobody has, expired. */
  badTokens: string[];
  close(): Promise<void>;
}

/** A fresh database with the small tree and a second province, served over HTTP on a free port. */
export async function openWorld(): Promise<FuzzWorld> {
  const handle = await openTestDb('postgres');
  await loadSmallTree(handle.db);
  await loadRecords(handle.db, SECOND_PROVINCE);
  const key = await partnerKeyFor(handle.db, 'P1', { rateLimit: 10_000 });
  const bearer = async (role: 'CENTRAL_ADMIN' | 'UNIT_ADMIN' | 'LEADER' | 'VIEWER', unit: string) => ({ authorization: `Bearer ${await tokenFor(role, unit)}` });
  const headers: FuzzWorld['headers'] = {
    ANONYMOUS: {},
    VIEWER: await bearer('VIEWER', 'C1'),
    LEADER: await bearer('LEADER', 'C1'),
    UNIT_ADMIN: await bearer('UNIT_ADMIN', 'C1'),
    CENTRAL_ADMIN: await bearer('CENTRAL_ADMIN', 'TW'),
    PARTNER: { 'x-api-key': key },
  };
  const admin = await tokenFor('CENTRAL_ADMIN', 'TW');
  const badTokens = [
    // The signature of a real token, changed.
    `${admin.slice(0, -6)}${admin.slice(-6) === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA'}`,
    // A real token's payload with another signature's header.
    admin.split('.').slice(0, 2).join('.') + '.',
    // Well signed, for a home unit nobody has.
    await tokenFor('CENTRAL_ADMIN', 'NO-SUCH-UNIT'),
    await tokenFor('VIEWER', ''),
  ];
  try {
    badTokens.push(await (await testIssuer()).sign({ subject: 'late@TW', role: 'CENTRAL_ADMIN', unit: 'TW' }, '-10m'));
  } catch {
    // This jose takes no time in the past: the other bad tokens stand.
  }
  // FUZZ_LOG=1: the server's own log (unexpected errors with their SQLSTATE) on stderr.
  const yoga = await testYoga(handle.db, process.env.FUZZ_LOG ? { logger: pino({ level: 'warn' }, pino.destination(2)) } : {});
  const server: Server = createServer(yoga);
  // Keep sockets open longer than the client does, so that no request meets a socket being closed.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    db: handle.db,
    handle,
    url: `http://127.0.0.1:${port}/graphql`,
    headers,
    badTokens,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handle.close();
    },
  };
}

// ── requests and responses ─────────────────────────────────────────────────────────────

export interface FuzzRequest {
  /** Which generator made it (for the report). */
  kind: string;
  caller: CallerName;
  /** GARBAGE only: the wrong credentials, as headers. */
  garbage?: Record<string, string>;
  /** A caller's own request id (kept when it is a plain token). */
  requestId?: string;
  /** The JSON body ({ query, variables, … }), or raw text for bodies that are not JSON at all. */
  body: Record<string, unknown> | unknown[] | string;
  /** The input is bad: the answer must hold at least one error (for a mutation: or a typed ValidationError / NotFoundError). */
  bad: boolean;
  mutation?: boolean;
}

export interface Sent {
  status: number;
  text: string;
  json: any;
  requestIdHeader: string | null;
  ms: number;
}

export function headersOf(world: FuzzWorld, req: FuzzRequest): Record<string, string> {
  const own = req.caller === 'GARBAGE' ? (req.garbage ?? {}) : world.headers[req.caller];
  return {
    'content-type': 'application/json',
    accept: 'application/json',
    ...own,
    ...(req.requestId !== undefined ? { 'x-request-id': req.requestId } : {}),
  };
}

export async function send(world: FuzzWorld, req: FuzzRequest): Promise<Sent> {
  const started = performance.now();
  const response = await fetch(world.url, {
    method: 'POST',
    headers: headersOf(world, req),
    body: typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json, requestIdHeader: response.headers.get('x-request-id'), ms: performance.now() - started };
}

const SQL_TEXT = /select |insert into|update .* set|Failed query/i;
// A stack frame ("\n    at fn (file.js:1:2)"), a source position or node_modules; written to run in linear time on 100 KB messages.
const STACK_TEXT = /\n[ \t]+at |\bat [\w$.<>]+ \([^()\n]*:\d+:\d+\)|\.[cm]?[jt]s:\d+:\d+|node_modules/;
const TYPED_REFUSALS = new Set(['ValidationError', 'NotFoundError']);

/** The text of a request for a failure message: long strings cut, the caller named. */
export function describe(req: FuzzRequest): string {
  const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
  const cut = body.length > 1500 ? `${body.slice(0, 1500)}… (${body.length} chars)` : body;
  return `caller ${req.caller}${req.garbage ? ` ${JSON.stringify(req.garbage)}` : ''}${req.requestId !== undefined ? ` x-request-id ${JSON.stringify(req.requestId)}` : ''}; ${req.kind}${req.bad ? ' (bad input)' : ''}: ${cut}`;
}

function excerpt(sent: Sent): string {
  return `HTTP ${sent.status}: ${sent.text.length > 1200 ? `${sent.text.slice(0, 1200)}… (${sent.text.length} chars)` : sent.text}`;
}

/** The typenames of the fields of a mutation's answer (ValidationError, NotFoundError, …). */
export function resultTypenames(json: any): string[] {
  const data = json && typeof json === 'object' ? json.data : null;
  if (!data || typeof data !== 'object') return [];
  return Object.values(data).map((v: any) => (v && typeof v === 'object' && typeof v.__typename === 'string' ? v.__typename : ''));
}

/** Whether an answer refuses the request: an error, a typed refusal, or an import that wrote nothing. */
export function refused(req: FuzzRequest, sent: Sent): boolean {
  const json = sent.json;
  if (!json || typeof json !== 'object' || Array.isArray(json)) return true;
  if (Array.isArray(json.errors) && json.errors.length > 0) return true;
  if (resultTypenames(json).some((t) => TYPED_REFUSALS.has(t))) return true;
  const report = json.data?.importRecords;
  if (report && (report.status === 'INVALID' || report.status === 'VALIDATED' || (report.status === 'STOPPED' && !/PER_BATCH/.test(JSON.stringify(req.body))))) return true;
  return false;
}

/**
 * What every answer must be: below 500, JSON, every error with a string `code` and the
 * request's id, no SQL and no stack trace in any message; a bad input refused.
 */
export function checkResponse(req: FuzzRequest, sent: Sent): void {
  const fail = (why: string): never => {
    throw new Error(`${why}\n  request: ${describe(req)}\n  response: ${excerpt(sent)}`);
  };
  if (sent.status >= 500) fail(`status ${sent.status} (≥ 500)`);
  const json = sent.json;
  if (json === undefined) fail('the body is not JSON');
  if (!json || typeof json !== 'object' || Array.isArray(json)) fail('the body is not a JSON object');
  if (!('data' in json) && !('errors' in json)) fail('the body has neither data nor errors');
  const errors = json.errors;
  if (errors !== undefined && !Array.isArray(errors)) fail('errors is not a list');
  for (const e of (errors ?? []) as any[]) {
    if (!e || typeof e.message !== 'string') fail('an error without a message');
    const code = e.extensions?.code;
    if (typeof code !== 'string' || code === '') fail(`an error without extensions.code: ${JSON.stringify(e).slice(0, 300)}`);
    const requestId = e.extensions?.requestId;
    if (typeof requestId !== 'string' || requestId === '') fail(`an error without extensions.requestId: ${JSON.stringify(e).slice(0, 300)}`);
    if (sent.requestIdHeader !== null && requestId !== sent.requestIdHeader) fail(`extensions.requestId ${requestId} is not the x-request-id header ${sent.requestIdHeader}`);
    if (SQL_TEXT.test(e.message)) fail(`an error message holds SQL: ${e.message.slice(0, 300)}`);
    if (STACK_TEXT.test(e.message)) fail(`an error message holds a stack trace: ${e.message.slice(0, 300)}`);
    // What an error carries besides its message (yoga's `originalError`, say) holds no SQL and no stack either.
    if (e.extensions?.stacktrace !== undefined || e.extensions?.exception !== undefined) fail(`an error tells its stack: ${JSON.stringify(e).slice(0, 300)}`);
    const told = JSON.stringify(e.extensions ?? {});
    if (SQL_TEXT.test(told) && !SQL_TEXT.test(JSON.stringify(req.body))) fail(`an error's extensions hold SQL: ${told.slice(0, 300)}`);
    if (STACK_TEXT.test(told.replace(/\\n/g, '\n'))) fail(`an error's extensions hold a stack trace: ${told.slice(0, 300)}`);
  }
  if (req.bad) {
    const told = (Array.isArray(errors) && errors.length > 0) || (req.mutation === true && refused(req, sent));
    if (!told) fail('a bad input was answered without an error');
  }
}

// ── an oracle for documents: what graphql-js itself refuses ─────────────────────────────

/** Whether graphql-js refuses the document or its variables against the server's schema (then the server must answer with an error). */
export function graphqlRefuses(query: unknown, variables: unknown, operationName?: unknown): boolean {
  if (typeof query !== 'string') return true;
  let doc: DocumentNode;
  try {
    doc = parse(query, { maxTokens: 100_000 });
  } catch {
    return true;
  }
  try {
    if (validate(schema, doc).length > 0) return true;
  } catch {
    return true;
  }
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const op = operationName == null ? (ops.length === 1 ? ops[0] : undefined) : ops.find((o) => o.name?.value === operationName);
  if (!op) return true;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return true;
  try {
    const coerced = getVariableValues(schema, op.variableDefinitions ?? [], (variables ?? {}) as Record<string, unknown>, { maxErrors: 5 });
    return 'errors' in coerced && !!coerced.errors?.length;
  } catch {
    return true;
  }
}

/** A request of a GraphQL document, bad when graphql-js refuses it or when `bad` says so. */
export function request(kind: string, caller: CallerName, query: string, variables: Record<string, unknown> | undefined, bad: boolean, extra: Partial<FuzzRequest> = {}): FuzzRequest {
  const body: Record<string, unknown> = { query };
  // As the server will read them: enum values as strings, left-out fields gone.
  if (variables !== undefined) body.variables = JSON.parse(JSON.stringify(variables));
  return printable({ kind, caller, body, bad: bad || caller === 'GARBAGE' || graphqlRefuses(query, body.variables), ...extra });
}

/** Makes fast-check print a request as `describe` does (long strings cut), not as a 100 KB object. */
export function printable(req: FuzzRequest): FuzzRequest {
  Object.defineProperty(req, fc.toStringMethod, { value: () => describe(req), enumerable: false });
  return req;
}

// ── callers ─────────────────────────────────────────────────────────────────────────────

const B64URL = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
const b64urlString = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...B64URL), minLength: min, maxLength: max });
const b64url = (text: string) => Buffer.from(text).toString('base64url');
const printableAscii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 120 });

/** Present but wrong credentials: each must be refused (401), never read as anonymous. */
export function garbageHeaders(world: FuzzWorld): fc.Arbitrary<Record<string, string>> {
  const forged = fc
    .record({ alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256'), role: fc.constantFrom('CENTRAL_ADMIN', 'UNIT_ADMIN', 'GOD'), unit: fc.constantFrom('TW', 'C1', '') })
    .map(({ alg, role, unit }) => `${b64url(JSON.stringify({ alg, typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: 'x', role, unit, iss: 'evil', aud: 'youth-union-kpi', exp: 4102444800 }))}.`);
  return fc.oneof(
    b64urlString(1, 200).map((t) => ({ authorization: `Bearer ${t}` })),
    forged.map((t) => ({ authorization: `Bearer ${t}` })),
    fc.constantFrom(...world.badTokens).map((t) => ({ authorization: `Bearer ${t}` })),
    fc.tuple(b64urlString(0, 20), b64urlString(0, 60)).map(([a, b]) => ({ authorization: `Bearer yuk_${a}_${b}` })),
    fc.tuple(fc.stringMatching(/^[0-9a-f]{16}$/), b64urlString(43, 43)).map(([a, b]) => ({ 'x-api-key': `yuk_${a}_${b}` })),
    printableAscii.filter((t) => t.trim() !== '').map((t) => ({ 'x-api-key': t })),
    fc.constantFrom<Record<string, string>>(
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
      { authorization: 'bearer  ' },
      { authorization: 'Bearer a b' },
      { authorization: 'Token abc' },
      { 'x-api-key': 'yuk_' },
      { 'x-api-key': ' ' },
    ),
    // A good token beside a bad key: the key is read, and refused.
    printableAscii.filter((t) => t.trim() !== '').map((t) => ({ ...world.headers.CENTRAL_ADMIN, 'x-api-key': `yuk_${t}` })),
  );
}

export function callerArb(world: FuzzWorld, weights: Partial<Record<CallerName, number>> = {}): fc.Arbitrary<{ caller: CallerName; garbage?: Record<string, string> }> {
  const w = (c: CallerName) => weights[c] ?? 1;
  const plain = (c: Exclude<CallerName, 'GARBAGE'>) => ({ weight: w(c), arbitrary: fc.constant({ caller: c }) });
  return fc.oneof(
    plain('ANONYMOUS'),
    plain('VIEWER'),
    plain('LEADER'),
    plain('UNIT_ADMIN'),
    plain('CENTRAL_ADMIN'),
    plain('PARTNER'),
    { weight: w('GARBAGE'), arbitrary: garbageHeaders(world).map((garbage) => ({ caller: 'GARBAGE' as const, garbage })) },
  );
}

/** Sometimes a caller's own x-request-id (kept when it is 8–100 plain characters, replaced otherwise). */
export const requestIdArb = fc.option(fc.oneof(b64urlString(0, 120), printableAscii), { freq: 4, nil: undefined });

// ── values ──────────────────────────────────────────────────────────────────────────────

/** Pieces of odd text: combining marks, bidi controls, NUL, lone surrogates, emoji, quotes, injections. */
export const ODD_PIECES = [
  'e\u0301', '\u0301\u0301\u0301', 'Z\u0335\u0321\u0362a\u0337\u0334', '\u202E', '\u202Dabc\u202C', '\u200F', '\u200B', '\uFEFF', '\u0000', 'a\u0000b',
  '\uD800', '\uDFFF', '\uDBFF\uDFFF', '😀', '👩‍👩‍👧‍👦', '🇻🇳', '\u2028', '\u2029', '\r\n', '\t', '\u0085', '\uFFFF', '\uFFFE',
  'Đồng Đăng', 'Ｔ Ｗ', 'ﬃ', 'İ', 'ß', '"', '\\', "'", '`', '${x}', '%s%n', '<script>', "'; DROP TABLE units; --", '" OR 1=1 --', '../../etc/passwd',
  '{', '}', '[', ']', '#', '@', '$', '...', '\\u0000', '%00',
];

/** Short odd text. */
export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.oneof(fc.constantFrom(...ODD_PIECES), fc.string({ unit: 'binary', maxLength: 6 })), { minLength: 1, maxLength: 6 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '   ', '\n', 'null', 'undefined', 'NaN', 'true', '0', '-1') },
);

/** Huge text, up to about 100 KB. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(fc.constantFrom('a', 'TW', 'Đ', '😀', '\u0301', '\u202E', 'x\u0000', '2026-'), oddString.filter((s) => s.length > 0)), fc.integer({ min: 1_000, max: 100_000 }))
  .map(([unit, bytes]) => unit.repeat(Math.max(1, Math.floor(bytes / Math.max(1, Buffer.byteLength(unit))))).slice(0, 100_000));

export const weirdString: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: oddString }, { weight: 1, arbitrary: hugeString });

/** Numbers and near-numbers for Int arguments (JSON-safe: NaN and Infinity go as strings). */
export const EXTREME_NUMBERS: unknown[] = [
  2 ** 31, 2 ** 31 - 1, -(2 ** 31), -(2 ** 31) - 1, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, -(2 ** 53), -1, 0, 1, 5, 499, 500, 501, 999, 1000, 1001, 9_999, 10_000, 10_001,
  1e308, -1e308, 1e-300, 0.5, -0.5, 1.0000001, 'NaN', 'Infinity', '-Infinity', '1', '0x10', '1e3', '', null, true, false, [], [1], {}, { n: 1 },
];
export const extremeNumber: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EXTREME_NUMBERS) }, { weight: 1, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.double() .map((d) => (Number.isFinite(d) ? d : 'NaN')) });

/** An enum value: a bare name in a GraphQL literal, a string in JSON. */
export class EnumValue {
  constructor(readonly name: string) {}
  toJSON(): string {
    return this.name;
  }
}

/** A GraphQL literal for a value (numbers as numbers, strings as strings, EnumValue bare), or raw text. */
export function literal(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof EnumValue) return value.name;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : JSON.stringify(String(value));
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${literal(v)}`).join(', ')}}`;
  return String(value);
}

/** Whether a value is a whole number in 0–max that GraphQL's Int takes; null and undefined: left out. */
export const pageOk = (value: unknown, max: number) => value == null || (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max);

/** Periods the grammar takes. */
export const GOOD_PERIODS = ['2026', '2026-H1', '2026-Q1', '2026-03', '2026-W11', '2026-03-15', '2025/2030', '2026-03-01..2026-05-31', '1900', '2199-12-31', '2020-W53'];
/** Periods it refuses: out of range, no such month, week or day, reversed, not a period. */
export const BAD_PERIODS = [
  '2999', '1899', '2200', '2026-13', '2026-00', '2026-W60', '2026-W00', '2025-W53', '2026-Q5', '2026-Q0', '2026-H3', '2026-02-30', '2026-02-29', '2026-04-31',
  '2026-05-31..2026-03-01', '2030/2025', '2026/2026', '2026-03-01..', '..2026-03-01', '2026-03-01...2026-03-02', '', ' ', '２０２６', '2026-3-1',
  'NaN', '-2026', '+2026', '2026-03-15T00:00:00+07:00', 'now', 'last month', '9999999999999999999999', '2026-W11-1', '2026-03-01..2026-03-01..2026-03-02',
];
/** A period: good (bad false) or bad (bad true); odd and huge text is bad unless it could read as a period. */
export const periodArb: fc.Arbitrary<{ value: string; bad: boolean }> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...GOOD_PERIODS).map((value) => ({ value, bad: false })) },
  { weight: 4, arbitrary: fc.constantFrom(...BAD_PERIODS).map((value) => ({ value, bad: true })) },
  { weight: 2, arbitrary: weirdString.filter((s) => /[^0-9WQHwqh./\- ]/.test(s)).map((value) => ({ value, bad: true })) },
);

/** Unit codes: known ones (bad false), unknown or odd ones (bad: no unit has them). */
export const codeArb: fc.Arbitrary<{ value: string; bad: boolean }> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KNOWN_CODES).map((value) => ({ value, bad: false })) },
  { weight: 1, arbitrary: fc.constantFrom('tw', 'C 1', 'C1 ', ' C1', 'B99', 'ZZ', 'P1/C1', 'C1\u0000', 'С1' /* Cyrillic С */).map((value) => ({ value, bad: !KNOWN_CODES.includes(value) })) },
  { weight: 2, arbitrary: weirdString.map((value) => ({ value, bad: !KNOWN_CODES.includes(value) })) },
);

/** Cursors this API never gave (bad), and a few it would (good). */
export const cursorArb: fc.Arbitrary<{ value: string; bad: boolean }> = fc.oneof(
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 20 }).map((n) => ({ value: Buffer.from(`OffsetConnection:${n}`).toString('base64'), bad: false })) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom('OffsetConnection:-1', 'OffsetConnection:99999999', 'OffsetConnection:1e3', 'OffsetConnection:01', 'OffsetConnection: 1', 'OffsetConnection:NaN', 'OffsetConnection:', 'arrayconnection:1', 'OffsetConnection:1\u0000', 'OffsetConnection:٣', 'offsetconnection:1', 'OffsetConnection:1.5', 'OffsetConnection:9007199254740993')
      .map((text) => ({ value: Buffer.from(text).toString('base64'), bad: true })),
  },
  { weight: 2, arbitrary: oddString.map((s) => Buffer.from(s).toString('base64')).filter((v) => !/^T2Zmc2V0Q29ubmVjdGlvbjo/.test(v)).map((value) => ({ value, bad: true })) },
  { weight: 2, arbitrary: weirdString.filter((s) => !/^[A-Za-z0-9+/]+={0,2}$/.test(s)).map((value) => ({ value, bad: true })) },
);

/** `since` cursors of `changes`: only a few shapes are sure to be refused. */
export const sinceArb: fc.Arbitrary<{ value: string; bad: boolean }> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom('kpi-changes:v1:0', 'kpi-changes:v1:9007199254740991', 'kpi-changes:full:0:', 'kpi-changes:full:3:C1', 'kpi-changes:full:0:\u0000', 'kpi-changes:full:0:😀').map((t) => ({ value: b64url(t), bad: false })) },
  { weight: 2, arbitrary: fc.constantFrom('kpi-changes:v1:-1', 'kpi-changes:v1:abc', 'kpi-changes:v1:9007199254740993', 'kpi-changes:v2:1', 'kpi-changes:full:x:C1', 'kpi-changes:full:-1:').map((t) => ({ value: b64url(t), bad: true })) },
  { weight: 2, arbitrary: oddString.filter((s) => !s.includes('kpi-changes')).map((s) => ({ value: b64url(`x${s}`), bad: true })) },
  { weight: 1, arbitrary: weirdString.map((value) => ({ value, bad: !Buffer.from(value, 'base64url').toString().startsWith('kpi-changes:') })) },
);

export const KPI_IDS = [
  'APP_ADOPTION', 'COMMUNE_TEAM_COVERAGE', 'DIGITAL_ACCOUNTS', 'DIGITAL_MODEL_COVERAGE', 'DIGITAL_SKILLS_TRAINED', 'DIGITAL_TEAM_MEMBERS', 'ECOMMERCE_PRODUCTS',
  'MEMBERS_EVALUATED', 'MEMBER_DATA_DIGITIZED', 'RELICS_DIGITIZED', 'STARTUP_PRODUCTS_LISTED', 'VNEID_ACTIVATIONS', 'VNEID_INSTALLS',
];
/** A KPI id as an enum literal: mostly real, sometimes not (graphql-js then refuses the document). */
export const kpiLiteralArb = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KPI_IDS) }, { weight: 1, arbitrary: fc.constantFrom('"APP_ADOPTION"', 'app_adoption', 'NOPE', '1', 'null', 'APP_ADOPTION_') });

// ── the database, to tell that nothing was written ─────────────────────────────────────

export const BASE_TABLES = [
  'units', 'members', 'member_unit_history', 'member_evaluations', 'digital_models', 'teams', 'team_roster', 'startup_products', 'relics', 'activity_reports',
  'targets', 'audit_log', 'partner_keys',
] as const;

export interface DbSnapshot {
  counts: Record<string, number>;
  rollups: string[];
}

export async function dbSnapshot(db: Db): Promise<DbSnapshot> {
  const [counts] = await rows<Record<string, number>>(db, sql.raw(`SELECT ${BASE_TABLES.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`));
  return { counts: counts!, rollups: await rollupSnapshot(db) };
}

/** What differs between two snapshots, or null when they are the same. */
export function snapshotDiff(before: DbSnapshot, after: DbSnapshot): string | null {
  const out: string[] = [];
  for (const t of BASE_TABLES) if (before.counts[t] !== after.counts[t]) out.push(`${t}: ${before.counts[t]} → ${after.counts[t]}`);
  const a = new Set(before.rollups);
  const b = new Set(after.rollups);
  const gone = before.rollups.filter((k) => !b.has(k));
  const added = after.rollups.filter((k) => !a.has(k));
  if (gone.length || added.length) out.push(`roll-ups: -${gone.length} +${added.length} rows (${[...gone.slice(0, 3).map((k) => `-${k}`), ...added.slice(0, 3).map((k) => `+${k}`)].join(', ')})`);
  return out.length ? out.join('; ') : null;
}

// ── running many properties at once ─────────────────────────────────────────────────────

/**
 * Runs `workers` copies of a property at once (different seeds), `runs` in all: modest
 * concurrency against the server, and each copy still shrinks its own failure to one request.
 */
export async function assertConcurrently<T>(arb: fc.Arbitrary<T>, check: (value: T) => Promise<void>, runs: number, workers: number, seed: number): Promise<void> {
  const per = Math.ceil(runs / workers);
  const results = await Promise.allSettled(
    Array.from({ length: workers }, (_, i) => fc.assert(fc.asyncProperty(arb, check), { numRuns: per, seed: seed + i, endOnFailure: false })),
  );
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as Error);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    // Each copy shrank its own failure: tell them all (several may be the same fault).
    const told = failures.map((f, i) => {
      const cause = (f as { cause?: Error }).cause;
      return `── failure ${i + 1} of ${failures.length} ──\n${f.message.slice(0, 700)}\n${cause ? String(cause.message ?? cause).slice(0, 2000) : ''}`;
    });
    throw new Error(`${failures.length} copies of the property failed:\n${told.join('\n')}`, { cause: failures[0] });
  }
}

// ── import records, valid and broken ───────────────────────────────────────────────────

/** A record of the import format (docs/import-format.md) that is valid against the world. */
export function validRecord(kind: number, n: number, tag: string): Record<string, unknown> {
  const id = `fz-${tag}-${n}`;
  switch (kind % 8) {
    case 0:
      return { type: 'member', id, unit: ['B11', 'B12', 'B41'][n % 3], joinedAt: '2025-02-01T08:00:00+07:00', appActivatedAt: '2025-03-01T08:00:00+07:00', evaluations: [{ year: 2025, recordedAt: '2025-12-20T10:00:00+07:00' }], birthYear: 2001, gender: 'FEMALE' };
    case 1:
      // A day of its own per line: no two reports share unit, kind and day.
      return { type: 'report', unit: ['C1', 'C3', 'C4'][n % 3], kind: 'DIGITAL_SKILLS_TRAINED', date: `2026-0${1 + ((n >> 5) % 9)}-${String(1 + (n % 28)).padStart(2, '0')}`, count: 3 + n, id };
    case 2:
      return { type: 'model', id, unit: 'B11', kind: 'Chi đoàn số', establishedAt: '2025-05-01T08:00:00+07:00', effectiveFrom: '2025-06-01T08:00:00+07:00' };
    case 3:
      return { type: 'team', id, unit: 'C3', establishedAt: '2025-09-01T08:00:00+07:00', roster: [{ person: `${id}-p`, from: '2025-09-01T08:00:00+07:00' }] };
    case 4:
      return { type: 'product', id, unit: 'C1', name: 'Trà Đình 😀', listedAt: '2026-01-05T08:00:00+07:00' };
    case 5:
      return { type: 'relic', id, unit: 'C4', name: 'Đình \u202Ethử', digitizedAt: '2026-02-01T10:00:00+07:00' };
    case 6:
      return { type: 'unit', code: `FZ-${tag}-${n}`, name: 'Chi đoàn Fuzz', level: 'BRANCH', parent: 'C3', validFrom: '2025-01-01' };
    default:
      return { type: 'member', id, unit: 'B12', joinedAt: '2025-06-01T08:00:00Z' };
  }
}

/** One fault of a record: how it is broken, and the field a problem must name (null: any field). */
export interface Fault {
  name: string;
  /** The broken line's text, from the record. */
  apply(record: Record<string, unknown>, text: string): string;
  field: string | null;
  /** Only for some record types. */
  types?: string[];
}

const withField = (key: string, value: unknown) => (r: Record<string, unknown>) => JSON.stringify({ ...r, [key]: value });
const without = (key: string) => (r: Record<string, unknown>) => {
  const { [key]: _gone, ...rest } = r;
  return JSON.stringify(rest);
};

export const FAULTS: Fault[] = [
  { name: 'not JSON: a quote left open', apply: (_r, t) => t.slice(0, -2) + '"', field: '(line)' },
  { name: 'not JSON: a trailing comma', apply: (_r, t) => `${t.slice(0, -1)},}`, field: '(line)' },
  { name: 'not JSON: single quotes', apply: (_r, t) => t.replace(/"/g, "'"), field: '(line)' },
  { name: 'not an object', apply: () => '[1, 2]', field: '(record)' },
  { name: 'null', apply: () => 'null', field: '(record)' },
  { name: 'a bare string', apply: () => '"member"', field: '(record)' },
  { name: 'an unknown type', apply: withField('type', 'memb'), field: 'type' },
  { name: 'a type of odd Unicode', apply: withField('type', 'member\u0301'), field: 'type' },
  { name: 'no type', apply: without('type'), field: 'type' },
  { name: 'an unknown field', apply: withField('joinedat', '2025-01-01'), field: 'joinedat' },
  { name: 'a field with odd Unicode', apply: withField('unit\u202E', 'C1'), field: 'unit\u202E' },
  { name: 'no unit', apply: without('unit'), field: 'unit', types: ['member', 'report', 'model', 'team', 'product', 'relic'] },
  { name: 'an unknown unit', apply: withField('unit', 'NO-SUCH-UNIT'), field: 'unit', types: ['member', 'report', 'model', 'team', 'product', 'relic'] },
  { name: 'a unit code of odd Unicode', apply: withField('unit', 'C1\u0000'), field: 'unit', types: ['member', 'report', 'model', 'team', 'product', 'relic'] },
  { name: 'a unit as a number', apply: withField('unit', 11), field: 'unit', types: ['member', 'report', 'model', 'team', 'product', 'relic'] },
  { name: 'an id as a number', apply: withField('id', 12), field: 'id', types: ['member', 'model', 'team', 'product', 'relic'] },
  { name: 'a blank id', apply: withField('id', '   '), field: 'id', types: ['member', 'model', 'team', 'product', 'relic'] },
  { name: 'no joinedAt', apply: without('joinedAt'), field: 'joinedAt', types: ['member'] },
  { name: 'joinedAt without an offset', apply: withField('joinedAt', '2025-02-01T08:00:00'), field: 'joinedAt', types: ['member'] },
  { name: 'joinedAt not a day', apply: withField('joinedAt', '2025-02-30T08:00:00+07:00'), field: 'joinedAt', types: ['member'] },
  { name: 'joinedAt a number', apply: withField('joinedAt', 1_700_000_000), field: 'joinedAt', types: ['member'] },
  { name: 'joinedAt huge', apply: withField('joinedAt', '2'.repeat(100_000)), field: 'joinedAt', types: ['member'] },
  { name: 'leftAt before joinedAt', apply: withField('leftAt', '2024-01-01T08:00:00+07:00'), field: 'leftAt', types: ['member'] },
  { name: 'leftAt equal to joinedAt', apply: (r) => JSON.stringify({ ...r, leftAt: r.joinedAt }), field: 'leftAt', types: ['member'] },
  { name: 'birthYear out of range', apply: withField('birthYear', 1800), field: 'birthYear', types: ['member'] },
  { name: 'birthYear 2^53', apply: withField('birthYear', 2 ** 53), field: 'birthYear', types: ['member'] },
  { name: 'birthYear a string', apply: withField('birthYear', '2001'), field: 'birthYear', types: ['member'] },
  { name: 'gender in lower case', apply: withField('gender', 'female'), field: 'gender', types: ['member'] },
  { name: 'an evaluation year out of range', apply: withField('evaluations', [{ year: 1800, recordedAt: '2025-12-20T10:00:00+07:00' }]), field: 'evaluations[0].year', types: ['member'] },
  { name: 'an evaluation year twice', apply: withField('evaluations', [{ year: 2025, recordedAt: '2025-12-20T10:00:00+07:00' }, { year: 2025, recordedAt: '2025-12-21T10:00:00+07:00' }]), field: 'evaluations[1].year', types: ['member'] },
  { name: 'evaluations not a list', apply: withField('evaluations', { year: 2025 }), field: 'evaluations', types: ['member'] },
  { name: 'a negative count', apply: withField('count', -1), field: 'count', types: ['report'] },
  { name: 'a count of 1e308', apply: withField('count', 1e308), field: 'count', types: ['report'] },
  { name: 'a fractional count', apply: withField('count', 1.5), field: 'count', types: ['report'] },
  { name: 'a count as text', apply: withField('count', '5'), field: 'count', types: ['report'] },
  { name: 'a report day that is not one', apply: withField('date', '2026-02-30'), field: 'date', types: ['report'] },
  { name: 'a report date with a time', apply: withField('date', '2026-02-03T00:00:00+07:00'), field: 'date', types: ['report'] },
  { name: 'an unknown report kind', apply: withField('kind', 'VNEID'), field: 'kind', types: ['report'] },
  { name: 'effectiveFrom before establishedAt', apply: withField('effectiveFrom', '2024-01-01T00:00:00+07:00'), field: 'effectiveFrom', types: ['model'] },
  { name: 'a roster entry ending before it starts', apply: withField('roster', [{ person: 'p', from: '2025-09-02T00:00:00+07:00', to: '2025-09-01T00:00:00+07:00' }]), field: 'roster[0].to', types: ['team'] },
  { name: 'a roster entry with an unknown field', apply: withField('roster', [{ person: 'p', from: '2025-09-02T00:00:00+07:00', role: 'lead' }]), field: 'roster[0].role', types: ['team'] },
  { name: 'an unknown level', apply: withField('level', 'VILLAGE'), field: 'level', types: ['unit'] },
  { name: 'a unit that is its own parent', apply: (r) => JSON.stringify({ ...r, parent: r.code }), field: 'parent', types: ['unit'] },
  { name: 'an unknown parent', apply: withField('parent', 'NO-SUCH-PARENT'), field: 'parent', types: ['unit'] },
  { name: 'validTo before validFrom', apply: withField('validTo', '2024-01-01'), field: 'validTo', types: ['unit'] },
  { name: 'a blank name', apply: withField('name', ''), field: 'name', types: ['product', 'relic', 'unit'] },
  // Text PostgreSQL cannot store: refused as a problem of the line (INVALID or STOPPED), whichever pass finds it.
  { name: 'a name holding NUL', apply: withField('name', 'Đình\u0000'), field: null, types: ['product', 'relic', 'unit'] },
  { name: 'an id holding NUL', apply: withField('id', 'fz\u0000id'), field: null, types: ['member', 'model', 'team', 'product', 'relic'] },
];

/** A broken NDJSON file: valid lines, one broken, blank lines here and there; the broken line's number and the field its problem names. */
export interface BrokenFile {
  text: string;
  line: number;
  field: string | null;
  fault: string;
}

export const brokenNdjson = (tag: fc.Arbitrary<string> = fc.stringMatching(/^[a-z0-9]{6}$/)): fc.Arbitrary<BrokenFile> =>
  fc
    .record({
      tag,
      kinds: fc.array(fc.nat(7), { minLength: 1, maxLength: 12 }),
      at: fc.nat(),
      fault: fc.nat(),
      blanks: fc.array(fc.boolean(), { maxLength: 14 }),
      crlf: fc.boolean(),
      trailing: fc.boolean(),
    })
    .map(({ tag, kinds, at, fault, blanks, crlf, trailing }) => {
      const records = kinds.map((k, i) => validRecord(k, i, tag));
      const index = at % records.length;
      const record = records[index]!;
      const fitting = FAULTS.filter((f) => !f.types || f.types.includes(record.type as string));
      const chosen = fitting[fault % fitting.length]!;
      const texts = records.map((r, i) => (i === index ? chosen.apply(r, JSON.stringify(r)) : JSON.stringify(r)));
      const lines: string[] = [];
      let line = 0;
      texts.forEach((t, i) => {
        if (blanks[i]) lines.push(i % 2 ? '' : '   ');
        lines.push(t);
        if (i === index) line = lines.length;
      });
      return { text: lines.join(crlf ? '\r\n' : '\n') + (trailing ? '\n' : ''), line, field: chosen.field, fault: chosen.name };
    });

/** A CSV cell, quoted (RFC 4180) when it must be. */
const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

interface CsvFault {
  name: string;
  column: string;
  value: string;
  /** The field the problem names; '(line)' for a row the reader cannot take. */
  field: string | null;
}

const CSV_FILES: { file: string; columns: string[]; row: (n: number, tag: string) => string[]; faults: CsvFault[] }[] = [
  {
    file: 'members.csv',
    columns: ['id', 'unit', 'joinedAt', 'leftAt', 'appActivatedAt', 'gender', 'birthYear'],
    row: (n, tag) => [`fz-${tag}-${n}`, ['B11', 'B12', 'B41'][n % 3]!, '2025-02-01T08:00:00+07:00', '', n % 2 ? '2025-03-01T08:00:00+07:00' : '', n % 2 ? 'MALE' : '', n % 3 ? '2000' : ''],
    faults: [
      { name: 'an unknown unit', column: 'unit', value: 'NO-SUCH', field: 'unit' },
      { name: 'joinedAt not an instant', column: 'joinedAt', value: 'yesterday', field: 'joinedAt' },
      { name: 'joinedAt without an offset', column: 'joinedAt', value: '2025-02-01T08:00', field: 'joinedAt' },
      { name: 'leftAt before joinedAt', column: 'leftAt', value: '2024-02-01T08:00:00+07:00', field: 'leftAt' },
      { name: 'gender unknown', column: 'gender', value: 'X', field: 'gender' },
      { name: 'birthYear not a number', column: 'birthYear', value: 'abc', field: 'birthYear' },
      { name: 'birthYear out of range', column: 'birthYear', value: '1800', field: 'birthYear' },
      { name: 'birthYear huge', column: 'birthYear', value: '1e308', field: 'birthYear' },
      { name: 'no id', column: 'id', value: '', field: 'id' },
      { name: 'an id that is blank', column: 'id', value: '   ', field: 'id' },
    ],
  },
  {
    file: 'reports.csv',
    columns: ['unit', 'kind', 'date', 'count'],
    row: (n) => [['C1', 'C3', 'C4'][n % 3]!, 'ECOMMERCE_PRODUCTS', `2026-02-${String(1 + (n % 28)).padStart(2, '0')}`, String(n)],
    faults: [
      { name: 'a negative count', column: 'count', value: '-5', field: 'count' },
      { name: 'a count of words', column: 'count', value: 'many', field: 'count' },
      { name: 'a fractional count', column: 'count', value: '2.5', field: 'count' },
      { name: 'a month 13', column: 'date', value: '2026-13-01', field: 'date' },
      { name: 'a kind in lower case', column: 'kind', value: 'ecommerce_products', field: 'kind' },
      { name: 'an unknown unit', column: 'unit', value: 'C1\u202E', field: 'unit' },
    ],
  },
  {
    file: 'products.csv',
    columns: ['id', 'unit', 'name', 'listedAt', 'delistedAt'],
    // Names over two lines, with quotes: the record ends on a later line than it starts.
    row: (n, tag) => [`fz-${tag}-p${n}`, 'C1', n % 2 ? `Trà "Đình"\nsố ${n}` : `Chè ${n}, 😀`, '2026-01-05T08:00:00+07:00', ''],
    faults: [
      { name: 'delistedAt before listedAt', column: 'delistedAt', value: '2025-01-05T08:00:00+07:00', field: 'delistedAt' },
      { name: 'a blank name', column: 'name', value: ' ', field: 'name' },
      { name: 'an unknown unit', column: 'unit', value: 'TWX', field: 'unit' },
      { name: 'listedAt of 2^53', column: 'listedAt', value: '9007199254740993', field: 'listedAt' },
    ],
  },
];

export interface BrokenFolder {
  files: Record<string, string>;
  file: string;
  line: number;
  field: string | null;
  fault: string;
}

/** A folder of CSV files with one broken row (or one row the reader cannot take). */
export const brokenCsv = (tag: fc.Arbitrary<string> = fc.stringMatching(/^[a-z0-9]{6}$/)): fc.Arbitrary<BrokenFolder> =>
  fc
    .record({ tag, which: fc.nat(CSV_FILES.length - 1), rows: fc.integer({ min: 1, max: 8 }), at: fc.nat(), fault: fc.nat(), structural: fc.nat(9), crlf: fc.boolean(), bom: fc.boolean() })
    .map(({ tag, which, rows, at, fault, structural, crlf, bom }) => {
      const spec = CSV_FILES[which]!;
      const index = at % rows;
      const eol = crlf ? '\r\n' : '\n';
      const out: string[] = [spec.columns.join(',')];
      let line = 1;
      let brokenLine = 0;
      const f = spec.faults[fault % spec.faults.length]!;
      for (let i = 0; i < rows; i += 1) {
        const cells = spec.row(i, tag);
        let text: string;
        if (i === index && structural === 0) {
          // A row with a column more than the header.
          text = [...cells, 'extra'].map(cell).join(',');
        } else {
          if (i === index) cells[spec.columns.indexOf(f.column)] = f.value;
          text = cells.map(cell).join(',');
        }
        // A line break inside a quoted cell is the file's own (CRLF or LF).
        text = text.replace(/\r?\n/g, eol);
        // Lines so far: the header is line 1; a record ends on the last of its lines.
        line += text.split(eol).length;
        out.push(text);
        if (i === index) brokenLine = line;
      }
      const chosen = structural === 0 ? { name: 'a row with a column too many', field: '(line)' } : { name: f.name, field: f.field };
      return { files: { [spec.file]: (bom ? '\uFEFF' : '') + out.join(eol) + eol }, file: spec.file, line: brokenLine, field: chosen.field, fault: chosen.name };
    });
