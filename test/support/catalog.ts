import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';
import { BULK_TABLES } from '../../db/import/bulk.js';

/** The constraints and indexes of the tables a bulk load fills (and the foreign keys that name them), as the catalog defines them. */
export async function bulkCatalog(db: Db): Promise<string[]> {
  const tables = sql.raw(BULK_TABLES.map((t) => `'${t}'::regclass`).join(', '));
  const found = await rows<{ d: string }>(
    db,
    sql`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
         WHERE conrelid IN (${tables}) OR confrelid IN (${tables})
        UNION ALL
        SELECT indexdef FROM pg_indexes WHERE tablename IN (${sql.raw(BULK_TABLES.map((t) => `'${t}'`).join(', '))})
        ORDER BY 1`,
  );
  return found.map((r) => r.d);
}
