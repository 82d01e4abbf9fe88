// What units set up and hold: digital youth models, Community Digital Transformation
// Teams and who serves on them, startup products and digitized relics. Each is upserted
// by the sender's id; a field left out keeps its stored value, null clears it.
import * as z from 'zod';
import { setRosterEntry, upsertModel, upsertProduct, upsertRelic, upsertTeam } from '../../db/writes.js';
import { builder } from '../builder.js';
import { invalid, NotFoundError } from './errors.js';
import {
  DigitalModelRecord,
  modelSnapshot,
  productSnapshot,
  relicSnapshot,
  RelicRecord,
  rosterEntries,
  RosterEntryRecord,
  StartupProductRecord,
  teamSnapshot,
  TeamRecord,
  type ModelSnapshot,
  type ProductSnapshot,
  type RelicSnapshot,
  type RosterSnapshot,
  type TeamSnapshot,
} from './records.js';
import {
  beforeClosing,
  IDEMPOTENCY_KEY_DESCRIPTION,
  idempotencyKeySchema,
  instant,
  iso,
  levelIn,
  mutate,
  ordered,
  parse,
  resultUnion,
  same,
  text,
  under,
} from './run.js';

const KEEP = 'Left out: unchanged (none when new); null: cleared.';
const date = (s: string | null): Date | null => (s === null ? null : new Date(s));

/** The stored value of an optional instant when the input leaves it out, else the input's. */
function kept<T>(input: Date | null | undefined, before: T | null, field: keyof T): string | null {
  return input === undefined ? ((before?.[field] as string | null | undefined) ?? null) : iso(input);
}

/** Re-checks instants in order once left-out fields are filled from the stored record. */
function checkOrder(pairs: [later: [string, string | null], earlier: [string, string | null], orEqual?: boolean][]): void {
  const schema = z.object({}).superRefine((_v, ctx) => {
    for (const [[lf, l], [ef, e], orEqual] of pairs) ordered(ctx, [lf, date(l)], [ef, date(e)], orEqual);
  });
  parse(schema, {});
}

// ── upsertModel ──────────────────────────────────────────────────────────────

const UpsertModelInput = builder.inputType('UpsertModelInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'The sender’s id for the model.' }),
    unit: t.string({ required: true, description: 'Code of the grassroots branch the model belongs to.' }),
    kind: t.string({ required: true, description: 'What kind of model, e.g. "Chi đoàn số", "Bình dân học vụ số".' }),
    establishedAt: t.field({ type: 'DateTime', required: true }),
    effectiveFrom: t.field({ type: 'DateTime', description: `When it was assessed effective, not before establishedAt. ${KEEP}` }),
    endedAt: t.field({ type: 'DateTime', description: `When it ended, after establishedAt. ${KEEP}` }),
  }),
});

const upsertModelSchema = z
  .object({
    id: text(200),
    unit: text(100),
    kind: text(200),
    establishedAt: instant(),
    effectiveFrom: instant().nullish(),
    endedAt: instant().nullish(),
  })
  .superRefine((v, ctx) => {
    ordered(ctx, ['effectiveFrom', v.effectiveFrom], ['establishedAt', v.establishedAt], true);
    ordered(ctx, ['endedAt', v.endedAt], ['establishedAt', v.establishedAt]);
    ordered(ctx, ['endedAt', v.endedAt], ['effectiveFrom', v.effectiveFrom]);
  });

const UpsertModelSuccess = builder.objectRef<ModelSnapshot>('UpsertModelSuccess').implement({
  fields: (t) => ({ model: t.field({ type: DigitalModelRecord, resolve: (m) => m }) }),
});

