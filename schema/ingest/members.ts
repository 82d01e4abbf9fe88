// Members, as the member-management software sends them: upserted by its id, moved from
// branch to branch at an instant, evaluated each year, on the Vietnam Youth app and with
// a digitized profile from an instant on.
import * as z from 'zod';
import { GENDERS } from '../../db/schema.js';
import { BIRTH_YEARS, EVALUATION_YEARS } from '../../domain/catalogue.js';
import { memberScope, recordEvaluation, updateMember, upsertMember } from '../../db/writes.js';
import { builder } from '../builder.js';
import { invalid, NotFoundError, ValidationError, type Issue } from './errors.js';
import {
  evaluationSnapshot,
  EvaluationRecord,
  GenderEnum,
  memberSnapshot,
  MemberRecord,
  withoutId,
  type EvaluationSnapshot,
  type MemberSnapshot,
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
  type WriteGuard,
} from './run.js';


const BIRTH_RANGE = `must be between ${BIRTH_YEARS.min} and ${BIRTH_YEARS.max}`;
const EVALUATION_RANGE = `must be between ${EVALUATION_YEARS.min} and ${EVALUATION_YEARS.max}`;
const date = (s: string | null): Date | null => (s === null ? null : new Date(s));

// ── upsertMember ─────────────────────────────────────────────────────────────

const KEEP = 'Left out: unchanged (none for a new member); null: cleared.';

const UpsertMemberInput = builder.inputType('UpsertMemberInput', {
  fields: (t) => ({
    id: t.string({ required: true, description: 'Id in the member-management software: the member is created the first time and updated after.' }),
    unit: t.string({
      required: true,
      description: 'Code of the grassroots branch the member is in. Another branch than the recorded one is a transfer, from `transferredAt`.',
    }),
    joinedAt: t.field({ type: 'DateTime', required: true, description: 'When the member joined the Union.' }),
    leftAt: t.field({ type: 'DateTime', description: `When the member left, after joinedAt. ${KEEP}` }),
    transferredAt: t.field({
      type: 'DateTime',
      description:
        'When the member moved into `unit` from the branch they are recorded in: they count in the old branch before this instant and in the new one from it. Required for a transfer; otherwise left out.',
    }),
    birthYear: t.int({ description: `${BIRTH_YEARS.min}–${BIRTH_YEARS.max}. ${KEEP}` }),
    gender: t.field({ type: GenderEnum, description: KEEP }),
    digitizedAt: t.field({ type: 'DateTime', description: `When the profile was digitized in the member-management software. ${KEEP}` }),
    appActivatedAt: t.field({ type: 'DateTime', description: `When the member activated the Vietnam Youth app. ${KEEP}` }),
  }),
});

const upsertMemberSchema = z
  .object({
    id: text(200),
    unit: text(100),
    joinedAt: instant(),
    leftAt: instant().nullish(),
    transferredAt: instant().nullish(),
    birthYear: z.number().int().min(BIRTH_YEARS.min, BIRTH_RANGE).max(BIRTH_YEARS.max, BIRTH_RANGE).nullish(),
    gender: z.enum(GENDERS).nullish(),
    digitizedAt: instant().nullish(),
    appActivatedAt: instant().nullish(),
  })
  .superRefine((v, ctx) => {
    ordered(ctx, ['leftAt', v.leftAt], ['joinedAt', v.joinedAt]);
    ordered(ctx, ['transferredAt', v.transferredAt], ['joinedAt', v.joinedAt], true);
    if (v.leftAt && v.transferredAt && v.leftAt <= v.transferredAt) ctx.addIssue({ code: 'custom', path: ['transferredAt'], message: 'must be before leftAt' });
  });

const UpsertMemberSuccess = builder.objectRef<MemberSnapshot>('UpsertMemberSuccess').implement({
  fields: (t) => ({ member: t.field({ type: MemberRecord, resolve: (m) => m }) }),
});

