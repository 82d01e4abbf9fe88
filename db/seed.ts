// npm run seed -- [--scale demo|national] [--seed N] [--reset]
// Migrates the database (DATABASE_URL, else the embedded one in .data/) and fills it with demo
// data. The national data set goes into PostgreSQL as the import's bulk load does it (the
// generator's records written to a temporary NDJSON file, then COPY, indexes made again at the
// end and roll-ups summed in memory); the demo data set, and any data set into the embedded
// database, is written in batches.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { openDb, optionsFromEnv, type Db } from './client.js';
import { generate, plan, type Scale } from './demo/generate.js';
import { addDemoFramework, resetData, seedDemo, unitCount } from './demo/seed.js';
import { formatProblem } from './import/check.js';
import { ImportProgressBars } from './import/progress.js';
import { importPath } from './import/run.js';
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

/** The generator's records to a temporary NDJSON file, then the import's bulk load of it. */
async function bulkSeed(db: Db, scale: Scale, seed: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'seed-'));
  try {
    const file = join(dir, `${scale}-${seed}.ndjson`);
    const { members: total } = plan(scale, seed);
    const bar = new cliProgress.SingleBar(
      { format: 'generating [{bar}] {percentage}% | {value}/{total} members | {duration}s', noTTYOutput: true, notTTYSchedule: 5000 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    const out = createWriteStream(file);
    let members = 0;
    let chunk = '';
    for (const record of generate(scale, seed)) {
      chunk += `${JSON.stringify(record)}\n`;
      if (record.type === 'member' && ++members % 10_000 === 0) bar.update(members);
      if (chunk.length >= 1 << 20) {
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        chunk = '';
      }
    }
    out.write(chunk);
    await new Promise((resolve) => out.end(resolve));
    bar.update(members);
    bar.stop();
    const progress = new ImportProgressBars();
    const result = await importPath(db, file, { mode: 'all-or-nothing', onProgress: (p) => progress.update(p) });
    progress.stop();
    if (result.status !== 'imported') throw new Error(`the generated ${scale} data did not import (${result.status}): ${result.problems.slice(0, 3).map(formatProblem).join('; ')}`);
    await addDemoFramework(db);
    console.table(result.counts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The generator's records written in batches, in one transaction. */
async function batchSeed(db: Db, scale: Scale, seed: number): Promise<void> {
  const bar = new cliProgress.SingleBar(
    { format: 'seeding {scale} [{bar}] {percentage}% | {value}/{total} members | {duration}s', noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  const rollups = new cliProgress.SingleBar(
    { format: 'roll-ups {scale} [{bar}] {percentage}% | {value}/{total} provinces | {duration}s', noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1, 0, { scale });
  const stats = await seedDemo(db, {
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
  console.table(stats.rows);
}
