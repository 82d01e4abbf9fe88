// Loads a demo data set into an empty database: in one transaction of batches, or through
// the import's bulk load.
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.js';
import { formatProblem } from '../import/check.js';
import { importPath, loadRecords, type ImportProgress, type ImportResult } from '../import/run.js';
import { generate, plan, type Scale } from './generate.js';

export interface SeedOptions {
  scale?: Scale;
  seed?: number;
  /** Called as records are written: members written so far, of `total`. */
  onProgress?: (members: number, total: number) => void;
}

/** How many rows a table of the domain holds. */
async function rowCount(db: Db, table: 'units' | 'members'): Promise<number> {
  const [r] = await rows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM ${sql.identifier(table)}`);
  return Number(r?.n ?? 0);
}

export const unitCount = (db: Db) => rowCount(db, 'units');
export const memberCount = (db: Db) => rowCount(db, 'members');

/** Empties every table of the domain (keeps the schema). */
export async function resetData(db: Db): Promise<void> {
  await db.execute(sql`TRUNCATE units, members, member_unit_history, member_evaluations, digital_models, teams,
    team_roster, startup_products, relics, activity_reports, targets, audit_log, emulation_frameworks, report_flag_reviews RESTART IDENTITY CASCADE`);
}

/**
 * A data set through the import's bulk load (PostgreSQL, an empty database): the generator's
 * records written to a temporary NDJSON file, imported all or nothing, then the demo's
 * emulation framework. `onProgress` counts members written to the file.
 */
export async function seedByBulkLoad(
  db: Db,
  options: SeedOptions & { onImportProgress?: (progress: ImportProgress) => void } = {},
): Promise<ImportResult> {
  const scale = options.scale ?? 'national';
  const seed = options.seed ?? 1;
  if ((await unitCount(db)) > 0) throw new Error('the database already holds units: seed only into an empty database (or reset it first)');
  const dir = mkdtempSync(join(tmpdir(), 'seed-'));
  try {
    const file = join(dir, `${scale}-${seed}.ndjson`);
    const { members: total } = plan(scale, seed);
    let members = 0;
    await writeLines(file, (function* () {
      for (const record of generate(scale, seed)) {
        if (record.type === 'member' && ++members % 10_000 === 0) options.onProgress?.(members, total);
        yield JSON.stringify(record);
      }
    })());
    options.onProgress?.(members, total);
    const result = await importPath(db, file, { mode: 'all-or-nothing', onProgress: options.onImportProgress });
    if (result.status !== 'imported') {
      throw new Error(`the generated ${scale} data did not import (${result.status}): ${result.problems.slice(0, 3).map(formatProblem).join('; ')}`);
    }
    await addDemoFramework(db);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes lines to a file, a MiB at a time, waiting when the disk is behind; returns how many. */
export async function writeLines(path: string, lines: Iterable<string> | AsyncIterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let count = 0;
  let chunk = '';
  for await (const line of lines) {
    chunk += `${line}\n`;
    count += 1;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.write(chunk);
  await new Promise((resolve) => out.end(resolve));
  return count;
}

/** Rows written per table, and the import's result. */
export interface SeedStats {
  rows: Record<string, number>;
  result: ImportResult;
}

/**
 * A data set through the import, all or nothing, from the generator's records in memory (on
 * any database: PGlite has no bulk load), then the demo's emulation framework.
 */
export async function seedDemo(db: Db, options: Omit<SeedOptions, 'onProgress'> & { onImportProgress?: (progress: ImportProgress) => void } = {}): Promise<SeedStats> {
  const scale = options.scale ?? 'demo';
  const seed = options.seed ?? 1;
  if ((await unitCount(db)) > 0) throw new Error('the database already holds units: seed only into an empty database (or reset it first)');
  const result = await loadRecords(db, () => generate(scale, seed), {
    batchSize: scale === 'national' ? 20_000 : 5_000,
    onProgress: options.onImportProgress,
  });
  await addDemoFramework(db);
  return { rows: Object.fromEntries(Object.entries(result.counts).map(([table, c]) => [table, c.inserted])), result };
}

/** Defines the demo's emulation framework (version 1), as its author `demo`. */
export async function addDemoFramework(db: Db): Promise<void> {
  await db.execute(sql`
    INSERT INTO emulation_frameworks (name, version, description, criteria, created_by)
    VALUES (${DEMO_FRAMEWORK.name}, 1, ${DEMO_FRAMEWORK.description}, ${JSON.stringify(DEMO_FRAMEWORK.criteria)}::jsonb, 'demo')`);
}

/** The demo's emulation framework: the 2026 digital-transformation criteria, weighted. */
export const DEMO_FRAMEWORK = {
  name: 'thi-dua-chuyen-doi-so-2026',
  description: 'Thi đua chuyển đổi số 2026: đoàn viên dùng ứng dụng, mô hình số ở chi đoàn, hỗ trợ VNeID, kỹ năng số và sản phẩm khởi nghiệp',
  criteria: [
    { kpi: 'APP_ADOPTION', weight: 3, scoring: { method: 'PERCENT_OF_TARGET' } },
    { kpi: 'DIGITAL_MODEL_COVERAGE', weight: 2, scoring: { method: 'BANDS', bands: [{ from: 0, points: 0 }, { from: 50, points: 50 }, { from: 80, points: 80 }, { from: 100, points: 100 }] } },
    { kpi: 'VNEID_INSTALLS', weight: 2, scoring: { method: 'PERCENT_OF_TARGET' } },
    { kpi: 'DIGITAL_SKILLS_TRAINED', weight: 2, scoring: { method: 'PERCENT_OF_TARGET' } },
    { kpi: 'STARTUP_PRODUCTS_LISTED', weight: 1, scoring: { method: 'PERCENT_OF_TARGET' } },
  ],
};
