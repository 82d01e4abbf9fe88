// Member-level data (a member's unit, dates, evaluations; who serves on a team) is shown
// only to admins of the unit that holds it: what names that unit, for each kind of record.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { members, teams, units } from '../../db/schema.js';

/** A record of personal data, by what names its holder: a unit code, a member id or a team id. */
export type PersonalDataHolder = { unit: string } | { member: string } | { team: string };

/** The code of the unit that holds the record; null when it no longer exists. */
export async function holderUnitCode(db: Db, holder: PersonalDataHolder): Promise<string | null> {
  if ('unit' in holder) return holder.unit;
  const [found] =
    'member' in holder
      ? await db.select({ code: units.code }).from(members).innerJoin(units, eq(units.id, members.unitId)).where(eq(members.externalId, holder.member))
      : await db.select({ code: units.code }).from(teams).innerJoin(units, eq(units.id, teams.unitId)).where(eq(teams.externalId, holder.team));
  return found?.code ?? null;
}
