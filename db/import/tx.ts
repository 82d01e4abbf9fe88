// What every import transaction does: its settings, its audit rows, and how a refused
// batch is named.
import { sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { problemOf } from './batch.js';
import type { Problem } from './check.js';

/** The roll-up statements are large and run once per batch: compiling them costs more than it saves. */
export async function prepare(tx: Db): Promise<void> {
  await tx.execute(sql`SET LOCAL jit = off`);
}

export async function audit(tx: Db, actor: string, key: string, after: unknown): Promise<void> {
  await tx.execute(sql`
    INSERT INTO audit_log (actor, action, entity, entity_key, after, tx_id)
    VALUES (${actor}, 'import', 'batch', ${key}, ${JSON.stringify(after)}::jsonb, txid_current())`);
}

export interface Place {
  file: string | null;
  line: number;
}

/** A batch the database refused, named whole. */
export function batchProblem({ first, last }: { first: Place; last: Place }, error: unknown): Problem {
  return {
    ...problemOf(error, first),
    field: '(batch)',
    reason: `the batch of lines ${first.line}–${last.line} was refused by the database: ${(((error as { cause?: Error }).cause ?? error) as Error).message}`,
  };
}

/** Why the writing stopped: the records at fault. */
export class Refused extends Error {
  constructor(readonly problems: Problem[]) {
    super(`${problems.length} record(s) refused`);
  }
}
