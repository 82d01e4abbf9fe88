// Many clients write at once, through the real server, to overlapping units and records:
// reports (some to the same row), member changes and transfers back and forth, roster
// entries of one team, evaluations, and the same idempotency key sent by many at once.
// Writes of different things no longer wait for one global lock; the roll-ups must still
// equal a rebuild from the base tables, and every answer must be a typed one.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rows } from '../../db/client.js';
import { rollupSnapshot } from '../../db/rollup.js';
import { rebuiltSnapshot } from '../support/rollups.js';
import { useTree, type Tree } from './ingest/support.js';

let t: Tree;
useTree('each', (tree) => (t = tree));

/** Clients and writes each: `npm run test:soak` raises them. */
const CLIENTS = Number(process.env.CONCURRENCY_CLIENTS ?? 12);
const WRITES = Number(process.env.CONCURRENCY_WRITES ?? 20);

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
}

const REPORT = `mutation ($i: RecordReportInput!) { recordReport(input: $i) { __typename ... on ValidationError { issues { field reason } } } }`;
const MEMBER = `mutation ($i: UpsertMemberInput!, $k: String) { upsertMember(input: $i, idempotencyKey: $k) { __typename ... on UpsertMemberSuccess { member { unit { code } unitSince } } ... on ValidationError { issues { field reason } } } }`;
const ROSTER = `mutation ($i: SetRosterEntryInput!) { setRosterEntry(input: $i) { __typename ... on ValidationError { issues { field reason } } } }`;
const EVALUATION = `mutation ($i: RecordEvaluationInput!) { recordEvaluation(input: $i) { __typename ... on ValidationError { issues { field reason } } } }`;
const ACTIVATION = `mutation ($i: RecordAppActivationInput!) { recordAppActivation(input: $i) { __typename ... on ValidationError { issues { field reason } } } }`;

const day = (i: number) => new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10);
const at = (i: number) => `${day(i)}T08:00:00+07:00`;

describe('concurrent writers', () => {
  it(`(${CLIENTS} clients × ${WRITES} writes) leave the roll-ups equal to a rebuild, with only typed answers`, async () => {
    const answers: { name: string; body: any }[] = [];
    let transfers = 0;
    const client = async (c: number) => {
      const next = random(c * 7919 + 17);
      for (let w = 0; w < WRITES; w += 1) {
        const pick = next(6);
        let name: string;
        let body: any;
        if (pick === 0) {
          // The same natural key from many clients: one row, the last count wins.
          name = 'report (shared row)';
          body = await t.gql(REPORT, { i: { unit: 'C1', kind: 'VNEID_INSTALLS', date: '2026-02-10', count: next(50) } });
        } else if (pick === 1) {
          name = 'report (own row)';
          body = await t.gql(REPORT, { i: { unit: ['B11', 'B12', 'C3', 'C1'][next(4)], kind: 'DIGITAL_ACCOUNTS', date: day(next(120)), count: 1 + next(9), id: `r-${c}-${w}` } });
        } else if (pick === 2) {
          // Transfers of one member between two branches, each later than the last.
          name = 'transfer';
          transfers += 1;
          const to = next(2) === 0 ? 'B11' : 'B12';
          body = await t.gql(MEMBER, { i: { id: 'm1', unit: to, joinedAt: '2025-01-10T09:00:00+07:00', transferredAt: `2026-06-01T00:00:${String(transfers % 60).padStart(2, '0')}.${String(transfers).padStart(3, '0')}+07:00` } });
        } else if (pick === 3) {
          name = 'roster';
          body = await t.gql(ROSTER, { i: { team: 't1', person: `p-${c}-${w}`, from: at(next(100)) } });
        } else if (pick === 4) {
          name = 'evaluation';
          body = await t.gql(EVALUATION, { i: { member: ['m4', 'm5', 'm9'][next(3)], year: 2026, recordedAt: at(next(300)) } });
        } else {
          name = 'activation';
          body = await t.gql(ACTIVATION, { i: { member: ['m2', 'm5'][next(2)], at: at(next(300)) } });
        }
        answers.push({ name, body });
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

    // No GraphQL error at all: every answer is a success or a typed refusal (a transfer that
    // arrives after a later one is refused, as it should be).
    const errors = answers.filter((a) => a.body.errors);
    expect(errors.map((a) => `${a.name}: ${JSON.stringify(a.body.errors)}`)).toEqual([]);
    const typenames = answers.map((a) => (Object.values(a.body.data ?? {})[0] as { __typename?: string } | undefined)?.__typename ?? 'none');
    expect(typenames.filter((n) => !/Success$|^ValidationError$/.test(n))).toEqual([]);
    // Most writes went through: the test is about writers at once, not about refusals.
    expect(typenames.filter((n) => n.endsWith('Success')).length).toBeGreaterThan((CLIENTS * WRITES) / 2);

    expect(await rollupSnapshot(t.db)).toEqual(await rebuiltSnapshot(t.db));
    // m1 is in one branch, with its history in order.
    const history = await rows<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM member_unit_history h JOIN members m ON m.id = h.member_id WHERE m.external_id = 'm1' AND h.to_at <= h.from_at`);
    expect(history).toEqual([{ n: 0 }]);
  });

  it('honour one idempotency key sent by one caller many times at once: one change, one answer', async () => {
    const input = { id: 'm-new', unit: 'B12', joinedAt: '2026-02-01T08:00:00+07:00' };
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.gql(MEMBER, { i: input, k: 'same-key' })));
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ data: { upsertMember: { __typename: 'UpsertMemberSuccess', member: { unit: { code: 'B12' }, unitSince: '2026-02-01T08:00:00+07:00' } } } })]),
    );
    expect(await rows(t.db, sql`SELECT count(*)::int AS n FROM audit_log WHERE idempotency_key = 'same-key'`)).toEqual([{ n: 1 }]);
    expect(await rows(t.db, sql`SELECT count(*)::int AS n FROM members WHERE external_id = 'm-new'`)).toEqual([{ n: 1 }]);
    expect(await rollupSnapshot(t.db)).toEqual(await rebuiltSnapshot(t.db));
  });
});
