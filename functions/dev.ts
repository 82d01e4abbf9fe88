// npm start: the API on http://localhost:4000/graphql with GraphiQL, and the leadership
// dashboard on http://localhost:4000/dashboard, over the embedded
// database in .data/ (or DATABASE_URL), migrated and, when empty, filled with demo data.
// Users' tokens come from the local dev issuer (npm run token), unless AUTH_ISSUER and
// AUTH_JWKS_URL name a real one; GraphiQL starts with a central admin's token.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, relative } from 'node:path';
import { openDb, optionsFromEnv } from '../db/client.js';
import { memberCount, seedDemo, unitCount } from '../db/demo/seed.js';
import { readSnapshot, snapshotFile, unpackSnapshot, writeSnapshot } from '../db/demo/snapshot.js';
import { defaultDataDir, devIssuerKeyFile } from '../db/local.js';
import { devIssuer } from '../schema/access/tokens.js';
import { configFromEnv, verifierFromEnv } from '../schema/config.js';
import { makeYoga } from '../schema/yoga.js';
import { dashboardHandler } from './dashboard.js';

const port = Number(process.env.PORT ?? 4000);
// The API's statements end within 10 s unless DATABASE_STATEMENT_TIMEOUT_MS says otherwise.
const fromEnv = optionsFromEnv();
const options = { ...fromEnv, statementTimeoutMs: fromEnv.statementTimeoutMs ?? 10_000 };
const dataDir = options.url ? undefined : (options.dataDir ?? defaultDataDir());
const seeding = process.env.SEED !== '0';
// A new embedded database starts from the demo data's snapshot when there is one (npm install builds it).
const fresh = !options.url && (dataDir!.startsWith('memory://') || !existsSync(join(dataDir!, 'PG_VERSION')));
const started = performance.now();
// A folder: unpacked with tar (PGlite then opens a folder as any other); in memory, or without tar: loaded by PGlite.
const unpacked = fresh && seeding && !dataDir!.startsWith('memory://') && unpackSnapshot(dataDir!);
const snapshot = fresh && seeding && !unpacked ? readSnapshot() : null;
const handle = await openDb({ ...options, dataDir, loadDataDir: snapshot ?? undefined });
await handle.migrate();
let saveSnapshot = false;
if (unpacked || snapshot) {
  const [units, members] = await Promise.all([unitCount(handle.db), memberCount(handle.db)]);
  console.log(`Empty database: loading demo data… ${units} units, ${members} members from ${relative(process.cwd(), snapshotFile())} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} else if ((await unitCount(handle.db)) === 0 && seeding) {
  process.stdout.write('Empty database: loading demo data… ');
  const stats = await seedDemo(handle.db);
  console.log(`${stats.rows.units} units, ${stats.rows.members} members in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  saveSnapshot = handle.kind === 'pglite';
}

const external = verifierFromEnv();
const dev = external ? null : await devIssuer(devIssuerKeyFile());
const config = configFromEnv(external ?? dev, { GRAPHIQL: 'true', ...process.env });
const token = dev ? await dev.sign({ subject: 'dev-admin', role: 'CENTRAL_ADMIN', unit: 'TW' }) : null;
if (token) config.graphiqlHeaders = { Authorization: `Bearer ${token}` };

// GraphiQL's page from the installed package: it works offline (dev only: Lambda serves no
// GraphiQL). Its 9 MB are read when a browser first asks for it.
config.renderGraphiQL = async (options) => ((await import('@graphql-yoga/render-graphiql')).renderGraphiQL as (o: object) => string)(options);
const yoga = makeYoga(handle.db, config);
const dashboard = dashboardHandler({ token });
const server = createServer((req, res) => {
  if (!dashboard(req, res)) void yoga(req, res);
});
server.listen(port, () => {
  console.log(`Database: ${handle.kind}${dataDir ? ` (${dataDir})` : ''}`);
  console.log(`GraphiQL: http://localhost:${port}/graphql`);
  console.log(`Dashboard: http://localhost:${port}/dashboard`);
  if (token) {
    console.log(`Token (CENTRAL_ADMIN of TW, 12 h; others: npm run token -- --role ROLE --unit CODE):`);
    console.log(`Authorization: Bearer ${token}`);
  }
});
// What starting up left behind is garbage now: an idle server holds little more than its database.
setTimeout(() => (globalThis as { gc?: () => void }).gc?.(), 1_000).unref();

// Seeded just now: the next empty start loads this instead (written while the server answers).
if (saveSnapshot) {
  void writeSnapshot(handle.db).then(
    ({ file }) => console.log(`Saved the demo data as ${relative(process.cwd(), file)}: the next empty start loads it in seconds.`),
    (error: Error) => console.warn(`Could not save the demo data's snapshot: ${error.message}`),
  );
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void handle.close().then(() => process.exit(0));
  });
}
