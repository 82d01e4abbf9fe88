// The one SchemaBuilder: plugins and scalars live here; each domain module adds its types.
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind } from 'graphql';
import type { Context } from './context.js';
import { formatVietnamInstant } from './format.js';

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    Date: { Input: string; Output: string };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [RelayPlugin, ErrorsPlugin],
  defaultFieldNullability: false,
  relay: { clientMutationId: 'omit', cursorType: 'String', nodesOnConnection: true },
});

builder.scalarType('DateTime', {
  description: 'An instant, ISO 8601 with its offset; output in Vietnam time (+07:00), e.g. 2026-03-01T00:00:00+07:00, with milliseconds when there are some.',
  serialize: (value) => formatVietnamInstant(value),
  parseValue: (value) => {
    const date = typeof value === 'string' && /[zZ]|[+-]\d{2}:\d{2}$/.test(value) ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) {
      throw new GraphQLError('DateTime must be ISO 8601 with an offset (Z or +07:00)');
    }
    return date;
  },
});

builder.scalarType('Date', {
  description: 'A Vietnam calendar day, YYYY-MM-DD.',
  serialize: (value) => value,
  parseValue: (value) => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new GraphQLError('Date must be YYYY-MM-DD');
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !/^\d{4}-\d{2}-\d{2}$/.test(ast.value)) throw new GraphQLError('Date must be YYYY-MM-DD');
    return ast.value;
  },
});

builder.queryType({});
