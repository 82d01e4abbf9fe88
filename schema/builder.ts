// The one SchemaBuilder: plugins and scalars live here; each domain module adds its types.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError, Kind } from 'graphql';
import { holderUnitCode, type PersonalDataHolder } from './access/personal.js';
import { forbidden, type Context } from './context.js';
import { checkDayText, formatVietnamInstant, parseInstantText } from '../domain/time.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Date: { Input: string; Output: string };
    Count: { Input: number; Output: number };
  };
  AuthScopes: {
    /** Reads units and aggregates (everyone but an anonymous caller when anonymous access is off). */
    reader: boolean;
    /** A CENTRAL_ADMIN or a UNIT_ADMIN: writes data (where, the write guard decides). */
    writer: boolean;
    centralAdmin: boolean;
    /** Sees member-level data held by this unit (or this member's or team's unit). */
    personalData: PersonalDataHolder;
  };
  DefaultFieldNullability: false;
}>({
  // Scope checks run before any other plugin's wrapping of a resolver.
  plugins: [ScopeAuthPlugin, RelayPlugin, ErrorsPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // A page costs what `first` says (the connection field multiplies by it), not ten times more.
    nodesOnConnection: { complexity: { field: 1, multiplier: 1 } },
    edgesFieldOptions: { complexity: { field: 1, multiplier: 1 } },
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      reader: ctx.access.reads,
      writer: ctx.access.isWriter,
      centralAdmin: ctx.access.isCentralAdmin,
      personalData: async (holder) => {
        const code = await holderUnitCode(ctx.db, holder);
        const unit = code === null ? null : await ctx.loaders.unitByCode.load(code);
        return unit !== null && ctx.access.seesPersonalData(unit);
      },
    }),
    unauthorizedError: (_parent, ctx, info) =>
      ctx.access.principal.kind === 'anonymous'
        ? new GraphQLError(`Not allowed: ${info.parentType.name}.${info.fieldName} needs a bearer token or an API key`, {
            extensions: { code: 'UNAUTHENTICATED', reason: 'no credentials' },
          })
        : forbidden(`${info.parentType.name}.${info.fieldName} is not open to this caller (${ctx.access.role ?? ctx.access.principal.kind})`),
  },
  // Costs are checked before execution (see schema/limits.ts); a field costs 1 by default.
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10 },
});

builder.scalarType('DateTime', {
  description: 'An instant, ISO 8601 with its offset; output in Vietnam time (+07:00), e.g. 2026-03-01T00:00:00+07:00, with milliseconds when there are some.',
  serialize: (value) => formatVietnamInstant(value),
  parseValue: (value) => {
    if (typeof value !== 'string') throw new GraphQLError('DateTime must be a string, ISO 8601 with an offset, e.g. 2026-03-01T00:00:00+07:00');
    const date = parseInstantText(value);
    if (typeof date === 'string') throw new GraphQLError(`DateTime "${value.slice(0, 60)}": ${date}`);
    return date;
  },
});

function dayOrError(value: unknown): string {
  if (typeof value !== 'string') throw new GraphQLError('Date must be a string, YYYY-MM-DD');
  const wrong = checkDayText(value);
  if (wrong) throw new GraphQLError(`Date "${value.slice(0, 40)}": ${wrong}`);
  return value;
}

builder.scalarType('Date', {
  description: 'A Vietnam calendar day, YYYY-MM-DD.',
  serialize: (value) => value,
  parseValue: (value) => dayOrError(value),
  parseLiteral: (ast) => dayOrError(ast.kind === Kind.STRING ? ast.value : null),
});

builder.scalarType('Count', {
  description:
    'A whole number of people or things, exact up to 2^53 − 1 (9,007,199,254,740,991): sums over the tree and over years outgrow a 32-bit Int. Sent as a JSON number.',
  serialize: (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new GraphQLError(`Count cannot represent ${String(value)} exactly`);
    return value;
  },
  parseValue: (value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new GraphQLError('Count must be a whole number up to 2^53 − 1');
    return value;
  },
  parseLiteral: (ast) => {
    const n = ast.kind === Kind.INT ? Number(ast.value) : NaN;
    if (!Number.isSafeInteger(n)) throw new GraphQLError('Count must be a whole number up to 2^53 − 1');
    return n;
  },
});

builder.queryType({});
