// The one GraphQL server: the dev server, the Lambda handler and the tests all use it.
// Before any resolver runs: who is asking (schema/access/), whether the document is within
// the limits and what it costs (schema/limits.ts); errors carry a request id, and what was
// not meant for the client is logged (without SQL or its parameters) and masked.
import { randomUUID } from 'node:crypto';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { sql } from 'drizzle-orm';
import { GraphQLError, Kind, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { isTransient, pgError, rows, statementsOf, type Db } from '../db/client.js';
import { authenticate, newAuthState, RequestRefused } from './access/authenticate.js';
import type { ApiConfig } from './config.js';
import { responseCache } from './cache.js';
import { createContext, type Context } from './context.js';
import { schema } from './index.js';
import { errorSummary } from './errors.js';
import { costLimit, documentLimits, LIMITS, nestingLimit, timeBudget } from './limits.js';
import { exportPlugin } from './partner/export.js';
import { PERSISTED_OPERATIONS } from './persisted.js';

export const EXAMPLE_QUERY = `# Members using the Vietnam Youth app, Lạng Sơn and its first communes, October 2026.
query AppAdoption {
  unit(code: "LS") {
    name
    kpi(id: APP_ADOPTION, period: "2026-10") { value numerator denominator }
    children(first: 5) {
      nodes {
        code
        name
        kpi(id: APP_ADOPTION, period: "2026-10") { value numerator denominator }
      }
    }
  }
}
`;

/** The header a browser client sends with GET requests, which a cross-site form cannot. */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

/** What the request log tells of a request, gathered as it goes. */
interface RequestInfo {
  id: string;
  started: number;
  caller?: string;
  operation?: string;
  stats?: { statements: number };
}

const requests = new WeakMap<Request, RequestInfo>();

function infoOf(request: Request): RequestInfo {
  let info = requests.get(request);
  if (!info) {
    const given = request.headers.get('x-request-id') ?? '';
    info = { id: /^[A-Za-z0-9._:=+/-]{8,100}$/.test(given) ? given : randomUUID(), started: performance.now() };
    requests.set(request, info);
  }
  return info;
}

/** The request's id: the caller's `x-request-id` when it is a plain token, else a new one. */
export function requestIdOf(request: Request): string {
  return infoOf(request).id;
}

/** SQLSTATEs of values the database cannot hold: untranslatable characters, bad text for a type, dates or numbers out of range. */
const INPUT_SQLSTATES = new Set(['22021', '22P05', '22P02', '22008', '22007', '22003']);

const UNAVAILABLE =
  'The database is unavailable for a moment, so the request was not completed: send it again (a mutation with the same idempotency key: if it was written, the answer is the first one).';

/** The error of a request cut short by the database being away: retryable, and a 503 (`whole`) when nothing else came back. */
function unavailable(requestId: string, at: { nodes?: GraphQLError['nodes']; path?: GraphQLError['path'] } = {}, whole = false): GraphQLError {
  return new GraphQLError(UNAVAILABLE, {
    nodes: at.nodes,
    path: at.path,
    extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true, requestId, ...(whole ? { http: { status: 503, headers: { 'retry-after': '1' } } } : {}) },
  });
}


/**
 * Every error leaves with the request id. An error that is not one of the API's own (a
 * GraphQLError with a code) is logged with that id and replaced by "Unexpected error".
 */
