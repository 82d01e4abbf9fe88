// What a request may ask for, checked before any SQL runs: the size of the document
// (tokens, depth, aliases, directives: graphql-armor), and what it costs, from the fields'
// own costs (a breakdown of 1,000 branches costs 1,000 KPI values, one KPI costs 2: Pothos
// complexity). Then a time budget while it runs.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { createComplexityRule } from '@pothos/plugin-complexity';
import { getOperationAST, getVariableValues, GraphQLError, Kind, validate, type DefinitionNode, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export const LIMITS = {
  /** Tokens of a document: a large dashboard query is about 600. */
  tokens: 4000,
  /** Nesting of fields: unit → breakdown → nodes → unit → kpi → previous → value is 7. */
  depth: 12,
  aliases: 40,
  directives: 20,
  /**
   * What one request may cost: a field costs 1, a KPI value 2, a list or page multiplies what
   * is under it by its length (`first`), a breakdown adds the units it ranks. The national
   * dashboard of 34 provinces × 13 KPIs × 12 months costs about 100,000.
   */
  cost: 150_000,
  /** Fields selected in all: a wide dashboard selects about 150. */
  breadth: 500,
} as const;

/** Nesting of braces, brackets and parentheses a document may hold: the parser recurses once a level. */
const MAX_NESTING = 100;

/** The deepest nesting of a document's text, outside strings and comments, counted before it is parsed. */
export function nestingOf(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < source.length; i += 1) {
    const c = source[i];
    if (c === '"') {
      if (source.startsWith('"""', i)) {
        // A block string: to its closing triple quote.
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        // A string: to its closing quote (or the line's end), skipping escapes.
        for (i += 1; i < source.length && source[i] !== '"' && source[i] !== '\n'; i += 1) if (source[i] === '\\') i += 1;
      }
    } else if (c === '#') {
      while (i < source.length && source[i] !== '\n') i += 1;
    } else if (c === '{' || c === '[' || c === '(') {
      depth += 1;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ']' || c === ')') {
      depth -= 1;
    }
  }
  return deepest;
}

/** Refuses a document nested deeper than the parser can take, before it is parsed. */
export function nestingLimit(): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (nestingOf(source) > MAX_NESTING) throw new GraphQLError(`Syntax Error: Nesting limit of ${MAX_NESTING} exceeded.`);
    },
  };
}

/** graphql-armor's limits on the document itself, refused at validation. */
export function documentLimits(production: boolean): Plugin {
  return EnvelopArmorPlugin({
    maxTokens: { n: LIMITS.tokens },
    maxDepth: { n: LIMITS.depth, flattenFragments: true },
    maxAliases: { n: LIMITS.aliases },
    maxDirectives: { n: LIMITS.directives },
    // Costs are the Pothos fields' own (below), which know what `first: 1000` means.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: production },
  }) as Plugin;
}

/**
 * Refuses an operation whose cost, depth or breadth is over the limits before it executes:
 * no resolver runs, so no statement is sent. Measured per request, since costs depend on
 * the variables (`first: $n`).
 */
export function costLimit(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      // Variables that do not fit their types are the request's error (BAD_USER_INPUT), told by the execution: not a cost.
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation || getVariableValues(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>).errors) return;
      const errors = validate(args.schema, args.document, [
        createComplexityRule({
          context: args.contextValue as object,
          variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
          operationName: args.operationName ?? null,
          maxComplexity: LIMITS.cost,
          maxDepth: LIMITS.depth,
          maxBreadth: LIMITS.breadth,
        }),
      ]);
      if (errors.length > 0) {
        setResultAndStopExecution({
          errors: errors.map(
            (e) =>
              new GraphQLError(`${e.message} Ask for less: smaller pages (\`first\`), fewer KPIs or periods, or several requests.`, {
                extensions: { code: 'QUERY_TOO_COSTLY', limits: { cost: LIMITS.cost, depth: LIMITS.depth, breadth: LIMITS.breadth } },
              }),
          ),
        });
      }
    },
  };
}

/**
 * A time budget for executing one operation: when it runs out, the answer is an error
 * (TIME_BUDGET_EXCEEDED) and the execution is told to stop resolving fields.
 */
export function timeBudget(ms: number): Plugin {
  return {
    onExecute({ args: { document, operationName }, executeFn, setExecuteFn }) {
      // A mutation runs to its end: answering "out of time" while its transaction commits would lie.
      const operation = document.definitions.find(
        (d: DefinitionNode): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
      );
      if (operation?.operation === 'mutation') return;
      setExecuteFn((args) => {
        const controller = new AbortController();
        const upstream = (args as { signal?: AbortSignal }).signal;
        upstream?.addEventListener('abort', () => controller.abort(upstream.reason), { once: true });
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(() => {
            controller.abort(new Error('time budget exceeded'));
            resolve({
              errors: [
                new GraphQLError(`The request ran out of its time budget (${ms} ms). Ask for less, or split it into several requests.`, {
                  extensions: { code: 'TIME_BUDGET_EXCEEDED', budgetMs: ms },
                }),
              ],
            });
          }, ms);
        });
        const run = Promise.resolve(executeFn({ ...args, signal: controller.signal } as typeof args));
        return Promise.race([run, expired]).finally(() => clearTimeout(timer)) as ReturnType<typeof executeFn>;
      });
    },
  };
}
