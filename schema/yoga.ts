// The one GraphQL server: the dev server, the Lambda handler and the tests all use it.
// Before any resolver runs: who is asking (schema/access/), whether the document is within
// the limits and what it costs (schema/limits.ts); errors carry a request id, and what was
// not meant for the client is logged (without SQL or its parameters) and masked.
import { randomUUID } from 'node:crypto';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Db } from '../db/client.js';
import { authenticate, newAuthState, RequestRefused } from './access/authenticate.js';
import type { ApiConfig } from './config.js';
import { createContext, type Context } from './context.js';
import { schema } from './index.js';
import { costLimit, documentLimits, LIMITS, timeBudget } from './limits.js';
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

const requestIds = new WeakMap<Request, string>();

/** The request's id: the caller's `x-request-id` when it is a plain token, else a new one. */
export function requestIdOf(request: Request): string {
  let id = requestIds.get(request);
  if (!id) {
    const given = request.headers.get('x-request-id') ?? '';
    id = /^[A-Za-z0-9._:=+/-]{8,100}$/.test(given) ? given : randomUUID();
    requestIds.set(request, id);
  }
  return id;
}

/** A database or driver message without the statement and its parameters. */
function safeMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : error;
  const message = inner instanceof Error ? inner.message : String(inner);
  return message.replace(/(Failed query|params):[\s\S]*$/i, '$1: …').slice(0, 300);
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
      const original = e.originalError ?? e;
      const pg = (original as { cause?: { code?: unknown } }).cause?.code ?? (original as { code?: unknown }).code;
      // Text the database cannot hold (a NUL, U+0000) is the caller's input, not a fault of ours.
      if (pg === '22021' || pg === '22P05') {
        return new GraphQLError('An argument holds a character that cannot be stored or searched (such as NUL, U+0000).', {
          nodes: e.nodes,
          path: e.path,
          extensions: { code: 'BAD_USER_INPUT', requestId },
        });
      }
      config.logger.error(
        { requestId, path: e.path?.join('.'), error: { name: original.name, code: typeof pg === 'string' ? pg : undefined, message: safeMessage(original) } },
        'unexpected error',
      );
      return new GraphQLError('Unexpected error.', { nodes: e.nodes, path: e.path, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } });
    });
    return { ...result, errors };
  };
  return {
    onExecute({ args }) {
      const requestId = (args.contextValue as Context).requestId;
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
        errors: result.errors.map((e) =>
          e.extensions?.requestId
            ? e
            : new GraphQLError(e.message, {
                nodes: e.nodes,
                source: e.source,
                positions: e.positions,
                path: e.path,
                originalError: e.originalError,
                extensions: {
                  code: e.path ? 'INTERNAL_SERVER_ERROR' : refused(e),
                  ...e.extensions,
                  ...(refused(e) === 'QUERY_TOO_LARGE' ? { code: 'QUERY_TOO_LARGE', limits: { tokens: LIMITS.tokens, depth: LIMITS.depth, aliases: LIMITS.aliases } } : {}),
                  requestId,
                },
              }),
        ),
      });
    },
    onResponse({ request, response }) {
      response.headers.set('x-request-id', requestIdOf(request));
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
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
        return createContext(db, await authenticate(db, request, config.access, state), requestId);
      } catch (error) {
        if (!(error instanceof RequestRefused)) throw error;
        throw new GraphQLError(error.message, {
          extensions: { code: error.code, requestId, http: { status: error.status, headers: error.headers } },
        });
      }
    },
    graphqlEndpoint: '/graphql',
    graphiql: config.graphiql
      ? {
          defaultQuery: EXAMPLE_QUERY,
          title: 'Youth Union KPIs',
          ...(config.graphiqlHeaders ? { headers: JSON.stringify(config.graphiqlHeaders, null, 2) } : {}),
        }
      : false,
    landingPage: false,
    cors: config.corsOrigins.length === 0 ? false : { origin: config.corsOrigins, credentials: false, allowedHeaders: ['content-type', 'authorization', 'x-api-key', CSRF_HEADER, 'x-request-id'], methods: ['GET', 'POST'] },
    maskedErrors: { isDev: false },
    logging: false,
    plugins: [
      exportPlugin(db, config, state, requestIdOf),
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
      documentLimits(config.production),
      ...(config.production ? [useDisableIntrospection()] : []),
      costLimit(),
      timeBudget(config.requestBudgetMs),
      errorsWithRequestId(config),
    ],
  });
}
