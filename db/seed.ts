// npm run seed -- [--scale demo|national] [--seed N] [--reset]
// Migrates the database (DATABASE_URL, else the embedded one in .data/) and fills it with demo
// data. The national data set goes into PostgreSQL as the import's bulk load does it (the
// generator's records written to a temporary NDJSON file, then COPY, indexes made again at the
// end and roll-ups summed in memory); the demo data set, and any data set into the embedded
// database, is written in batches.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { openDb, optionsFromEnv, type Db } from './client.js';
import { plan, type Scale } from './demo/generate.js';
import { resetData, seedByBulkLoad, seedDemo, unitCount } from './demo/seed.js';
import { ImportProgressBars } from './import/progress.js';
import { defaultDataDir } from './local.js';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: 'demo' },
    seed: { type: 'string', default: '1' },
    reset: { type: 'boolean', default: false },
  },
});
const scale = values.scale;
if (scale !== 'demo' && scale !== 'national') {
  console.error(`--scale must be demo or national (got "${scale}")`);
  process.exit(2);
}
const seed = Number(values.seed);
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`--seed must be a whole number ≥ 0 (got "${values.seed}")`);
  process.exit(2);
}

const options = optionsFromEnv();
const handle = await openDb({ ...options, dataDir: options.url ? undefined : (options.dataDir ?? defaultDataDir()) });
try {
  await handle.migrate();
  if ((await unitCount(handle.db)) > 0) {
    if (!values.reset) {
      console.error('The database already holds units. Run with --reset to empty it first.');
      process.exit(1);
    }
    await resetData(handle.db);
  }
  const started = performance.now();
  if (scale === 'national' && handle.kind !== 'pglite') await bulkSeed(handle.db, scale, seed);
  else await batchSeed(handle.db, scale, seed);
  console.log(`Seeded ${scale} (seed ${seed}) into ${handle.kind} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} finally {
  await handle.close();
}

/** The national data through the bulk load, with a bar while the file is written and the import's bars after. */
async function bulkSeed(db: Db, scale: Scale, seed: number): Promise<void> {
  const bar = new cliProgress.SingleBar(
    { format: 'generating [{bar}] {percentage}% | {value}/{total} members | {duration}s', noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(plan(scale, seed).members, 0);
  const progress = new ImportProgressBars();
  let generating = true;
  const result = await seedByBulkLoad(db, {
    scale,
    seed,
    onProgress: (members) => bar.update(members),
    onImportProgress: (p) => {
      if (generating) bar.stop();
      generating = false;
      progress.update(p);
    },
  });
  progress.stop();
  console.table(result.counts);
}

/** The generator's records through the import, all or nothing, with the import's bars. */
async function batchSeed(db: Db, scale: Scale, seed: number): Promise<void> {
  const progress = new ImportProgressBars();
  const stats = await seedDemo(db, { scale, seed, onImportProgress: (p) => progress.update(p) });
  progress.stop();
  console.table(stats.rows);
}