function errorsWithRequestId(config: ApiConfig): Plugin<Context> {
  const mark = (result: ExecutionResult, requestId: string): ExecutionResult => {
    if (!result.errors?.length) return result;
    const errors = result.errors.map((e) => {
      const own = e.extensions?.code !== undefined && (e.originalError === undefined || e.originalError instanceof GraphQLError);
      if (own) return new GraphQLError(e.message, { nodes: e.nodes, path: e.path, extensions: { ...e.extensions, requestId } });
      // Told by the execution before any field ran (variables that do not fit their types): the request's error.
      if (e.path === undefined && (e.originalError === undefined || e.originalError instanceof GraphQLError)) return new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT', requestId } });
      const original = e.originalError ?? e;
      const logged = { requestId, path: e.path?.join('.'), error: errorSummary(original) };
      if (isTransient(original)) {
        config.logger.warn(logged, 'database unavailable');
        return unavailable(requestId, e);
      }
      // A value the database cannot hold (a NUL, an instant out of range) is the caller's input, not a fault of ours.
      if (INPUT_SQLSTATES.has(pgError(original)?.code ?? '')) {
        return new GraphQLError('An argument holds a value that cannot be stored or searched (such as a NUL character, U+0000, or an instant out of range).', {
          nodes: e.nodes,
          path: e.path,
          extensions: { code: 'BAD_USER_INPUT', requestId },
        });
      }
      config.logger.error(logged, 'unexpected error');
      return new GraphQLError('Unexpected error.', { nodes: e.nodes, path: e.path, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } });
    });
    // Nothing came back and the database is why: 503, to be retried.
    if (result.data == null && errors.every((e) => e.extensions.code === 'SERVICE_UNAVAILABLE')) errors[0] = unavailable(requestId, errors[0], true);
    return { ...result, errors };
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const ctx = args.contextValue as Context;
      const requestId = ctx.requestId;
      // Every statement the operation sends is counted for the request log, whatever sends it.
      setExecuteFn((a) => statementsOf.run(ctx.stats, () => executeFn(a)));
      if (ctx.request) {
        const info = infoOf(ctx.request);
        info.operation = args.operationName ?? operationOf(args.document);
        info.stats = ctx.stats;
      }
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          setResult(mark(result, requestId));
        },
      };
    },
    // Errors from before execution (a document refused at parse or validation, a refused caller) get the request id and a code too.
    onResultProcess({ request, result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      const requestId = requestIdOf(request);
      // graphql-armor tells its limits as syntax errors: they are limits.
      const refused = (e: GraphQLError) =>
        /limit of \d+ exceeded/i.test(e.message) ? 'QUERY_TOO_LARGE' : /^Syntax Error/.test(e.message) ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED';
      setResult({
        ...result,
        errors: result.errors.map((e) => {
          if (e.extensions?.requestId) return e;
          const kind = refused(e);
          return new GraphQLError(e.message, {
            nodes: e.nodes,
            source: e.source,
            positions: e.positions,
            path: e.path,
            originalError: e.originalError,
            extensions: {
              code: e.path ? 'INTERNAL_SERVER_ERROR' : kind,
              // What the body held is not told back.
              ...Object.fromEntries(Object.entries(e.extensions ?? {}).filter(([k]) => k !== 'originalError')),
              ...(kind === 'QUERY_TOO_LARGE' ? { code: kind, limits: { tokens: LIMITS.tokens, depth: LIMITS.depth, aliases: LIMITS.aliases } } : {}),
              requestId,
            },
          });
        }),
      });
    },
    onResponse({ request, response }) {
      const info = infoOf(request);
      response.headers.set('x-request-id', info.id);
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
      // One line a request: who (the caller's id, never personal data), what, how it went, what it cost.
      config.logger.info(
        {
          requestId: info.id,
          caller: info.caller ?? 'refused',
          method: request.method,
          path: new URL(request.url).pathname,
          operation: info.operation,
          status: response.status,
          ms: Math.round((performance.now() - info.started) * 10) / 10,
          statements: info.stats?.statements,
        },
        'request',
      );
    },
  };
}

/** "query Dashboard" of a document without an operation name: its kind and first field. */
function operationOf(document: DocumentNode): string | undefined {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) return undefined;
  const first = op.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return op.name?.value ?? `${op.operation} ${first?.kind === Kind.FIELD ? first.name.value : ''}`.trim();
}

