// npm run demo:snapshot [-- --force] — builds the demo database's snapshot
// (.data/demo-<digest>.tar.gz, db/demo/snapshot.ts) unless the current one exists, so that
// `npm start` on an empty embedded database loads it in seconds instead of seeding. `npm
// install` runs it; a failure there only warns (the first `npm start` then seeds).
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSnapshot, snapshotFile } from '../db/demo/snapshot.js';

const { values } = parseArgs({ options: { force: { type: 'boolean', default: false }, 'warn-only': { type: 'boolean', default: false } } });
const file = snapshotFile();
const shown = relative(process.cwd(), file);
if (existsSync(file) && !values.force) {
  console.log(`demo data snapshot: ${shown} is up to date`);
} else {
  const started = performance.now();
  process.stdout.write('demo data snapshot: seeding the embedded database… ');
  try {
    const { bytes } = await buildSnapshot();
    console.log(`${shown} (${(bytes / 1e6).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } catch (error) {
    console.log('failed');
    console.error(`demo data snapshot: ${(error as Error).message}${values['warn-only'] ? ' (npm start will seed instead)' : ''}`);
    if (!values['warn-only']) process.exitCode = 1;
  }
}
