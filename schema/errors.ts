// Errors a client can act on: each names the argument and the reason.
import { GraphQLError } from 'graphql';

export function badInput(argument: string, reason: string): GraphQLError {
  return new GraphQLError(`Invalid argument "${argument}": ${reason}`, {
    extensions: { code: 'BAD_USER_INPUT', argument, reason },
  });
}

export function notFound(argument: string, reason: string): GraphQLError {
  return new GraphQLError(`Not found "${argument}": ${reason}`, {
    extensions: { code: 'NOT_FOUND', argument, reason },
  });
}

/** Page size of a connection: `first` must be 0–max. */
export function pageSize(first: number | null | undefined, max = 500): void {
  if (first != null && (first < 0 || first > max)) {
    throw badInput('first', `must be between 0 and ${max} (got ${first})`);
  }
}
