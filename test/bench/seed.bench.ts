// npm run bench:seed [-- --national]
// Seeds the demo data set into in-memory PGlite and into a throwaway PostgreSQL 15 (or
// TEST_DATABASE_URL), and with --national the national-scale set into Postgres, printing
// time and row counts side by side.
import { parseArgs } from 'node:util';
import { openDb, type DbHandle } from '../../db/client.js';
import type { Scale } from '../../db/demo/generate.js';
import { seedDemo } from '../../db/demo/seed.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres } from '../support/postgres.js';

const { values } = parseArgs({ options: { national: { type: 'boolean', default: false } } });

interface Result {
  engine: string;
  scale: Scale;
  seconds: string;
  units: number;
  members: number;
  evaluations: number;
  'other rows': number;
  'rows/s': number;
}

async function run(engine: string, scale: Scale, open: () => Promise<DbHandle>): Promise<Result> {
  const handle = await open();
  await handle.migrate();
  let last = 0;
  const started = performance.now();
  const stats = await seedDemo(handle.db, {
    scale,
    onProgress: (members, total) => {
      const pct = Math.floor((100 * members) / total);
      if (pct >= last + 10) {
        last = pct - (pct % 10);
        process.stderr.write(`  ${engine} ${scale}: ${last}% (${members.toLocaleString('en')} members, ${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  await handle.close();
  const total = Object.values(stats.rows).reduce((a, b) => a + b, 0);
  return {
    engine,
    scale,
    seconds: seconds.toFixed(1),
    units: stats.rows.units,
    members: stats.rows.members,
    evaluations: stats.rows.member_evaluations,
    'other rows': total - stats.rows.units - stats.rows.members - stats.rows.member_evaluations,
    'rows/s': Math.round(total / seconds),
  };
}

const server = await startPostgres();
try {
  const results: Result[] = [];
  results.push(await run('pglite', 'demo', () => openDb({ driver: 'pglite' })));
  results.push(await run('postgres', 'demo', async () => openDb({ url: await recreateDatabase(server.url, 'bench_seed_demo') })));
  if (values.national) {
    results.push(await run('postgres', 'national', async () => openDb({ url: await recreateDatabase(server.url, 'bench_seed_national') })));
  }
  console.table(results);
} finally {
  await server.stop();
}
