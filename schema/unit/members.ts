// A named list: the members of a unit's subtree, for its admins only (Decree 13/2023:
// personal data for the member's own unit leaders). Every read is written to the audit log.
import { resolveOffsetConnection } from '@pothos/plugin-relay';
import { and, arrayContains, asc, eq, gt, isNull, or } from 'drizzle-orm';
import { writeAudit } from '../../db/audit.js';
import { members, units } from '../../db/schema.js';
import { builder } from '../builder.js';
import { connectionArgs } from '../errors.js';
import { memberShape, MemberRecord } from '../ingest/records.js';
import { Unit } from './index.js';

builder.objectField(Unit, 'members', (t) =>
  t.connection({
    type: MemberRecord,
    nullable: true,
    authScopes: (u) => ({ personalData: { unit: u.code } }),
    complexity: (args) => ({ field: 1, multiplier: args.first ?? args.last ?? 100 }),
    description:
      'Members in this unit and the units below it now, by their id: personal data, for the admins of the unit (a UNIT_ADMIN of it or above, a CENTRAL_ADMIN). Each read is written to the audit log.',
    args: { includeLeft: t.arg.boolean({ defaultValue: false, description: 'Also list members who have left.' }) },
    resolve: async (u, args, ctx) => {
      connectionArgs(args);
      const now = new Date();
      const page = await resolveOffsetConnection({ args, defaultSize: 100, maxSize: 500 }, ({ offset, limit }) =>
        ctx.db
          .select({ member: members, unit: units.code })
          .from(members)
          .innerJoin(units, eq(units.id, members.unitId))
          .where(and(arrayContains(units.path, [u.id]), args.includeLeft ? undefined : or(isNull(members.leftAt), gt(members.leftAt, now))))
          .orderBy(asc(members.externalId))
          .offset(offset)
          .limit(limit),
      );
      await writeAudit(ctx.db, {
        actor: ctx.access.actor,
        action: 'readMembers',
        entity: 'unit',
        entityKey: u.code,
        before: null,
        after: { members: page.edges.map((e) => e.node.member.externalId), first: args.first ?? null, after: args.after ?? null },
      });
      return { ...page, edges: page.edges.map((e) => ({ ...e, node: memberShape(e.node.member, e.node.unit) })) };
    },
  }),
);
