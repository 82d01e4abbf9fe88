// npm run import -- <file.ndjson | folder of CSVs> [--batch-size N] [--all-or-nothing] [--dry-run]
//                   [--max-problems N] [--progress-every SECONDS]
// Migrates the database (DATABASE_URL, else the embedded one in .data/) and imports the
// records (docs/import-format.md). Exit code 0: imported (or valid, with --dry-run);
// 1: invalid records (the report names each line and field); 2: a usage or system error.
import { parseArgs } from 'node:util';
import { openDb, optionsFromEnv } from './client.js';
import type { TableCounts } from './import/batch.js';
import { formatProblem } from './import/check.js';
import { ImportProgressBars } from './import/progress.js';
import { DEFAULT_BATCH_SIZE, importPath, type ImportResult } from './import/run.js';
import { defaultDataDir } from './local.js';

const USAGE = 'usage: npm run import -- <file.ndjson | folder of CSVs> [--batch-size N] [--all-or-nothing] [--dry-run] [--max-problems N] [--progress-every SECONDS]';

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      'batch-size': { type: 'string', default: String(DEFAULT_BATCH_SIZE) },
      'all-or-nothing': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'max-problems': { type: 'string', default: '1000' },
      'progress-every': { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  fail(`${(error as Error).message}\n${USAGE}`);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1) fail(USAGE);
const wholeNumber = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be a whole number ≥ ${min} (got "${text}")`);
  return n;
};
const batchSize = wholeNumber('batch-size', values['batch-size'], 1);
const maxProblems = wholeNumber('max-problems', values['max-problems'], 1);
const progressEvery = Number(values['progress-every']);
if (!(progressEvery > 0)) fail(`--progress-every must be a number of seconds > 0 (got "${values['progress-every']}")`);
const path = positionals[0]!;

const fmt = (n: number) => Math.round(n).toLocaleString('en');

function report(result: ImportResult, driver: string): number {
  const records = `${fmt(result.records)} records (${fmt(result.types.member)} members)`;
  if (result.status === 'imported' || result.status === 'validated') {
    if (result.status === 'validated') {
      console.log(`${result.source} is valid: ${records}; nothing was written (--dry-run)`);
      return 0;
    }
    const rows: Record<string, TableCounts> = {};
    for (const [table, c] of Object.entries(result.counts)) rows[table] = c;
    if (Object.keys(rows).length) console.table(rows);
    console.log(
      `Imported ${result.source} into ${driver} in ${result.seconds.toFixed(1)} s: ${records} in ${fmt(result.batches)} batches, ` +
        `${fmt(result.records / result.seconds)} records/s (${fmt(result.types.member / result.seconds)} members/s), roll-ups ${result.rollups}` +
        (result.load === 'bulk' ? ', members by bulk load (COPY)' : ''),
    );
    return 0;
  }
  for (const p of result.problems) console.error(formatProblem(p));
  if (result.problemCount > result.problems.length) console.error(`… and ${fmt(result.problemCount - result.problems.length)} more problems`);
  const first = result.problems[0];
  const at = first ? ` (first: ${first.file ? `${first.file} ` : ''}line ${first.line})` : '';
  const counted = `${fmt(result.invalidRecords)} invalid record${result.invalidRecords === 1 ? '' : 's'}${at}`;
  if (result.status === 'invalid') {
    console.error(`Import refused: ${counted} in ${result.records.toLocaleString('en')} records of ${result.source}; nothing was written`);
  } else if (result.mode === 'all-or-nothing') {
    console.error(`Import stopped: the database refused ${counted}; nothing was written (all-or-nothing)`);
  } else {
    console.error(
      `Import stopped: the database refused ${counted}; the ${fmt(result.batches)} batches (${fmt(result.recordsWritten)} records) before it stay committed`,
    );
  }
  return 1;
}

const options = optionsFromEnv();
const handle = await openDb({ ...options, dataDir: options.url ? undefined : (options.dataDir ?? defaultDataDir()) });
let code = 2;
const progress = new ImportProgressBars(progressEvery);
try {
  await handle.migrate();
  const result = await importPath(handle.db, path, {
    batchSize,
    mode: values['all-or-nothing'] ? 'all-or-nothing' : 'per-batch',
    dryRun: values['dry-run'],
    maxProblems,
    onProgress: (p) => progress.update(p),
  });
  progress.stop();
  code = report(result, handle.kind);
} catch (error) {
  progress.stop();
  const cause = (error as { cause?: Error }).cause;
  console.error(`Import failed: ${cause?.message ?? (error as Error).message}`);
} finally {
  await handle.close();
}
process.exit(code);
