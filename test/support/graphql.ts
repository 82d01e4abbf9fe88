import type { Db } from '../../db/client.js';
import { adminHeaders, testYoga } from './auth.js';

export interface GraphQLResponse<T = any> {
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** A GraphQL client over the real server, in process; a central admin unless other headers are given. */
export function graphqlClient(db: Db, headers?: Record<string, string>) {
  const yoga = testYoga(db);
  return async <T = any>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T> & { status: number }> => {
    const response = await (await yoga).fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(headers ?? (await adminHeaders())) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, ...((await response.json()) as GraphQLResponse<T>) };
  };
}
