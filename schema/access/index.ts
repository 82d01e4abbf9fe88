// Access in the API: who the caller is (`viewer`), and partner keys, which a CENTRAL_ADMIN
// makes and revokes. The secret of a key is in the answer to createPartnerKey, and nowhere else.
import { desc, eq } from 'drizzle-orm';
import * as z from 'zod';
import { writeAudit } from '../../db/audit.js';
import type { Db } from '../../db/client.js';
import { partnerKeys, units } from '../../db/schema.js';
import { builder } from '../builder.js';
import type { UnitRow } from '../context.js';
import { KpiIdEnum } from '../dashboard/index.js';
import { badInput, notFound } from '../errors.js';
import { KPI_IDS, type KpiId } from '../../domain/catalogue.js';
import { Unit } from '../unit/index.js';
import { ROLES } from './access.js';
import { createPartnerKey, revokePartnerKey, type PartnerKeyRow } from './partner-keys.js';

const RoleEnum = builder.enumType('Role', {
  description: 'What a user may do; the home unit says where (docs/access.md).',
  values: {
    CENTRAL_ADMIN: { description: 'Reads and writes everything; makes partner keys; imports.' },
    UNIT_ADMIN: { description: 'Reads and writes the data of the home unit’s subtree, personal data included.' },
    LEADER: { description: 'Reads the aggregates of the home unit’s subtree, and of its sibling units (for rankings).' },
    VIEWER: { description: 'Reads the aggregates of the home unit’s subtree.' },
  } satisfies Record<(typeof ROLES)[number], unknown>,
});

const CallerKindEnum = builder.enumType('CallerKind', {
  values: {
    USER: { description: 'A person with a bearer token.' },
    PARTNER: { description: 'A partner system with an API key: aggregates only, small cells withheld.' },
    ANONYMOUS: { description: 'No token and no key: the public aggregates (small cells withheld), or nothing.' },
  },
});

interface ViewerShape {
  kind: 'USER' | 'PARTNER' | 'ANONYMOUS';
  subject: string | null;
  role: (typeof ROLES)[number] | null;
  unit: UnitRow | null;
  kpis: KpiId[];
  writes: boolean;
  smallCellMinimum: number | null;
}

const Viewer = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'Who the API takes the caller to be, and what it may read.',
  fields: (t) => ({
    kind: t.field({ type: CallerKindEnum, resolve: (v) => v.kind }),
    subject: t.exposeString('subject', { nullable: true, description: 'The token’s subject, or the key’s id: the actor in the audit log.' }),
    role: t.field({ type: RoleEnum, nullable: true, resolve: (v) => v.role }),
    unit: t.field({ type: Unit, nullable: true, description: 'The home unit (a user) or the root of the key’s scope (a partner).', resolve: (v) => v.unit }),
    kpis: t.field({ type: [KpiIdEnum], description: 'The KPIs the caller reads.', resolve: (v) => v.kpis }),
    writes: t.exposeBoolean('writes', { description: 'Whether the caller’s role writes data (in its home unit’s subtree).' }),
    smallCellMinimum: t.exposeInt('smallCellMinimum', {
      nullable: true,
      description: 'For partners and anonymous callers: ratios with a denominator below this are withheld.',
    }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    description: 'Who the caller is and what it may read: open to every caller.',
    resolve: (_root, _args, ctx): ViewerShape => {
      const a = ctx.access;
      const p = a.principal;
      return {
        kind: p.kind === 'user' ? 'USER' : p.kind === 'partner' ? 'PARTNER' : 'ANONYMOUS',
        subject: p.kind === 'user' ? p.subject : p.kind === 'partner' ? p.keyId : null,
        role: a.role,
        unit: p.kind === 'anonymous' ? null : p.unit,
        kpis: a.kpisRead,
        writes: a.isWriter,
        smallCellMinimum: a.suppressesSmallCells ? a.smallCellMinimum : null,
      };
    },
  }),
);

const PartnerKey = builder.objectRef<PartnerKeyRow & { unit: UnitRow }>('PartnerKey').implement({
  description: 'A partner system’s API key (never its secret).',
  fields: (t) => ({
    id: t.exposeString('keyId', { description: 'The public part of the key, also in the audit log as `partner:<id>`.' }),
    name: t.exposeString('name'),
    unit: t.field({ type: Unit, description: 'The root of the subtree it reads.', resolve: (k) => k.unit }),
    kpis: t.field({ type: [KpiIdEnum], resolve: (k) => k.kpis }),
    rateLimit: t.exposeInt('rateLimit', { description: 'Requests a minute.' }),
    persistedOnly: t.exposeBoolean('persistedOnly', { description: 'Whether it may send only persisted operations.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy'),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
  }),
});

const CreatedPartnerKey = builder.objectRef<{ key: string; partnerKey: PartnerKeyRow & { unit: UnitRow } }>('CreatedPartnerKey').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The key to give the partner, sent as `x-api-key`. Shown this once: only its hash is kept.' }),
    partnerKey: t.field({ type: PartnerKey, resolve: (c) => c.partnerKey }),
  }),
});

