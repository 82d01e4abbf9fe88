// The leadership dashboard that `npm start` serves at /dashboard: plain ES modules from
// functions/dashboard/ (no build step), the chart and spreadsheet libraries from the
// installed packages, the persisted operations it sends, and the dev session it signs in
// with. It talks to the API only through the public GraphQL endpoint.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPERATIONS } from '../schema/operations.js';

const here = dirname(fileURLToPath(import.meta.url));
const pages = join(here, 'dashboard');
const require = createRequire(import.meta.url);
const packageFile = (name: string, file: string) => join(dirname(require.resolve(`${name}/package.json`)), file);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Files served as they are, by path under /dashboard/. */
const VENDOR: Record<string, string> = {
  'vendor/uPlot.esm.js': packageFile('uplot', 'dist/uPlot.esm.js'),
  'vendor/uPlot.min.css': packageFile('uplot', 'dist/uPlot.min.css'),
  'vendor/exceljs.min.js': packageFile('exceljs', 'dist/exceljs.min.js'),
};

export interface DashboardOptions {
  /** The bearer token the page sends (the dev server's; never in production). */
  token: string | null;
}

/** Serves /dashboard and what it loads; false for any other path. */
export function dashboardHandler(options: DashboardOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const generated: Record<string, string> = {
    'operations.js': `// The persisted operations (schema/operations/*.graphql), sent by their SHA-256.\nexport const OPERATIONS = ${JSON.stringify(OPERATIONS, null, 2)};\n`,
    'session.js': `// The dev server's session: a CENTRAL_ADMIN token of the local dev issuer.\nexport const SESSION = ${JSON.stringify({ token: options.token })};\n`,
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/dashboard' && !url.pathname.startsWith('/dashboard/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const path = url.pathname === '/dashboard' || url.pathname === '/dashboard/' ? 'index.html' : url.pathname.slice('/dashboard/'.length);
    void send(res, path, generated).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
    return true;
  };
}

async function send(res: ServerResponse, path: string, generated: Record<string, string>): Promise<void> {
  const type = TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';
  const headers = { 'content-type': type, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' };
  if (generated[path] !== undefined) {
    res.writeHead(200, headers).end(generated[path]);
    return;
  }
  const file = VENDOR[path] ?? join(pages, normalize(path));
  // Nothing outside the page's folder but the vendor files named above.
  if (!VENDOR[path] && (!file.startsWith(pages + '/') || path.includes('..'))) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, headers).end(body);
}
