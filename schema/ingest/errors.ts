// How a mutation says no: typed results in its union rather than GraphQL errors, so a
// client can show each problem beside the field it belongs to. The database has the last
// word on many rules (CHECK constraints, triggers); its refusals are told the same way.
import { pgError } from '../../db/client.js';
import { builder } from '../builder.js';
import { BIRTH_YEARS, EVALUATION_YEARS } from '../../domain/catalogue.js';

export interface Issue {
  /** The input field, as the client named it (`leftAt`, `unit`, `idempotencyKey`). */
  field: string;
  reason: string;
}

export class ValidationError extends Error {
  constructor(readonly issues: Issue[]) {
    super(`Invalid input: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`);
    this.name = 'ValidationError';
  }
}

export function invalid(field: string, reason: string): ValidationError {
  return new ValidationError([{ field, reason }]);
}

export class NotFoundError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Not found: ${field} ${reason}`);
    this.name = 'NotFoundError';
  }
}

const UserError = builder.interfaceRef<Error>('UserError').implement({
  description: 'Why a mutation refused its input; nothing was written.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

const ValidationIssue = builder.objectRef<Issue>('ValidationIssue').implement({
  description: 'One problem with the input.',
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field (or argument) at fault.' }),
    reason: t.exposeString('reason', { description: 'What is wrong with it, and what would be accepted.' }),
  }),
});

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'The input breaks a rule: dates out of order, a negative count, a unit of the wrong level, something dated after a unit closed…',
  interfaces: [UserError],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({ issues: t.field({ type: [ValidationIssue], resolve: (e) => e.issues }) }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The input names something that does not exist, such as an unknown unit code.',
  interfaces: [UserError],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The input field naming it.' }),
    reason: t.exposeString('reason'),
  }),
});

/** The error types every mutation's result union holds beside its success. */
export const MUTATION_ERRORS = [ValidationError, NotFoundError];


/** A database rule, found by constraint name or by the trigger's message, and the input field it concerns. */
interface Rule {
  match: string | RegExp;
  field: string;
  reason?: string;
}

const RULES: Rule[] = [
  { match: 'units_valid_order', field: 'at', reason: 'must be after the unit (and every open unit below it) opened' },
  { match: 'units_code_not_blank', field: 'code', reason: 'must not be blank' },
  { match: 'units_root_is_central', field: 'parent', reason: 'only the Central Committee has no parent' },
  { match: 'units_successor_not_self', field: 'successor', reason: 'must not be the unit itself' },
  { match: 'units_code_key', field: 'code', reason: 'is already used by another unit' },
  { match: 'members_left_after_joined', field: 'leftAt', reason: 'must be after joinedAt' },
  { match: 'members_unit_since_in_membership', field: 'transferredAt', reason: 'must lie within the membership (at or after joinedAt, before leftAt)' },
  { match: 'member_unit_history_order', field: 'transferredAt', reason: 'must be after the member came into their current unit' },
  { match: 'members_birth_year_range', field: 'birthYear', reason: `must be between ${BIRTH_YEARS.min} and ${BIRTH_YEARS.max}` },
  { match: 'members_gender_known', field: 'gender', reason: 'must be MALE, FEMALE or OTHER' },
  { match: 'member_evaluations_year_range', field: 'year', reason: `must be between ${EVALUATION_YEARS.min} and ${EVALUATION_YEARS.max}` },
  { match: 'digital_models_ended_order', field: 'endedAt', reason: 'must be after establishedAt' },
  { match: 'digital_models_effective_order', field: 'effectiveFrom', reason: 'must not be before establishedAt' },
  { match: 'teams_disbanded_order', field: 'disbandedAt', reason: 'must be after establishedAt' },
  { match: 'team_roster_order', field: 'to', reason: 'must be after from' },
  { match: 'startup_products_order', field: 'delistedAt', reason: 'must be after listedAt' },
  { match: 'activity_reports_kind_known', field: 'kind', reason: 'is not a known kind of report' },
  { match: 'activity_reports_count_nonnegative', field: 'count', reason: 'must be ≥ 0' },
  { match: 'activity_reports_count_bounded', field: 'count', reason: 'must be at most 1,000,000' },
  // Triggers (db/migrations/0001_unit_tree_rules.sql): their messages name the units involved.
  { match: /parent cannot change/, field: 'parent' },
  { match: /level cannot change/, field: 'level' },
  { match: /cannot sit under/, field: 'parent' },
  { match: /valid period must lie within that of its parent/, field: 'validFrom' },
  { match: /cannot close before its child/, field: 'at' },
  { match: /cannot open after its child/, field: 'validFrom' },
  { match: /lies outside the life of unit/, field: 'date' },
];

/**
 * The database's refusal of a write (SQLSTATE class 23: a constraint or a trigger) as a
 * ValidationError naming the input field; `fields` renames a rule's field where a
 * mutation calls it otherwise. Anything else is not a refusal: null.
 */
export function databaseRefusal(error: unknown, fields: Record<string, string> = {}): ValidationError | null {
  const pg = pgError(error);
  if (!pg || !pg.code.startsWith('23')) return null;
  const rule = RULES.find((r) => (typeof r.match === 'string' ? pg.constraint === r.match : r.match.test(pg.message)));
  if (!rule) return invalid('input', pg.message);
  return invalid(fields[rule.field] ?? rule.field, rule.reason ?? pg.message);
}
