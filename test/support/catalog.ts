import { sql } from 'drizzle-orm';
import { rows, type Db } from '../../db/client.js';

/** The constraints and indexes of the member tables (and the foreign keys that name them), as the catalog defines them. */
export async function memberCatalog(db: Db): Promise<string[]> {
  const found = await rows<{ d: string }>(
    db,
    sql`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint
         WHERE conrelid IN ('members'::regclass, 'member_evaluations'::regclass) OR confrelid IN ('members'::regclass, 'member_evaluations'::regclass)
        UNION ALL
        SELECT indexdef FROM pg_indexes WHERE tablename IN ('members', 'member_evaluations')
        ORDER BY 1`,
  );
  return found.map((r) => r.d);
}