builder.mutationField('upsertModel', (t) =>
  t.field({
    type: UpsertModelSuccess,
    description: 'Creates or updates a digital youth model of a grassroots branch, by its id.',
    authScopes: { writer: true },
    errors: resultUnion('UpsertModel'),
    args: {
      input: t.arg({ type: UpsertModelInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(upsertModelSchema, args.input);
      return mutate<ModelSnapshot>(ctx, {
        action: 'upsertModel',
        entity: 'model',
        entityKey: input.id,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          levelIn(unit, ['BRANCH'], 'unit', 'model coverage counts grassroots branches');
          const before = await modelSnapshot(tx, input.id);
          await guard.owns(before?.unit, `model ${input.id}`);
          const intended: ModelSnapshot = {
            id: input.id,
            unit: unit.code,
            kind: input.kind,
            establishedAt: iso(input.establishedAt)!,
            effectiveFrom: kept(input.effectiveFrom, before, 'effectiveFrom'),
            endedAt: kept(input.endedAt, before, 'endedAt'),
          };
          checkOrder([
            [['effectiveFrom', intended.effectiveFrom], ['establishedAt', intended.establishedAt], true],
            [['endedAt', intended.endedAt], ['establishedAt', intended.establishedAt]],
            [['endedAt', intended.endedAt], ['effectiveFrom', intended.effectiveFrom]],
          ]);
          beforeClosing(unit, input.establishedAt, 'establishedAt');
          beforeClosing(unit, date(intended.effectiveFrom), 'effectiveFrom');
          if (before && same(before, intended)) return { before, after: before };
          await upsertModel(tx, {
            externalId: input.id,
            unitId: unit.id,
            kind: input.kind,
            establishedAt: input.establishedAt,
            effectiveFrom: date(intended.effectiveFrom),
            endedAt: date(intended.endedAt),
          });
          return { before, after: (await modelSnapshot(tx, input.id))! };
        },
      });
    },
  }),
);

// ── upsertTeam ───────────────────────────────────────────────────────────────

const UpsertTeamInput = builder.inputType('UpsertTeamInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'The sender’s id for the team.' }),
    unit: t.string({ required: true, description: 'Code of the commune or ward (or a unit under one) the team belongs to: it counts for that commune.' }),
    establishedAt: t.field({ type: 'DateTime', required: true }),
    disbandedAt: t.field({ type: 'DateTime', description: `When it was disbanded, after establishedAt. ${KEEP}` }),
  }),
});

const upsertTeamSchema = z
  .object({ id: text(200), unit: text(100), establishedAt: instant(), disbandedAt: instant().nullish() })
  .superRefine((v, ctx) => ordered(ctx, ['disbandedAt', v.disbandedAt], ['establishedAt', v.establishedAt]));

const teamOnly = (s: TeamSnapshot & { teamId: number; unitId: number }): TeamSnapshot => ({
  id: s.id,
  unit: s.unit,
  establishedAt: s.establishedAt,
  disbandedAt: s.disbandedAt,
});

const UpsertTeamSuccess = builder.objectRef<TeamSnapshot>('UpsertTeamSuccess').implement({
  fields: (t) => ({ team: t.field({ type: TeamRecord, resolve: (m) => m }) }),
});

