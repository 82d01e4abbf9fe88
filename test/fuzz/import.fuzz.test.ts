// Generated broken import files (docs/import-format.md): NDJSON files of valid records with
// one broken line (not JSON, not an object, an unknown type or field, a wrong type, a bad
// instant, an unknown unit, dates out of order, …; blank lines and CRLF here and there), and
// folders of CSV files with one broken row. Each is imported all or nothing into the small
// tree with its second province: it must be refused (INVALID, or STOPPED when the database
// refuses), with a problem naming the broken line and its field, and nothing written: the
// base tables and the roll-ups stay as they were. FUZZ_SEED replays a run; FUZZ_RUNS scales
// the number of files (300 for the default 10,000).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client.js';
import { importPath, type ImportResult } from '../../db/import/run.js';
import { loadRecords } from '../../db/import/run.js';
import { loadSmallTree } from '../fixtures/small-tree.js';
import { SECOND_PROVINCE } from '../schema/access/support.js';
import { openTestDb } from '../support/db.js';
import { brokenCsv, brokenNdjson, dbSnapshot, FUZZ_RUNS, FUZZ_SEED, snapshotDiff, type DbSnapshot } from './support.js';

const FILES = Math.max(20, Math.round((300 * FUZZ_RUNS) / 10_000));
const NDJSON_FILES = Math.round(FILES * 0.6);
const CSV_FOLDERS = FILES - NDJSON_FILES;

let handle: DbHandle;
let dir: string;
let before: DbSnapshot;
beforeAll(async () => {
  handle = await openTestDb('postgres');
  await loadSmallTree(handle.db);
  await loadRecords(handle.db, SECOND_PROVINCE);
  dir = await mkdtemp(join(tmpdir(), 'import-fuzz-'));
  before = await dbSnapshot(handle.db);
});
afterAll(async () => {
  await handle?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The result in a few lines, for a failure message. */
const told = (r: ImportResult) =>
  `status ${r.status}, ${r.records} records, ${r.recordsWritten} written, problems: ${JSON.stringify(r.problems.slice(0, 5)).slice(0, 800)}`;

/** Refused, with a problem naming the line (and the field, when it is known) and every problem naming a line and a field; nothing written. */
async function checkRefused(result: ImportResult, expected: { line: number; field: string | null; file: string | null }, what: string): Promise<void> {
  const where = `${what}\n  ${told(result)}`;
  expect(['invalid', 'stopped'], where).toContain(result.status);
  expect(result.problems.length, where).toBeGreaterThan(0);
  expect(result.problemCount, where).toBeGreaterThanOrEqual(result.problems.length);
  for (const p of result.problems) {
    expect(Number.isInteger(p.line) && p.line >= 1, `a problem without a line: ${JSON.stringify(p)}\n${where}`).toBe(true);
    expect(typeof p.field === 'string' && p.field !== '', `a problem without a field: ${JSON.stringify(p)}\n${where}`).toBe(true);
    expect(typeof p.reason === 'string' && p.reason !== '', `a problem without a reason: ${JSON.stringify(p)}\n${where}`).toBe(true);
  }
  const named = result.problems.some((p) => p.line === expected.line && (expected.field === null || p.field === expected.field) && (expected.file === null || p.file === expected.file));
  expect(named, `no problem names ${expected.file ? `${expected.file} ` : ''}line ${expected.line}${expected.field ? `, field "${expected.field}"` : ''}\n${where}`).toBe(true);
  expect(result.recordsWritten, where).toBe(0);
  const diff = snapshotDiff(before, await dbSnapshot(handle.db));
  expect(diff, `a refused import changed the database\n${where}`).toBeNull();
}

let n = 0;

describe('the import under broken files', () => {
  it('refuses an NDJSON file with a broken line, names the line and the field, and writes nothing', { timeout: Math.max(60_000, NDJSON_FILES * 400) }, async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(brokenNdjson(), async (f) => {
        const file = join(dir, `broken-${(n += 1)}.ndjson`);
        await writeFile(file, f.text);
        const result = await importPath(handle.db, file, { mode: 'all-or-nothing', bulk: false });
        await checkRefused(result, { line: f.line, field: f.field, file: null }, `${f.fault} on line ${f.line}:\n${f.text.length > 3000 ? `${f.text.slice(0, 3000)}…` : f.text}`);
      }),
      { numRuns: NDJSON_FILES, seed: FUZZ_SEED + 400 },
    );
    console.log(`[fuzz] import: ${NDJSON_FILES} NDJSON files in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${FUZZ_SEED})`);
  });

  it('refuses a folder of CSV files with a broken row, names the file, line and field, and writes nothing', { timeout: Math.max(60_000, CSV_FOLDERS * 400) }, async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(brokenCsv(), async (f) => {
        const folder = join(dir, `broken-${(n += 1)}`);
        await mkdir(folder);
        for (const [name, text] of Object.entries(f.files)) await writeFile(join(folder, name), text);
        const result = await importPath(handle.db, folder, { mode: 'all-or-nothing', bulk: false });
        const shown = Object.entries(f.files).map(([name, text]) => `${name}:\n${text.slice(0, 2000)}`).join('\n');
        await checkRefused(result, { line: f.line, field: f.field, file: f.file }, `${f.fault} in ${f.file} line ${f.line}:\n${shown}`);
      }),
      { numRuns: CSV_FOLDERS, seed: FUZZ_SEED + 500 },
    );
    console.log(`[fuzz] import: ${CSV_FOLDERS} CSV folders in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${FUZZ_SEED})`);
  });
});
