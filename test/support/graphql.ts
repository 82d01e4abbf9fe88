import type { Db } from '../../db/client.js';
import { makeYoga } from '../../schema/yoga.js';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A GraphQL client over the real server, in process. */
export function graphqlClient(db: Db) {
  const yoga = makeYoga(db, { graphiql: false });
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T> & { status: number }> => {
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as GraphQLResponse<T>) };
  };
}
