// API Gateway HTTP API (payload 2.0) in front of the same Yoga server as the dev server, built
// once per container; users' tokens are checked against AUTH_ISSUER / AUTH_JWKS_URL (unset: none).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { configFromEnv, verifierFromEnv } from '../schema/config.js';
import { makeYoga } from '../schema/yoga.js';
import { database } from './runtime.js';

const yoga = makeYoga((await database()).db, configFromEnv(verifierFromEnv()));

export async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const { method } = event.requestContext.http;
  const headers = new Headers();
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers.set(name, value);
  // Payload 2.0 moves the Cookie header into `cookies`; API Gateway's request id names the request in errors and logs.
  if (event.cookies?.length) headers.set('cookie', event.cookies.join('; '));
  if (!headers.has('x-request-id') && event.requestContext.requestId) headers.set('x-request-id', event.requestContext.requestId);
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