/** GET /health: 200 when the database answers within 2 s, else 503 with the reason. No credentials needed; nothing else told. */
function healthPlugin(db: Db): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health') return;
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const reason = await Promise.race([
        rows(db, sql`SELECT 1 AS ok`).then(
          () => null,
          (e: unknown) => (isTransient(e) ? 'the database is not reachable' : 'the database refused a check'),
        ),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('the database did not answer within 2 s'), 2_000))),
      ]).finally(() => clearTimeout(timer));
      const body = reason ? { status: 'unavailable', reason } : { status: 'ok', databaseMs: Math.round((performance.now() - started) * 10) / 10 };
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: reason ? 503 : 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...(reason ? { 'retry-after': '5' } : {}) },
        }),
      );
    },
  };
}

export function makeYoga(db: Db, config: ApiConfig): YogaServerInstance<{}, Context> {
  const state = newAuthState();
  const persistedOnly = async (request: Request) => {
    try {
      const access = await authenticate(db, request, config.access, state);
      return access.principal.kind === 'partner' && access.principal.persistedOnly;
    } catch {
      // Refused callers are told why by the context, with the right status.
      return false;
    }
  };
  return createYoga<{}, Context>({
    schema,
    context: async ({ request }) => {
      const requestId = requestIdOf(request);
      try {
        const context = createContext(db, await authenticate(db, request, config.access, state), requestId, config.progress);
        infoOf(request).caller = context.access.actor;
        return context;
      } catch (error) {
        if (isTransient(error)) {
          config.logger.warn({ requestId, error: errorSummary(error) }, 'database unavailable');
          throw unavailable(requestId, {}, true);
        }
        if (!(error instanceof RequestRefused)) throw error;
        throw new GraphQLError(error.message, {
          extensions: { code: error.code, requestId, http: { status: error.status, headers: error.headers } },
        });
      }
    },
    graphqlEndpoint: '/graphql',
    // Yoga's own /health says only that the process runs; ours (healthPlugin) asks the database.
    healthCheckEndpoint: '/health/process',
    graphiql: config.graphiql
      ? {
          defaultQuery: EXAMPLE_QUERY,
          // The first tab opens with the example query (and the dev token), ready to run.
          defaultTabs: [{ query: EXAMPLE_QUERY, headers: config.graphiqlHeaders ? JSON.stringify(config.graphiqlHeaders, null, 2) : null }],
          title: 'Youth Union KPIs',
          ...(config.graphiqlHeaders ? { headers: JSON.stringify(config.graphiqlHeaders, null, 2) } : {}),
        }
      : false,
    ...(config.renderGraphiQL ? { renderGraphiQL: config.renderGraphiQL } : {}),
    landingPage: false,
    cors: config.corsOrigins.length === 0 ? false : { origin: config.corsOrigins, credentials: false, allowedHeaders: ['content-type', 'authorization', 'x-api-key', CSRF_HEADER, 'x-request-id'], methods: ['GET', 'POST'] },
    maskedErrors: { isDev: false },
    logging: false,
    plugins: [
      ...(config.responseCache ? responseCache({ max: config.responseCacheEntries }) : []),
      healthPlugin(db),
      exportPlugin(db, config, state, { idOf: requestIdOf, caller: (request, actor) => void (infoOf(request).caller = actor) }),
      useCSRFPrevention({ requestHeaders: [CSRF_HEADER] }),
      usePersistedOperations({
        getPersistedOperation: (hash) => PERSISTED_OPERATIONS.get(hash) ?? null,
        allowArbitraryOperations: async (request) => !(await persistedOnly(request)),
        skipDocumentValidation: false,
        customErrors: {
          notFound: { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
          keyNotFound: { message: 'PersistedQueryKeyNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } },
          persistedQueryOnly: {
            message: 'This API key may only send persisted operations (by their sha256Hash).',
            extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 403 } },
          },
        },
      }),
      nestingLimit(),
      documentLimits(config.production),
      ...(config.production ? [useDisableIntrospection()] : []),
      costLimit(),
      timeBudget(config.requestBudgetMs),
      errorsWithRequestId(config),
    ],
  });
}
