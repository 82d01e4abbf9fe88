import { TransactionRollbackError } from 'drizzle-orm/errors';
import type { Db } from '../../db/client.js';
import { rebuildRollups, rollupSnapshot } from '../../db/rollup.js';

/** The roll-ups a rebuild from the base tables gives, without keeping it. */
export async function rebuiltSnapshot(db: Db): Promise<string[]> {
  let snapshot: string[] = [];
  await db
    .transaction(async (tx) => {
      await rebuildRollups(tx as unknown as Db);
      snapshot = await rollupSnapshot(tx as unknown as Db);
      tx.rollback();
    })
    .catch((e: unknown) => {
      if (!(e instanceof TransactionRollbackError)) throw e;
    });
  return snapshot;
}
