// npm start: the API on http://localhost:4000/graphql with GraphiQL, over the embedded
// database in .data/ (or DATABASE_URL), migrated and, when empty, filled with demo data.
import { createServer } from 'node:http';
import { openDb, optionsFromEnv } from '../db/client.js';
import { seedDemo, unitCount } from '../db/demo/seed.js';
import { defaultDataDir } from '../db/local.js';
import { makeYoga } from '../schema/yoga.js';

const port = Number(process.env.PORT ?? 4000);
const options = optionsFromEnv();
const dataDir = options.url ? undefined : (options.dataDir ?? defaultDataDir());
const handle = await openDb({ ...options, dataDir });
await handle.migrate();
if ((await unitCount(handle.db)) === 0 && process.env.SEED !== '0') {
  const started = performance.now();
  process.stdout.write('Empty database: loading demo data… ');
  const stats = await seedDemo(handle.db);
  console.log(`${stats.rows.units} units, ${stats.rows.members} members in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const yoga = makeYoga(handle.db);
const server = createServer(yoga);
server.listen(port, () => {
  console.log(`Database: ${handle.kind}${dataDir ? ` (${dataDir})` : ''}`);
  console.log(`GraphiQL: http://localhost:${port}/graphql`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    void handle.close().then(() => process.exit(0));
  });
}
