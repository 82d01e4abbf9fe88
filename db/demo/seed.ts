// Loads a demo data set into an empty database, in one transaction.
import { sql } from 'drizzle-orm';
import { rows, type Db } from '../client.js';
import { loadRecords, type LoadStats } from '../load.js';
import { generate, plan, type Scale } from './generate.js';

export interface SeedOptions {
  scale?: Scale;
  seed?: number;
  /** Called as records are written: members written so far, of `total`. */
  onProgress?: (members: number, total: number) => void;
  /** Called as the roll-ups are built, a province at a time. */
  onRollupProgress?: (done: number, total: number) => void;
}

export async function unitCount(db: Db): Promise<number> {
  const [r] = await rows<{ n: string | number }>(db, sql`SELECT count(*) AS n FROM units`);
  return Number(r?.n ?? 0);
}

/** Empties every table of the domain (keeps the schema). */
export async function resetData(db: Db): Promise<void> {
  await db.execute(sql`TRUNCATE units, members, member_unit_history, member_evaluations, digital_models, teams,
    team_roster, startup_products, relics, activity_reports, targets, audit_log RESTART IDENTITY CASCADE`);
}

export async function seedDemo(db: Db, options: SeedOptions = {}): Promise<LoadStats> {
  const scale = options.scale ?? 'demo';
  const seed = options.seed ?? 1;
  if ((await unitCount(db)) > 0) throw new Error('the database already holds units: seed only into an empty database (or reset it first)');
  const { members } = plan(scale, seed);
  return db.transaction((tx) =>
    loadRecords(tx as unknown as Db, generate(scale, seed), {
      batchSize: scale === 'national' ? 20_000 : 5_000,
      onProgress: (stats) => options.onProgress?.(stats.rows.members, members),
      onRollupProgress: options.onRollupProgress,
    }),
  );
}