builder.mutationField('upsertMember', (t) =>
  t.field({
    type: UpsertMemberSuccess,
    description:
      'Creates or updates a member by their id in the member-management software, including a transfer to another branch from an instant. Sent again with the same input, it changes nothing.',
    authScopes: { writer: true },
    errors: resultUnion('UpsertMember'),
    args: {
      input: t.arg({ type: UpsertMemberInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(upsertMemberSchema, args.input);
      return mutate<MemberSnapshot>(ctx, {
        action: 'upsertMember',
        entity: 'member',
        entityKey: input.id,
        idempotencyKey,
        request: input,
        lockScope: memberScope(input.id),
        fields: { transferredAt: input.transferredAt ? 'transferredAt' : 'joinedAt' },
        run: async (tx, guard) => {
          // Whose member this is comes first: nothing of it is told to a caller who may not write it.
          const found = await memberSnapshot(tx, input.id);
          await guard.owns(found?.unit, `member ${input.id}`);
          const unit = await guard.unit(input.unit, 'unit');
          levelIn(unit, ['BRANCH'], 'unit', 'members belong to grassroots branches');
          const before = found && withoutId(found);
          const kept = (field: 'leftAt' | 'digitizedAt' | 'appActivatedAt'): string | null =>
            input[field] === undefined ? (before?.[field] ?? null) : iso(input[field]);
          const joinedAt = iso(input.joinedAt)!;
          const moves = before !== null && before.unit !== unit.code;
          let unitSince: string;
          if (!before) {
            if (input.transferredAt != null) throw invalid('transferredAt', 'is only for a member recorded in another branch: a new member is in their branch from joinedAt');
            beforeClosing(unit, input.joinedAt, 'joinedAt');
            unitSince = joinedAt;
          } else if (moves) {
            const at = input.transferredAt;
            if (at == null) {
              throw invalid('transferredAt', `is required: ${input.id} is in ${before.unit} since ${before.unitSince}; give the instant they moved to ${unit.code}`);
            }
            if (at <= new Date(before.unitSince)) throw invalid('transferredAt', `must be after ${input.id} came into ${before.unit} (${before.unitSince})`);
            if (at < unit.validFrom) throw invalid('transferredAt', `must not be before ${unit.code} opened (${iso(unit.validFrom)})`);
            beforeClosing(unit, at, 'transferredAt');
            unitSince = iso(at)!;
          } else {
            if (input.transferredAt != null && iso(input.transferredAt) !== before.unitSince) {
              throw invalid('transferredAt', `must be left out: ${input.id} is in ${unit.code} since ${before.unitSince} already`);
            }
            // A placement that began when the member joined begins when they now join.
            unitSince = before.unitSince === before.joinedAt ? joinedAt : before.unitSince;
          }
          const leftAt = kept('leftAt');
          const issues: Issue[] = [];
          if (new Date(unitSince) < input.joinedAt) issues.push({ field: 'joinedAt', reason: `must not be after ${input.id} came into ${unit.code} (${unitSince})` });
          if (leftAt && new Date(leftAt) <= new Date(unitSince)) {
            issues.push({ field: 'leftAt', reason: `must be after ${input.id} came into ${unit.code} (${unitSince}); it is ${leftAt}` });
          }
          if (issues.length > 0) throw new ValidationError(issues);
          const intended: MemberSnapshot = {
            id: input.id,
            unit: unit.code,
            unitSince,
            joinedAt,
            leftAt,
            birthYear: input.birthYear === undefined ? (before?.birthYear ?? null) : input.birthYear,
            gender: input.gender === undefined ? (before?.gender ?? null) : input.gender,
            digitizedAt: kept('digitizedAt'),
            appActivatedAt: kept('appActivatedAt'),
          };
          if (before && same(before, intended)) return { before, after: before };
          await upsertMember(tx, {
            externalId: input.id,
            unitId: unit.id,
            joinedAt: input.joinedAt,
            leftAt: date(intended.leftAt),
            birthYear: intended.birthYear,
            gender: intended.gender,
            digitizedAt: date(intended.digitizedAt),
            appActivatedAt: date(intended.appActivatedAt),
            movedAt: moves ? input.transferredAt : null,
          });
          return { before, after: withoutId((await memberSnapshot(tx, input.id))!) };
        },
      });
    },
  }),
);

// ── recordEvaluation ─────────────────────────────────────────────────────────

const RecordEvaluationInput = builder.inputType('RecordEvaluationInput', {
  fields: (t) => ({
    member: t.string({ required: true, description: 'The member’s id in the member-management software.' }),
    year: t.int({ required: true, description: 'The year evaluated.' }),
    recordedAt: t.field({ type: 'DateTime', required: true, description: 'When the evaluation was recorded; not before the year it evaluates.' }),
  }),
});

/** 1 January of a year, 00:00 Vietnam time. */
const yearStart = (year: number) => new Date(Date.UTC(year, 0, 1) - 7 * 3_600_000);

const recordEvaluationSchema = z
  .object({
    member: text(200),
    year: z.number().int().min(EVALUATION_YEARS.min, EVALUATION_RANGE).max(EVALUATION_YEARS.max, EVALUATION_RANGE),
    recordedAt: instant(),
  })
  .superRefine((v, ctx) => {
    if (v.recordedAt < yearStart(v.year)) ctx.addIssue({ code: 'custom', path: ['recordedAt'], message: `must not be before the year it evaluates (${v.year})` });
  });

const RecordEvaluationSuccess = builder.objectRef<EvaluationSnapshot>('RecordEvaluationSuccess').implement({
  fields: (t) => ({ evaluation: t.field({ type: EvaluationRecord, resolve: (e) => e }) }),
});

async function memberNamed(tx: Parameters<typeof memberSnapshot>[0], guard: WriteGuard, id: string) {
  // A member of a unit the caller may not write is told as not found: nobody learns whose ids exist elsewhere.
  return guard.found(await memberSnapshot(tx, id), new NotFoundError('member', `no member has id "${id}" in the units this caller may write`));
}

builder.mutationField('recordEvaluation', (t) =>
  t.field({
    type: RecordEvaluationSuccess,
    description: 'Records a member’s yearly evaluation; sent again for the same member and year, it replaces the earlier one.',
    authScopes: { writer: true },
    errors: resultUnion('RecordEvaluation'),
    args: {
      input: t.arg({ type: RecordEvaluationInput, required: true }),
      idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
    },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
      const input = parse(recordEvaluationSchema, args.input);
      return mutate<EvaluationSnapshot>(ctx, {
        action: 'recordEvaluation',
        entity: 'evaluation',
        entityKey: `${input.member}/${input.year}`,
        idempotencyKey,
        request: input,
        lockScope: memberScope(input.member),
        run: async (tx, guard) => {
          const member = await memberNamed(tx, guard, input.member);
          const before = await evaluationSnapshot(tx, member.memberId, input.member, input.year);
          const intended: EvaluationSnapshot = { member: input.member, year: input.year, recordedAt: iso(input.recordedAt)! };
          if (before && same(before, intended)) return { before, after: before };
          await recordEvaluation(tx, member.memberId, input.year, input.recordedAt);
          return { before, after: (await evaluationSnapshot(tx, member.memberId, input.member, input.year))! };
        },
      });
    },
  }),
);

// ── recordAppActivation, recordProfileDigitized ──────────────────────────────

const memberEventSchema = z.object({ member: text(200), at: instant() });

function memberEvent(name: 'recordAppActivation' | 'recordProfileDigitized', field: 'appActivatedAt' | 'digitizedAt', what: string) {
  const typeName = `${name[0]!.toUpperCase()}${name.slice(1)}`;
  const Input = builder.inputType(`${typeName}Input`, {
    fields: (t) => ({
      member: t.string({ required: true, description: 'The member’s id in the member-management software.' }),
      at: t.field({ type: 'DateTime', required: true, description: `When ${what}.` }),
    }),
  });
  const Success = builder.objectRef<MemberSnapshot>(`${typeName}Success`).implement({
    fields: (t) => ({ member: t.field({ type: MemberRecord, resolve: (m) => m }) }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: Success,
      description: `Records when ${what}; sent again, the instant replaces the earlier one.`,
      authScopes: { writer: true },
      errors: resultUnion(typeName),
      args: {
        input: t.arg({ type: Input, required: true }),
        idempotencyKey: t.arg.string({ description: IDEMPOTENCY_KEY_DESCRIPTION }),
      },
      resolve: (_root, args, ctx) => {
        const { idempotencyKey } = parse(idempotencyKeySchema, { idempotencyKey: args.idempotencyKey });
        const input = parse(memberEventSchema, args.input);
        return mutate<MemberSnapshot>(ctx, {
          action: name,
          entity: 'member',
          entityKey: input.member,
          idempotencyKey,
          request: input,
          lockScope: memberScope(input.member),
          run: async (tx, guard) => {
            const found = await memberNamed(tx, guard, input.member);
            const before = withoutId(found);
            if (before[field] === iso(input.at)) return { before, after: before };
            await updateMember(tx, found.memberId, { [field]: input.at });
            return { before, after: withoutId((await memberSnapshot(tx, input.member))!) };
          },
        });
      },
    }),
  );
}

memberEvent('recordAppActivation', 'appActivatedAt', 'the member activated the Vietnam Youth app');
memberEvent('recordProfileDigitized', 'digitizedAt', 'the member’s profile was digitized in the member-management software');
