// npm run db:migrate — applies pending migrations to DATABASE_URL, else to the embedded database in .data/.
import { openDb, optionsFromEnv } from './client.js';
import { defaultDataDir } from './local.js';

const options = optionsFromEnv();
const handle = await openDb({ ...options, dataDir: options.url ? undefined : (options.dataDir ?? defaultDataDir()) });
try {
  const started = performance.now();
  await handle.migrate();
  console.log(`Migrated ${handle.kind} database in ${Math.round(performance.now() - started)} ms`);
} finally {
  await handle.close();
}
