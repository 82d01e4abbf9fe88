// npm run bench:import [-- --members N] [--batch-size N] [--modes per-batch,all-or-nothing] [--file PATH] [--minimal-wal]
// Writes a national-scale NDJSON file of N members (default 1,000,000) from the demo
// generator (the provinces it reaches, with their units, models, teams, products, relics
// and reports) into a temporary folder, and imports it into a throwaway PostgreSQL 15 (or
// TEST_DATABASE_URL) in both commit modes, each into a new database: per-batch (roll-ups
// kept per batch) and all-or-nothing (roll-ups built once at the end), then per-batch
// again over the filled database (a re-run: nothing changes). Prints records, seconds,
// members per second, peak RSS and the seconds of each phase. All-or-nothing into the
// empty database is the bulk load (db/import/bulk.ts). `--modes all-or-nothing` runs only
// that one (the whole national file: --members 6000000). `--minimal-wal` adds, side by
// side, the all-or-nothing import into a second server set up as the manual advises for
// populating a database (wal_level = minimal): the bulk load's tables are then written
// without WAL.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDb, type DbHandle } from '../../db/client.js';
import { DEFAULT_BATCH_SIZE, importPath, type CommitMode } from '../../db/import/run.js';
import { recreateDatabase } from '../support/databases.js';
import { startPostgres } from '../support/postgres.js';
import { writeNationalFile } from './national.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: String(DEFAULT_BATCH_SIZE) },
    modes: { type: 'string', default: 'per-batch,all-or-nothing' },
    /** Keeps the generated file here, and takes it from here when it is there already. */
    file: { type: 'string' },
    /**
     * Also runs the all-or-nothing import into a second server set up as PostgreSQL's manual
     * advises for populating a database (wal_level = minimal, no WAL senders), side by side.
     */
    'minimal-wal': { type: 'boolean', default: false },
  },
});
const modes = values.modes.split(',').map((m) => m.trim());
for (const m of modes) if (m !== 'per-batch' && m !== 'all-or-nothing') throw new Error(`--modes takes per-batch and/or all-or-nothing (got ${m})`);
const members = Number(values.members);
const batchSize = Number(values['batch-size']);
if (values['minimal-wal'] && process.env.TEST_DATABASE_URL) throw new Error('--minimal-wal starts servers of its own: unset TEST_DATABASE_URL');
if (!Number.isInteger(members) || members < 1) throw new Error(`--members must be a whole number ≥ 1 (got ${values.members})`);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a whole number ≥ 1 (got ${values['batch-size']})`);

interface Row {
  run: string;
  records: number;
  members: number;
  seconds: string;
  'members/s': number;
  'records/s': number;
  'peak RSS MB': number;
  load: string;
  /** Seconds per phase, in the order the progress reports them. */
  phases: string;
}

async function run(label: string, handle: DbHandle, file: string, mode: CommitMode): Promise<Row> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  let lastPhase = '';
  let lastTick = 0;
  const phases: [string, number][] = [];
  const result = await importPath(handle.db, file, {
    mode,
    batchSize,
    onProgress: (p) => {
      const now = performance.now();
      if (p.phase !== lastPhase) phases.push([p.phase, now]);
      if (p.phase !== lastPhase || now - lastTick > 10_000) {
        lastPhase = p.phase;
        lastTick = now;
        process.stderr.write(`  ${label}: ${p.phase} ${Math.round((100 * p.done) / Math.max(1, p.total))}% (${p.records.toLocaleString('en')} records)\n`);
      }
    },
  });
  clearInterval(sampler);
  const end = performance.now();
  const phaseSeconds = phases
    .filter(([name]) => name !== 'confirm')
    .map(([name, at], i, all) => `${name} ${(((all[i + 1]?.[1] ?? end) - at) / 1000).toFixed(1)}`)
    .join(', ');
  peak = Math.max(peak, process.memoryUsage().rss);
  if (result.status !== 'imported') throw new Error(`${label}: ${result.status}: ${result.problems.slice(0, 3).map((p) => p.reason).join('; ')}`);
  return {
    run: label,
    records: result.records,
    members: result.types.member,
    seconds: result.seconds.toFixed(1),
    'members/s': Math.round(result.types.member / result.seconds),
    'records/s': Math.round(result.records / result.seconds),
    'peak RSS MB': Math.round(peak / 1e6),
    load: result.load === 'bulk' ? `bulk (COPY ${result.copySeconds!.toFixed(1)} s)` : `batches, roll-ups ${result.rollups}`,
    phases: phaseSeconds,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'bench-import-'));
const server = await startPostgres();
try {
  const file = values.file ?? join(dir, `national-${members}.ndjson`);
  if (values.file && existsSync(values.file)) {
    process.stderr.write(`using ${file} (${((await stat(file)).size / 1e6).toFixed(0)} MB)\n`);
  } else {
    const started = performance.now();
    const lines = await writeNationalFile(file, members);
    process.stderr.write(`wrote ${lines.toLocaleString('en')} records (${((await stat(file)).size / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const results: Row[] = [];
  /** Imports the file into a new, migrated database `name` of the server at `url`: once, or twice (per-batch). */
  const runIn = async (url: string, name: string, label: string, mode: CommitMode) => {
    const handle = await openDb({ url: await recreateDatabase(url, name) });
    try {
      await handle.migrate();
      results.push(await run(label, handle, file, mode));
      if (mode === 'per-batch') results.push(await run('per-batch, again (no change)', handle, file, mode));
    } finally {
      await handle.close();
    }
  };
  for (const mode of modes as CommitMode[]) await runIn(server.url, `bench_import_${mode.replace(/-/g, '_')}`, mode, mode);
  if (values['minimal-wal']) {
    const bulkServer = await startPostgres(['wal_level=minimal', 'max_wal_senders=0']);
    try {
      await runIn(bulkServer.url, 'bench_import_minimal_wal', 'all-or-nothing, wal_level=minimal', 'all-or-nothing');
    } finally {
      await bulkServer.stop();
    }
  }
  console.log(`batch size ${batchSize.toLocaleString('en')}; node ${process.version}`);
  console.table(results);
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
