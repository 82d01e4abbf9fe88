// API Gateway HTTP API (payload 2.0) in front of the same Yoga server as the dev server.
// The database client and the server are built once per container, during init.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { makeYoga } from '../schema/yoga.js';
import { database } from './runtime.js';

const yoga = makeYoga((await database()).db, { graphiql: process.env.GRAPHIQL === 'true' });

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const { method } = event.requestContext.http;
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  // Payload 2.0 moves the Cookie header into `cookies`.
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  const hasBody = event.body !== undefined && method !== 'GET' && method !== 'HEAD';
  const body = hasBody ? (event.isBase64Encoded ? Buffer.from(event.body!, 'base64') : event.body) : undefined;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const url = `https://${event.requestContext.domainName}${event.rawPath}${query}`;

  const response = await yoga.fetch(url, { method, headers, body });
  const cookies = response.headers.getSetCookie();
  const result: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') result[name] = value;
  });
  return { statusCode: response.status, headers: result, body: await response.text(), ...(cookies.length > 0 ? { cookies } : {}) };
}
