// The authorization matrix: every kind of caller × every query, mutation and sensitive
// field, on units inside and outside the caller's scope (test/schema/access/support.ts).
// Y: answered; N: refused (FORBIDDEN / UNAUTHENTICATED, or left out of a list) with nothing
// written and nothing of the hidden unit in the answer. Aggregates out of scope are tried
// through every path that could reach them: the unit itself, parent, ancestors, children,
// compare, breakdown(level:), series, changes and the export (the leak of Hasura issue 7603).
import { describe, expect, it } from 'vitest';
import { CALLERS, codes, useWorld, type CallerName, type World } from './support.js';

let w: World;
useWorld((world) => (w = world));

type Outcome = 'Y' | 'N';
const DENIED = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);
const APP = 'kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator suppressed }';

/** Answered when `pick` finds the value and no denial was told; refused when a denial error stands where it would be. */
async function read(caller: CallerName, query: string, pick: (data: any) => unknown): Promise<Outcome> {
  const r = await w.gql(caller, query);
  const denied = codes(r).some((c) => DENIED.has(String(c)));
  const value = r.data ? pick(r.data) : undefined;
  if (value != null && !denied) return 'Y';
  if (denied) return 'N';
  throw new Error(`neither answered nor refused: ${JSON.stringify(r)}`);
}

/** Whether a unit is listed: a list out of scope leaves the unit out (or the whole field is refused). */
async function listed(caller: CallerName, query: string, list: (data: any) => { code: string }[] | undefined, code: string): Promise<Outcome> {
  const r = await w.gql(caller, query);
  const found = r.data ? list(r.data) : undefined;
  if (found?.some((u) => u.code === code)) return 'Y';
  if (found || codes(r).some((c) => DENIED.has(String(c)))) return 'N';
  throw new Error(`neither answered nor refused: ${JSON.stringify(r)}`);
}

/** A write: answered with its success, or refused with a denial and no audit row, and without a word of `hidden` in the reply. */
async function write(caller: CallerName, query: string, success: (data: any) => boolean, hidden: string[] = []): Promise<Outcome> {
  const before = await w.auditCount();
  const r = await w.gql(caller, query);
  if (r.data && success(r.data) && !r.errors) return 'Y';
  expect(codes(r).some((c) => DENIED.has(String(c))), JSON.stringify(r)).toBe(true);
  expect(await w.auditCount()).toBe(before);
  for (const text of hidden) expect(JSON.stringify(r)).not.toContain(text);
  return 'N';
}

const unique = (caller: CallerName, base: string) => `${base}-${caller.toLowerCase().replace(/_/g, '-')}`;

