// npm run seed -- [--scale demo|national] [--seed N] [--reset]
// Migrates the database (DATABASE_URL, else the embedded one in .data/) and fills it with demo data.
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { openDb, optionsFromEnv } from './client.js';
import { resetData, seedDemo, unitCount } from './demo/seed.js';
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
  const bar = new cliProgress.SingleBar(
    { format: 'seeding {scale} [{bar}] {percentage}% | {value}/{total} members | {duration}s', noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  const rollups = new cliProgress.SingleBar(
    { format: 'roll-ups {scale} [{bar}] {percentage}% | {value}/{total} provinces | {duration}s', noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(1, 0, { scale });
  const stats = await seedDemo(handle.db, {
    scale,
    seed,
    onProgress: (members, total) => {
      bar.setTotal(total);
      bar.update(members);
    },
    onRollupProgress: (done, total) => {
      if (done === 1) {
        bar.stop();
        rollups.start(total, 0, { scale });
      }
      rollups.update(done);
    },
  });
  rollups.stop();
  const seconds = (performance.now() - started) / 1000;
  console.log(`Seeded ${scale} (seed ${seed}) into ${handle.kind} in ${seconds.toFixed(1)} s`);
  console.table(stats.rows);
} finally {
  await handle.close();
}