const DAY = 86_400_000;

const CreatePartnerKeyInput = builder.inputType('CreatePartnerKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Who the key is for, e.g. "Hanoi open-data portal".' }),
    unit: t.string({ required: true, description: 'Code of the unit whose subtree the key reads.' }),
    kpis: t.field({ type: [KpiIdEnum], description: 'The KPIs it reads; left out: all.' }),
    expiresInDays: t.int({ defaultValue: 365, description: 'Days until it expires: 1–730 (default 365).' }),
    rateLimit: t.int({ defaultValue: 120, description: 'Requests a minute: 1–10,000 (default 120).' }),
    persistedOnly: t.boolean({ defaultValue: false, description: 'Only persisted operations (an allow-list).' }),
  }),
});

const createSchema = z.object({
  name: z.string().trim().min(1, 'must not be blank').max(200, 'must be at most 200 characters'),
  unit: z.string().trim().min(1, 'must not be blank'),
  kpis: z.array(z.enum(KPI_IDS)).min(1, 'must name at least one KPI').nullish(),
  expiresInDays: z.number().int().min(1, 'must be 1–730').max(730, 'must be 1–730'),
  rateLimit: z.number().int().min(1, 'must be 1–10000').max(10_000, 'must be 1–10000'),
  persistedOnly: z.boolean(),
});

async function withUnit(db: Db, row: PartnerKeyRow) {
  const [unit] = await db.select().from(units).where(eq(units.id, row.unitId));
  return { ...row, unit: unit! };
}

builder.mutationFields((t) => ({
  createPartnerKey: t.field({
    type: CreatedPartnerKey,
    nullable: true,
    authScopes: { centralAdmin: true },
    description: 'Makes an API key for a partner system: read-only aggregates of one subtree and a set of KPIs. CENTRAL_ADMIN only.',
    args: { input: t.arg({ type: CreatePartnerKeyInput, required: true }) },
    resolve: async (_root, args, ctx) => {
      const parsed = createSchema.safeParse(args.input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw badInput(`input.${issue.path.join('.')}`, issue.message);
      }
      const input = parsed.data;
      const [unit] = await ctx.db.select().from(units).where(eq(units.code, input.unit));
      if (!unit) throw notFound('input.unit', `no unit has code "${input.unit}"`);
      return ctx.db.transaction(async (t) => {
        const tx = t as unknown as Db;
        const made = await createPartnerKey(tx, {
          name: input.name,
          unit,
          kpis: input.kpis ?? [...KPI_IDS],
          expiresAt: new Date(Date.now() + input.expiresInDays * DAY),
          rateLimit: input.rateLimit,
          persistedOnly: input.persistedOnly,
          createdBy: ctx.access.actor,
        });
        const { secretHash: _, ...kept } = made.row;
        await writeAudit(tx, { actor: ctx.access.actor, action: 'createPartnerKey', entity: 'partnerKey', entityKey: made.row.keyId, before: null, after: kept });
        return { key: made.key, partnerKey: { ...made.row, unit } };
      });
    },
  }),
  revokePartnerKey: t.field({
    type: PartnerKey,
    nullable: true,
    authScopes: { centralAdmin: true },
    description: 'Revokes an API key at once: its next request is refused (401). CENTRAL_ADMIN only.',
    args: { id: t.arg.string({ required: true, description: 'The key’s id (its public part).' }) },
    resolve: async (_root, args, ctx) =>
      ctx.db.transaction(async (t) => {
        const tx = t as unknown as Db;
        const revoked = await revokePartnerKey(tx, args.id);
        if (!revoked) throw notFound('id', `no partner key has id "${args.id}"`);
        await writeAudit(tx, { actor: ctx.access.actor, action: 'revokePartnerKey', entity: 'partnerKey', entityKey: revoked.keyId, before: null, after: { revokedAt: revoked.revokedAt } });
        return withUnit(tx, revoked);
      }),
  }),
}));

builder.queryField('partnerKeys', (t) =>
  t.field({
    type: [PartnerKey],
    authScopes: { centralAdmin: true },
    nullable: true,
    description: 'Every partner key, newest first (never their secrets). CENTRAL_ADMIN only.',
    resolve: async (_root, _args, ctx) => {
      const found = await ctx.db.select({ key: partnerKeys, unit: units }).from(partnerKeys).innerJoin(units, eq(units.id, partnerKeys.unitId)).orderBy(desc(partnerKeys.id));
      return found.map((f) => ({ ...f.key, unit: f.unit }));
    },
  }),
);