builder.mutationField('upsertTeam', (t) =>
  t.field({
    type: UpsertTeamSuccess,
    description: 'Creates or updates a Community Digital Transformation Team, by its id.',
    authScopes: { writer: true },
    errors: resultUnion('UpsertTeam'),
    args: {
      input: t.arg({ type: UpsertTeamInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(upsertTeamSchema, args.input);
      return mutate<TeamSnapshot>(ctx, {
        action: 'upsertTeam',
        entity: 'team',
        entityKey: input.id,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          if (!(await under(tx, unit, 'COMMUNE'))) {
            throw invalid('unit', `must be a COMMUNE or a unit under one: a team counts for its commune (${unit.code} is a ${unit.level} under none)`);
          }
          const found = await teamSnapshot(tx, input.id);
          await guard.owns(found?.unit, `team ${input.id}`);
          const before = found && teamOnly(found);
          const intended: TeamSnapshot = {
            id: input.id,
            unit: unit.code,
            establishedAt: iso(input.establishedAt)!,
            disbandedAt: kept(input.disbandedAt, before, 'disbandedAt'),
          };
          checkOrder([[['disbandedAt', intended.disbandedAt], ['establishedAt', intended.establishedAt]]]);
          beforeClosing(unit, input.establishedAt, 'establishedAt');
          if (before && same(before, intended)) return { before, after: before };
          await upsertTeam(tx, { externalId: input.id, unitId: unit.id, establishedAt: input.establishedAt, disbandedAt: date(intended.disbandedAt) });
          return { before, after: teamOnly((await teamSnapshot(tx, input.id))!) };
        },
      });
    },
  }),
);

// ── setRosterEntry ───────────────────────────────────────────────────────────

const SetRosterEntryInput = builder.inputType('SetRosterEntryInput', {
  fields: (t) => ({
    team: t.string({ required: true, description: 'The team’s id.' }),
    person: t.string({ required: true, description: 'The person’s id in the source system (team members need not be union members).' }),
    from: t.field({ type: 'DateTime', required: true, description: 'When the person joined the team: with team and person, what names the entry.' }),
    to: t.field({ type: 'DateTime', description: `When the person left the team, after from. ${KEEP}` }),
  }),
});

const setRosterEntrySchema = z
  .object({ team: text(200), person: text(200), from: instant(), to: instant().nullish() })
  .superRefine((v, ctx) => ordered(ctx, ['to', v.to], ['from', v.from]));

const SetRosterEntrySuccess = builder.objectRef<RosterSnapshot>('SetRosterEntrySuccess').implement({
  fields: (t) => ({ entry: t.field({ type: RosterEntryRecord, resolve: (r) => r }) }),
});

builder.mutationField('setRosterEntry', (t) =>
  t.field({
    type: SetRosterEntrySuccess,
    description: 'Puts a person on a team from an instant, or ends (or changes the end of) that entry.',
    authScopes: { writer: true },
    errors: resultUnion('SetRosterEntry'),
    args: {
      input: t.arg({ type: SetRosterEntryInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(setRosterEntrySchema, args.input);
      return mutate<RosterSnapshot>(ctx, {
        action: 'setRosterEntry',
        lockScope: `team:${input.team}`,
        entity: 'rosterEntry',
        entityKey: `${input.team}/${input.person}/${iso(input.from)}`,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const team = await guard.found(await teamSnapshot(tx, input.team), new NotFoundError('team', `no team has id "${input.team}" in the units this caller may write`));
          const from = iso(input.from)!;
          const entries = await rosterEntries(tx, team.teamId, input.team, input.person);
          const before = entries.find((e) => e.from === from) ?? null;
          const intended: RosterSnapshot = { team: input.team, person: input.person, from, to: kept(input.to, before, 'to') };
          checkOrder([[['to', intended.to], ['from', from]]]);
          if (input.from < new Date(team.establishedAt)) throw invalid('from', `must not be before team ${team.id} was established (${team.establishedAt})`);
          if (team.disbandedAt && input.from >= new Date(team.disbandedAt)) throw invalid('from', `must be before team ${team.id} was disbanded (${team.disbandedAt})`);
          beforeClosing(await guard.unit(team.unit, 'team'), input.from, 'from');
          // A person on a team twice at once would count twice.
          const end = (s: string | null) => (s === null ? Infinity : new Date(s).getTime());
          const overlap = entries.find((e) => e.from !== from && new Date(e.from).getTime() < end(intended.to) && input.from.getTime() < end(e.to));
          if (overlap) {
            throw invalid('from', `${input.person} is already on team ${team.id} from ${overlap.from}${overlap.to ? ` to ${overlap.to}` : ''}: entries of one person must not overlap`);
          }
          if (before && same(before, intended)) return { before, after: before };
          await setRosterEntry(tx, team.teamId, input.person, input.from, date(intended.to));
          return { before, after: intended };
        },
      });
    },
  }),
);

// ── upsertProduct ────────────────────────────────────────────────────────────

const UpsertProductInput = builder.inputType('UpsertProductInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'The sender’s id for the product.' }),
    unit: t.string({ required: true, description: 'Code of the unit that listed it.' }),
    name: t.string({ required: true }),
    listedAt: t.field({ type: 'DateTime', required: true, description: 'When it was listed on the startup portal.' }),
    delistedAt: t.field({ type: 'DateTime', description: `When it was taken off the portal, after listedAt. ${KEEP}` }),
  }),
});

