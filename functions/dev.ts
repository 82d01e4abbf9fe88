// npm start: the API on http://localhost:4000/graphql with GraphiQL, and the leadership
// dashboard on http://localhost:4000/dashboard, over the embedded
// database in .data/ (or DATABASE_URL), migrated and, when empty, filled with demo data.
// Users' tokens come from the local dev issuer (npm run token), unless AUTH_ISSUER and
// AUTH_JWKS_URL name a real one; GraphiQL starts with a central admin's token.
import { createServer } from 'node:http';
import { openDb, optionsFromEnv } from '../db/client.js';
import { seedDemo, unitCount } from '../db/demo/seed.js';
import { defaultDataDir, devIssuerKeyFile } from '../db/local.js';
import { devIssuer } from '../schema/access/tokens.js';
import { configFromEnv, verifierFromEnv, type ApiConfig } from '../schema/config.js';
import { makeYoga } from '../schema/yoga.js';
import { dashboardHandler } from './dashboard.js';

const port = Number(process.env.PORT ?? 4000);
// The API's statements end within 10 s unless DATABASE_STATEMENT_TIMEOUT_MS says otherwise.
const fromEnv = optionsFromEnv();
const options = { ...fromEnv, statementTimeoutMs: fromEnv.statementTimeoutMs ?? 10_000 };
const dataDir = options.url ? undefined : (options.dataDir ?? defaultDataDir());
const handle = await openDb({ ...options, dataDir });
await handle.migrate();
if ((await unitCount(handle.db)) === 0 && process.env.SEED !== '0') {
  const started = performance.now();
  process.stdout.write('Empty database: loading demo data… ');
  const stats = await seedDemo(handle.db);
  console.log(`${stats.rows.units} units, ${stats.rows.members} members in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const external = verifierFromEnv();
const dev = external ? null : await devIssuer(devIssuerKeyFile());
const config = configFromEnv(external ?? dev, { GRAPHIQL: 'true', ...process.env });
const token = dev ? await dev.sign({ subject: 'dev-admin', role: 'CENTRAL_ADMIN', unit: 'TW' }) : null;
if (token) config.graphiqlHeaders = { Authorization: `Bearer ${token}` };

// GraphiQL's page from the installed package: it works offline (dev only: Lambda serves no GraphiQL).
config.renderGraphiQL = (await import('@graphql-yoga/render-graphiql')).renderGraphiQL as ApiConfig['renderGraphiQL'];
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

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void handle.close().then(() => process.exit(0));
  });
}