const CASES: Record<string, { expected: Outcome[]; run: (caller: CallerName) => Promise<Outcome> }> = {
  // ── reads: columns CENTRAL_ADMIN, UNIT_ADMIN@C1, LEADER@C1, VIEWER@C1, PARTNER@P1, ANONYMOUS, ANONYMOUS (access off)
  'unit(B11).kpi: below the home unit': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "B11") { ${APP} } }`, (d) => d.unit?.kpi),
  },
  'unit(C1).kpi: the home unit': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { ${APP} } }`, (d) => d.unit?.kpi),
  },
  'unit(C3).kpi: a sibling of the home unit': {
    expected: ['Y', 'N', 'Y', 'N', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C3") { ${APP} } }`, (d) => d.unit?.kpi),
  },
  'unit(C1).parent.kpi: the province above': {
    expected: ['Y', 'N', 'N', 'N', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { parent { code ${APP} } } }`, (d) => d.unit?.parent?.kpi),
  },
  'unit(C1).ancestors.kpi: TW and P1': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { ancestors { code ${APP} } } }`, (d) => (d.unit?.ancestors?.every((a: any) => a.kpi) ? d.unit.ancestors : null)),
  },
  'unit(P2).children.kpi: another province’s commune': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "P2") { children { nodes { code ${APP} } } } }`, (d) => d.unit?.children?.nodes?.[0]?.kpi),
  },
  'unit(C4).kpi: another province’s commune': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C4") { ${APP} } }`, (d) => d.unit?.kpi),
  },
  'compare(C4)': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ compare(units: ["C4"], kpis: [APP_ADOPTION], period: "2026-03") { rows { values { value numerator } } } }`, (d) => d.compare?.rows[0]?.values[0]),
  },
  'unit(C4).series': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C4") { series(kpi: APP_ADOPTION, from: "2026-01", to: "2026-03", grain: MONTH) { value } } }`, (d) => d.unit?.series?.[2]),
  },
  'unit(TW).breakdown(level: BRANCH) lists B41': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => listed(c, `{ unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-03", level: BRANCH) { nodes { rank unit { code } value } } } }`, (d) => d.unit?.breakdown?.nodes.map((n: any) => n.unit), 'B41'),
  },
  'changes(level: BRANCH) lists B41': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => listed(c, `{ changes(period: "2026-03", level: BRANCH, kpis: [APP_ADOPTION]) { values { unit { code } value } } }`, (d) => d.changes?.values.map((v: any) => v.unit), 'B41'),
  },
  'export under P2': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: async (c) => {
      const response = await w.get(c, '/export/kpis.csv?period=2026-03&level=BRANCH&under=P2&kpis=APP_ADOPTION');
      if (response.status === 200) return (await response.text()).includes('B41,') ? 'Y' : 'N';
      expect([401, 403]).toContain(response.status);
      return 'N';
    },
  },
  'export, every branch the caller reads, lists B41': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: async (c) => {
      const response = await w.get(c, '/export/kpis.ndjson?period=2026-03&level=BRANCH&kpis=APP_ADOPTION');
      if (response.status !== 200) return 'N';
      const rowsOut = (await response.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
      return rowsOut.some((r) => r.unit_code === 'B41') ? 'Y' : 'N';
    },
  },
  'unit(C1).kpi(DIGITAL_ACCOUNTS): a KPI outside the partner’s key': {
    expected: ['Y', 'Y', 'Y', 'Y', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { kpi(id: DIGITAL_ACCOUNTS, period: "2026") { value } } }`, (d) => d.unit?.kpi),
  },
  'viewer': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'Y'],
    run: (c) => read(c, `{ viewer { kind role kpis } }`, (d) => d.viewer),
  },
  'the catalogue (kpis, period)': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'Y'],
    run: (c) => read(c, `{ kpis { id } period(id: "2026-03") { end } }`, (d) => d.kpis?.length && d.period),
  },
  'unit(C1).members: a named list (personal data)': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { members(first: 3) { nodes { id joinedAt } } } }`, (d) => d.unit?.members),
  },
  'unit(C4).members: another province’s named list': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) => read(c, `{ unit(code: "C4") { members(first: 3) { nodes { id joinedAt } } } }`, (d) => d.unit?.members),
  },
  'partnerKeys': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) => read(c, `{ partnerKeys { id name } }`, (d) => d.partnerKeys),
  },
  'unit(C1).targetProgress and targets': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { targets(period: "2026") { value } targetProgress(period: "2026", today: "2026-03-31") { kpis { status } } } }`, (d) => d.unit?.targetProgress),
  },
  'unit(C4).targetProgress: another province’s commune': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C4") { targetProgress(period: "2026", today: "2026-03-31") { kpis { status } } } }`, (d) => d.unit?.targetProgress),
  },
  'unit(C1).targetAllocation': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { targetAllocation(kpi: APP_ADOPTION, period: "2026") { gap children { unit { code } } } } }`, (d) => d.unit?.targetAllocation),
  },
  'unit(P1).targetAllocation: the province above': {
    expected: ['Y', 'N', 'N', 'N', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "P1") { targetAllocation(kpi: VNEID_INSTALLS, period: "2026") { gap } } }`, (d) => d.unit?.targetAllocation),
  },
  'unit(C1).lagging on its branches': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { lagging(kpi: VNEID_INSTALLS, period: "2026", today: "2026-03-31") { unit { code } reasons } } }`, (d) => d.unit?.lagging),
  },
  'unit(P1).ranking of its communes (C1 and C3)': {
    expected: ['Y', 'N', 'Y', 'N', 'Y', 'Y', 'N'],
    run: async (c) => {
      await w.gql('CENTRAL_ADMIN', `mutation { defineEmulationFramework(input: { name: "matrix", criteria: [{ kpi: APP_ADOPTION, weight: 1, method: PERCENT_OF_TARGET }] }, idempotencyKey: "matrix-framework") { __typename } }`);
      return read(c, `{ unit(code: "P1") { ranking(framework: "matrix", period: "2026", today: "2026-03-31") { entries { rank unit { code } score } } } }`, (d) => d.unit?.ranking);
    },
  },
  'emulationFrameworks': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ emulationFrameworks { name version } }`, (d) => d.emulationFrameworks),
  },
  'unit(C1).reportFlags': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) => read(c, `{ unit(code: "C1") { reportFlags(period: "2026") { month { id } } } }`, (d) => d.unit?.reportFlags),
  },
  // ── writes
  'recordReport for C1': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { recordReport(input: { unit: "C1", kind: DIGITAL_ACCOUNTS, date: "2026-05-02", count: 3, id: "${unique(c, 'rep')}" }) { __typename } }`, (d) => d.recordReport?.__typename === 'RecordReportSuccess'),
  },
  'recordReport for C4 (another province)': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { recordReport(input: { unit: "C4", kind: DIGITAL_ACCOUNTS, date: "2026-05-02", count: 3, id: "${unique(c, 'rep-c4')}" }) { __typename } }`, (d) => d.recordReport?.__typename === 'RecordReportSuccess'),
  },
  'upsertMember m1 of B11, answering with its unit and dates (personal data)': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(
        c,
        `mutation { upsertMember(input: { id: "m1", unit: "B11", joinedAt: "2025-01-10T09:00:00+07:00" }) { __typename ... on UpsertMemberSuccess { member { unit { code } unitSince joinedAt appActivatedAt } } } }`,
        (d) => d.upsertMember?.member?.unit?.code === 'B11',
        ['2025-01-10', '2025-02-01'],
      ),
  },
  'upsertMember q1 of B41 (another province), under a key of its own': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(
        c,
        `mutation { upsertMember(input: { id: "q1", unit: "B41", joinedAt: "2025-01-01T08:00:00+07:00" }, idempotencyKey: "same-key") { __typename ... on UpsertMemberSuccess { member { unit { code } unitSince } } } }`,
        (d) => d.upsertMember?.member?.unit?.code === 'B41',
        ['B41', '2025-01-01', 'unitSince'],
      ),
  },
  'unit(C4).names and history: another province’s commune (the tree, as its names, is for every reader)': {
    expected: ['Y', 'Y', 'Y', 'Y', 'Y', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C4") { names { name from } history { at kind } } }`, (d) => (d.unit?.names?.length && d.unit?.history?.length ? d.unit : null)),
  },
  'updateUnit of B11 with nameFrom (a dated rename)': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(
        c,
        `mutation { updateUnit(input: { code: "B11", name: "${unique(c, 'Chi đoàn')}", nameFrom: "2026-01-${String(CALLERS.indexOf(c) + 10)}T00:00:00+07:00" }) { __typename } }`,
        (d) => d.updateUnit?.__typename === 'UpdateUnitSuccess',
      ),
  },
  'unit(C4).kpi in CURRENT_TREE: another province’s commune, in today’s tree': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'Y', 'N'],
    run: (c) => read(c, `{ unit(code: "C4") { kpi(id: APP_ADOPTION, period: "2026-03", view: CURRENT_TREE) { value } } }`, (d) => d.unit?.kpi),
  },
  'reparentUnit of a branch of C1 under C3 (C3 is outside a UNIT_ADMIN@C1’s subtree)': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: async (c) => {
      const code = unique(c, 'BR');
      await w.gql('CENTRAL_ADMIN', `mutation { createUnit(input: { code: "${code}", name: "Chi đoàn Chuyển", level: BRANCH, parent: "C1", validFrom: "2025-01-01T00:00:00+07:00" }) { __typename } }`);
      return write(c, `mutation { reparentUnit(input: { code: "${code}", parent: "C3", at: "2026-01-01T00:00:00+07:00" }) { __typename } }`, (d) => d.reparentUnit?.__typename === 'ReparentUnitSuccess');
    },
  },
  'mergeUnits of two branches of C1': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: async (c) => {
      const [a, b] = [unique(c, 'BMA'), unique(c, 'BMB')];
      for (const code of [a, b]) {
        await w.gql('CENTRAL_ADMIN', `mutation { createUnit(input: { code: "${code}", name: "Chi đoàn Nhập", level: BRANCH, parent: "C1", validFrom: "2025-01-01T00:00:00+07:00" }) { __typename } }`);
      }
      return write(c, `mutation { mergeUnits(input: { codes: ["${a}"], into: "${b}", at: "2026-01-01T00:00:00+07:00" }) { __typename } }`, (d) => d.mergeUnits?.__typename === 'MergeUnitsSuccess');
    },
  },
  'splitUnit of a branch of C1 into another': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: async (c) => {
      const [a, b] = [unique(c, 'BSA'), unique(c, 'BSB')];
      for (const code of [a, b]) {
        await w.gql('CENTRAL_ADMIN', `mutation { createUnit(input: { code: "${code}", name: "Chi đoàn Tách", level: BRANCH, parent: "C1", validFrom: "2025-01-01T00:00:00+07:00" }) { __typename } }`);
      }
      return write(c, `mutation { splitUnit(input: { code: "${a}", children: [], successor: "${b}", at: "2026-01-01T00:00:00+07:00" }) { __typename } }`, (d) => d.splitUnit?.__typename === 'SplitUnitSuccess');
    },
  },
  'createUnit under C1': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { createUnit(input: { code: "${unique(c, 'B1X')}", name: "Chi đoàn Mới", level: BRANCH, parent: "C1", validFrom: "2026-01-01T00:00:00+07:00" }) { __typename } }`, (d) => d.createUnit?.__typename === 'CreateUnitSuccess'),
  },
  'createUnit under C4 (another province)': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { createUnit(input: { code: "${unique(c, 'B4X')}", name: "Chi đoàn Mới", level: BRANCH, parent: "C4", validFrom: "2026-01-01T00:00:00+07:00" }) { __typename } }`, (d) => d.createUnit?.__typename === 'CreateUnitSuccess'),
  },
  'importRecords': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(
        c,
        `mutation { importRecords(ndjson: ${JSON.stringify(JSON.stringify({ type: 'report', id: unique(c, 'imp'), unit: 'C1', kind: 'DIGITAL_SKILLS_TRAINED', date: '2026-05-03', count: 2 }))}) { status } }`,
        (d) => d.importRecords?.status === 'IMPORTED',
      ),
  },
  'setTarget for C1': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { setTarget(input: { unit: "C1", kpi: VNEID_INSTALLS, period: "2026-Q${CALLERS.indexOf(c) % 4 + 1}", value: 40 }) { __typename } }`, (d) => d.setTarget?.__typename === 'SetTargetSuccess'),
  },
  'setTarget for C4 (another province)': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) => write(c, `mutation { setTarget(input: { unit: "C4", kpi: VNEID_INSTALLS, period: "2026", value: 40 }) { __typename } }`, (d) => d.setTarget?.__typename === 'SetTargetSuccess'),
  },
  'allocateTarget of C1 to its branches': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: async (c) => {
      await w.gql('CENTRAL_ADMIN', `mutation { setTarget(input: { unit: "C1", kpi: DIGITAL_ACCOUNTS, period: "2026", value: ${10 + CALLERS.indexOf(c)} }) { __typename } }`);
      return write(c, `mutation { allocateTarget(input: { unit: "C1", kpi: DIGITAL_ACCOUNTS, period: "2026", method: EQUAL }) { __typename } }`, (d) => d.allocateTarget?.__typename === 'AllocateTargetSuccess', ['B11', 'B12']);
    },
  },
  'removeTarget of C4 (another province)': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: async (c) => {
      await w.gql('CENTRAL_ADMIN', `mutation { setTarget(input: { unit: "C4", kpi: DIGITAL_ACCOUNTS, period: "2026", value: 5 }) { __typename } }`);
      return write(c, `mutation { removeTarget(input: { unit: "C4", kpi: DIGITAL_ACCOUNTS, period: "2026" }) { __typename ... on RemoveTargetSuccess { target { value } } } }`, (d) => d.removeTarget?.target?.value === 5);
    },
  },
  'defineEmulationFramework': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { defineEmulationFramework(input: { name: "${unique(c, 'fw')}", criteria: [{ kpi: APP_ADOPTION, weight: 1, method: PERCENT_OF_TARGET }] }) { __typename } }`, (d) => d.defineEmulationFramework?.__typename === 'DefineEmulationFrameworkSuccess'),
  },
  'reviewReportFlag for C1 (let through to its check: nothing is flagged)': {
    expected: ['Y', 'Y', 'N', 'N', 'N', 'N', 'N'],
    run: (c) =>
      write(c, `mutation { reviewReportFlag(input: { unit: "C1", kpi: VNEID_INSTALLS, month: "2026-03", decision: CONFIRMED }) { __typename } }`, (d) => d.reviewReportFlag?.__typename === 'ValidationError'),
  },
  'createPartnerKey': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: (c) => write(c, `mutation { createPartnerKey(input: { name: "Sở TT&TT", unit: "P2" }) { key } }`, (d) => typeof d.createPartnerKey?.key === 'string'),
  },
  'revokePartnerKey': {
    expected: ['Y', 'N', 'N', 'N', 'N', 'N', 'N'],
    run: async (c) => {
      const made = await w.gql('CENTRAL_ADMIN', `mutation { createPartnerKey(input: { name: "Throwaway", unit: "P2" }) { partnerKey { id } } }`);
      return write(c, `mutation { revokePartnerKey(id: "${made.data.createPartnerKey.partnerKey.id}") { revokedAt } }`, (d) => !!d.revokePartnerKey?.revokedAt);
    },
  },
};

describe('the authorization matrix', () => {
  const cells = Object.entries(CASES).flatMap(([name, c]) => CALLERS.map((caller, i) => [name, caller, c.expected[i]!] as const));

  it.each(cells)('%s, as %s: %s', async (name, caller, expected) => {
    expect(await CASES[name]!.run(caller)).toBe(expected);
  });

  it(`holds ${Object.keys(CASES).length} cases × ${CALLERS.length} callers`, () => {
    expect(cells).toHaveLength(Object.keys(CASES).length * CALLERS.length);
    for (const c of Object.values(CASES)) expect(c.expected).toHaveLength(CALLERS.length);
  });
});