const upsertProductSchema = z
  .object({ id: text(200), unit: text(100), name: text(300), listedAt: instant(), delistedAt: instant().nullish() })
  .superRefine((v, ctx) => ordered(ctx, ['delistedAt', v.delistedAt], ['listedAt', v.listedAt]));

const UpsertProductSuccess = builder.objectRef<ProductSnapshot>('UpsertProductSuccess').implement({
  fields: (t) => ({ product: t.field({ type: StartupProductRecord, resolve: (p) => p }) }),
});

builder.mutationField('upsertProduct', (t) =>
  t.field({
    type: UpsertProductSuccess,
    description: 'Creates or updates a product on the union’s startup portal, by its id.',
    authScopes: { writer: true },
    errors: resultUnion('UpsertProduct'),
    args: {
      input: t.arg({ type: UpsertProductInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(upsertProductSchema, args.input);
      return mutate<ProductSnapshot>(ctx, {
        action: 'upsertProduct',
        lockScope: `product:${input.id}`,
        entity: 'product',
        entityKey: input.id,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          const before = await productSnapshot(tx, input.id);
          await guard.owns(before?.unit, `product ${input.id}`);
          const intended: ProductSnapshot = {
            id: input.id,
            unit: unit.code,
            name: input.name,
            listedAt: iso(input.listedAt)!,
            delistedAt: kept(input.delistedAt, before, 'delistedAt'),
          };
          checkOrder([[['delistedAt', intended.delistedAt], ['listedAt', intended.listedAt]]]);
          beforeClosing(unit, input.listedAt, 'listedAt');
          if (before && same(before, intended)) return { before, after: before };
          await upsertProduct(tx, { externalId: input.id, unitId: unit.id, name: input.name, listedAt: input.listedAt, delistedAt: date(intended.delistedAt) });
          return { before, after: (await productSnapshot(tx, input.id))! };
        },
      });
    },
  }),
);

// ── upsertRelic ──────────────────────────────────────────────────────────────

const UpsertRelicInput = builder.inputType('UpsertRelicInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'The sender’s id for the relic.' }),
    unit: t.string({ required: true, description: 'Code of the unit that looks after it.' }),
    name: t.string({ required: true }),
    digitizedAt: t.field({ type: 'DateTime', description: `When it was digitized (360° VR, QR "red address"). ${KEEP}` }),
  }),
});

const upsertRelicSchema = z.object({ id: text(200), unit: text(100), name: text(300), digitizedAt: instant().nullish() });

const UpsertRelicSuccess = builder.objectRef<RelicSnapshot>('UpsertRelicSuccess').implement({
  fields: (t) => ({ relic: t.field({ type: RelicRecord, resolve: (r) => r }) }),
});

builder.mutationField('upsertRelic', (t) =>
  t.field({
    type: UpsertRelicSuccess,
    description: 'Creates or updates a historical or cultural relic, by its id.',
    authScopes: { writer: true },
    errors: resultUnion('UpsertRelic'),
    args: {
      input: t.arg({ type: UpsertRelicInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(upsertRelicSchema, args.input);
      return mutate<RelicSnapshot>(ctx, {
        action: 'upsertRelic',
        lockScope: `relic:${input.id}`,
        entity: 'relic',
        entityKey: input.id,
        idempotencyKey,
        request: input,
        run: async (tx, guard) => {
          const unit = await guard.unit(input.unit, 'unit');
          const before = await relicSnapshot(tx, input.id);
          await guard.owns(before?.unit, `relic ${input.id}`);
          const intended: RelicSnapshot = { id: input.id, unit: unit.code, name: input.name, digitizedAt: kept(input.digitizedAt, before, 'digitizedAt') };
          beforeClosing(unit, date(intended.digitizedAt), 'digitizedAt');
          if (before && same(before, intended)) return { before, after: before };
          await upsertRelic(tx, { externalId: input.id, unitId: unit.id, name: input.name, digitizedAt: date(intended.digitizedAt) });
          return { before, after: (await relicSnapshot(tx, input.id))! };
        },
      });
    },
  }),
);
