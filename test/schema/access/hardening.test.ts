// Tokens, partner keys, small cells, named lists, and the HTTP hardening around them.
import { sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { openDb, rows } from '../../../db/client.js';
import { devIssuer, verifyToken } from '../../../schema/access/tokens.js';
import { PERSISTED_OPERATIONS } from '../../../schema/persisted.js';
import { testIssuer, testYoga, tokenFor } from '../../support/auth.js';
import { createTestDatabase } from '../../support/db.js';
import { codes, partnerKeyFor, useWorld, type World } from './support.js';

let w: World;
useWorld((world) => (w = world));

async function post(headers: Record<string, string>, query: string, overrides: Parameters<typeof testYoga>[1] = {}, variables?: object) {
  const yoga = await testYoga(w.db, overrides);
  const response = await yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe('bearer tokens', () => {
  const VIEWER = '{ viewer { kind subject role unit { code } writes } }';

  it('take the role, the home unit and the subject from the verified token', async () => {
    const r = await post({ authorization: `Bearer ${await tokenFor('LEADER', 'C3', 'bi-thu@C3')}` }, VIEWER);
    expect(r.body).toEqual({ data: { viewer: { kind: 'USER', subject: 'bi-thu@C3', role: 'LEADER', unit: { code: 'C3' }, writes: false } } });
  });

  it.each([
    ['an expired token', async () => (await testIssuer()).sign({ subject: 'x', role: 'VIEWER', unit: 'C1' }, '-1m'), 'the bearer token has expired'],
    ['a token of another issuer’s key', async () => (await devIssuer()).sign({ subject: 'x', role: 'CENTRAL_ADMIN', unit: 'TW' }), /^the bearer token is not valid/],
    [
      'a token without a known role',
      async () => {
        const issuer = await devIssuer();
        return issuer.sign({ subject: 'x', role: 'ROOT' as 'VIEWER', unit: 'TW' });
      },
      /^the bearer token/,
    ],
    ['a token whose home unit does not exist', () => tokenFor('UNIT_ADMIN', 'NOPE'), 'the bearer token\'s home unit "NOPE" does not exist'],
    ['an unsigned token', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x","role":"CENTRAL_ADMIN","unit":"TW"}').toString('base64url')}.`, /^the bearer token is not valid/],
  ])('refuse %s with 401 and nothing else', async (_, token, message) => {
    const r = await post({ authorization: `Bearer ${await token()}` }, '{ unit(code: "C1") { name } }');
    expect(r.status).toBe(401);
    expect(r.body.data).toBeUndefined();
    expect(r.body.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) })]);
  });

  it('refuse an Authorization header that is not a bearer token', async () => {
    const r = await post({ authorization: 'Basic YWRtaW46YWRtaW4=' }, VIEWER);
    expect([r.status, r.body.errors[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('never take the actor from a header: x-actor is ignored', async () => {
    const r = await post(
      { authorization: `Bearer ${await tokenFor('UNIT_ADMIN', 'C1', 'secretary@C1')}`, 'x-actor': 'someone-else' },
      'mutation { recordReport(input: { unit: "B12", kind: DIGITAL_SKILLS_TRAINED, date: "2026-05-04", count: 1 }) { __typename } }',
    );
    expect(r.body.data.recordReport.__typename).toBe('RecordReportSuccess');
    const [row] = await rows<{ actor: string }>(w.db, sql`SELECT actor FROM audit_log WHERE entity_key = 'B12/DIGITAL_SKILLS_TRAINED/2026-05-04'`);
    expect(row).toEqual({ actor: 'user:secretary@C1' });
  });

  it('verify a token once and take it again until it expires, then refuse it', async () => {
    const issuer = await testIssuer();
    const token = await issuer.sign({ subject: 'x', role: 'VIEWER', unit: 'C1' }, '10m');
    const now = Date.now();
    const claims = { subject: 'x', role: 'VIEWER', unit: 'C1' };
    expect(await verifyToken(token, issuer, now)).toEqual(claims);
    // A tampered copy is not the token that was verified: it is checked, and refused.
    await expect(verifyToken(`${token.slice(0, -4)}AAAA`, issuer, now)).rejects.toThrow('the bearer token is not valid');
    expect(await verifyToken(token, issuer, now + 4 * 60_000)).toEqual(claims);
    // Past five minutes it is checked again (still valid), and past its expiry it is refused.
    expect(await verifyToken(token, issuer, now + 6 * 60_000)).toEqual(claims);
    await expect(verifyToken(token, issuer, now + 11 * 60_000)).rejects.toThrow('the bearer token has expired');
  });

  it('let a CENTRAL_ADMIN in on an empty database, to import the tree; nobody else', async () => {
    const handle = await openDb({ url: await createTestDatabase(), driver: 'pg' });
    try {
      await handle.migrate();
      const yoga = await testYoga(handle.db);
      const as = async (token: string) =>
        (await yoga.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: `mutation { importRecords(ndjson: ${JSON.stringify(JSON.stringify({ type: 'unit', code: 'TW', name: 'Trung ương', level: 'CENTRAL', validFrom: '2020-01-01' }))}) { status recordsWritten } }` }),
        })).json();
      expect((await as(await tokenFor('UNIT_ADMIN', 'TW'))).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(await as(await tokenFor('CENTRAL_ADMIN', 'TW'))).toEqual({ data: { importRecords: { status: 'IMPORTED', recordsWritten: 1 } } });
    } finally {
      await handle.close();
    }
  });
});

describe('partner keys', () => {
  const B11_C1 = `{ b11: unit(code: "B11") { kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator suppressed } }
                    c1: unit(code: "C1") { kpi(id: APP_ADOPTION, period: "2026-03") { value numerator denominator suppressed } } }`;

  it('withhold a ratio over fewer than 5 people (B11: 1 of 2 on the app) and show C1’s 4 of 6; a user sees both', async () => {
    const partner = await w.gql('PARTNER', B11_C1);
    expect(partner.data).toEqual({
      b11: { kpi: { value: null, numerator: null, denominator: null, suppressed: 'SMALL_CELL' } },
      c1: { kpi: { value: (100 * 4) / 6, numerator: 4, denominator: 6, suppressed: null } },
    });
    expect((await w.gql('VIEWER', B11_C1)).data.b11.kpi).toEqual({ value: 50, numerator: 1, denominator: 2, suppressed: null });
    // Anonymous callers see what a national partner would.
    expect((await w.gql('ANONYMOUS', B11_C1)).data.b11.kpi.suppressed).toBe('SMALL_CELL');
  });

  it('withhold with a small cell the siblings that would give it back by subtraction, and what lies below them', async () => {
    // February 2026: P1 5 of 7 on the app = C1 4/6 + C2 1/1 (m8, C2's one member) + C3 0/0.
    const q = (p: string) => `{ ${['P1', 'C1', 'C2', 'C3', 'B11', 'B12'].map((c) => `${c}: unit(code: "${c}") { kpi(id: APP_ADOPTION, period: "${p}") { numerator denominator suppressed } }`).join(' ')} }`;
    const partner = await w.gql('PARTNER', q('2026-02'));
    const cell = (c: string) => partner.data[c].kpi;
    expect(cell('P1')).toEqual({ numerator: 5, denominator: 7, suppressed: null });
    // C2 is small; its siblings would give it back (5 − 4 − 0), and C1's branches would give C1 back: the
    // whole group is withheld, and what lies below it. What is left to subtract is C1, C2 and C3 together.
    for (const c of ['C1', 'C2', 'C3', 'B11', 'B12']) expect(cell(c)).toEqual({ numerator: null, denominator: null, suppressed: 'SMALL_CELL' });
    // An admin sees them all.
    expect((await w.gql('CENTRAL_ADMIN', q('2026-02'))).data.C2.kpi).toEqual({ numerator: 1, denominator: 1, suppressed: null });
    // The same holds in the export.
    const csv = await (await w.get('PARTNER', '/export/kpis.csv?period=2026-02&level=COMMUNE&kpis=APP_ADOPTION')).text();
    expect(csv.trim().split('\n').slice(1).map((l) => l.split(',')).map((c) => [c[0], c[7], c[8], c[10]].join(' '))).toEqual([
      'C1   SMALL_CELL',
      'C2   SMALL_CELL',
      'C3   SMALL_CELL',
    ]);
  });

  it('take the minimum cell size from the configuration', async () => {
    const r = await post({ 'x-api-key': w.partnerKey }, B11_C1, { access: { smallCellMinimum: 7 } });
    expect([r.body.data.b11.kpi.suppressed, r.body.data.c1.kpi.suppressed]).toEqual(['SMALL_CELL', 'SMALL_CELL']);
  });

  it('withhold small cells in the changes feed and in the export too', async () => {
    const feed = await w.gql('PARTNER', '{ changes(period: "2026-03", level: BRANCH, kpis: [APP_ADOPTION]) { values { unit { code } numerator denominator suppressed } } }');
    const byCode = Object.fromEntries(feed.data.changes.values.map((v: any) => [v.unit.code, [v.numerator, v.denominator, v.suppressed]]));
    // B11 1/2, B12 3/4, B21 closed: 0/0 (nobody to single out, shown as 0 of 0).
    expect(byCode).toEqual({ B11: [null, null, 'SMALL_CELL'], B12: [null, null, 'SMALL_CELL'], B21: [0, 0, null] });
    const csv = await (await w.get('PARTNER', '/export/kpis.csv?period=2026-03&level=BRANCH&kpis=APP_ADOPTION')).text();
    // Columns: unit_code, value, numerator, denominator, suppressed (as_of left out). B21 closed mid-March: listed, 0 of 0.
    expect(csv.trim().split('\n').map((l) => l.split(',')).map((c) => [c[0], c[6], c[7], c[8], c[10]].join(','))).toEqual([
      'unit_code,value,numerator,denominator,suppressed',
      'B11,,,,SMALL_CELL',
      'B12,,,,SMALL_CELL',
      'B21,,0,0,',
    ]);
  });

  it('read only their KPIs: `kpis` without ids lists those, an export of another is a 403', async () => {
    const r = await w.gql('PARTNER', '{ unit(code: "P1") { kpis(period: "2026-03") { kpi { id } value } } }');
    expect(r.data.unit.kpis).toEqual([
      { kpi: { id: 'APP_ADOPTION' }, value: (100 * 4) / 6 },
      { kpi: { id: 'VNEID_INSTALLS' }, value: 20 },
    ]);
    const response = await w.get('PARTNER', '/export/kpis.csv?period=2026-03&kpis=DIGITAL_ACCOUNTS');
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'FORBIDDEN', argument: 'kpis' });
  });

  it('are refused once revoked, or expired', async () => {
    const key = await partnerKeyFor(w.db, 'P1');
    const id = key.split('_')[1]!;
    expect((await post({ 'x-api-key': key }, '{ viewer { kind } }')).status).toBe(200);
    const revoked = await w.gql('CENTRAL_ADMIN', `mutation { revokePartnerKey(id: "${id}") { id revokedAt } }`);
    expect(revoked.data.revokePartnerKey.id).toBe(id);
    expect((await post({ 'x-api-key': key }, '{ viewer { kind } }')).body.errors[0]).toMatchObject({ message: 'the API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } });
    const old = await partnerKeyFor(w.db, 'P1');
    await w.db.execute(sql`UPDATE partner_keys SET created_at = now() - interval '2 days', expires_at = now() - interval '1 second' WHERE key_id = ${old.split('_')[1]!}`);
    expect((await post({ 'x-api-key': old }, '{ viewer { kind } }')).body.errors[0].message).toBe('the API key has expired');
    expect((await post({ 'x-api-key': `${key.slice(0, -4)}AAAA` }, '{ viewer { kind } }')).body.errors[0].message).toBe('the API key is not valid');
  });

  it('are made by a CENTRAL_ADMIN, shown once, stored as a hash', async () => {
    const made = await w.gql('CENTRAL_ADMIN', `mutation { createPartnerKey(input: { name: "Cổng dữ liệu mở Hà Nội", unit: "P2", kpis: [VNEID_INSTALLS], rateLimit: 60, expiresInDays: 30 }) {
      key partnerKey { id name unit { code } kpis rateLimit persistedOnly createdBy } } }`);
    const { key, partnerKey } = made.data.createPartnerKey;
    expect(partnerKey).toEqual({ id: key.split('_')[1], name: 'Cổng dữ liệu mở Hà Nội', unit: { code: 'P2' }, kpis: ['VNEID_INSTALLS'], rateLimit: 60, persistedOnly: false, createdBy: 'user:central_admin@TW' });
    const stored = await rows<Record<string, unknown>>(w.db, sql`SELECT * FROM partner_keys WHERE key_id = ${partnerKey.id}`);
    expect(JSON.stringify(stored)).not.toContain(key.split('_')[2]);
    const listed = await w.gql('CENTRAL_ADMIN', '{ partnerKeys { id } }');
    expect(JSON.stringify(listed)).not.toContain(key);
    const r = await post({ 'x-api-key': key }, '{ unit(code: "C4") { kpi(id: VNEID_INSTALLS, period: "2026-03") { value } } }');
    expect(r.body).toEqual({ data: { unit: { kpi: { value: 9 } } } });
    const bad = await w.gql('CENTRAL_ADMIN', 'mutation { createPartnerKey(input: { name: " ", unit: "P2" }) { key } }');
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.name' });
  });

  it('are held to their rate limit, with 429 and Retry-After', async () => {
    const key = await partnerKeyFor(w.db, 'P1', { rateLimit: 2 });
    const yoga = await testYoga(w.db);
    const call = () => yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: '{"query":"{ viewer { kind } }"}' });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push(await call());
    // Two a minute: the third waits for the next minute (unless the minute turned between the calls).
    const last = statuses[2]!;
    if (last.status === 429) {
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await last.json()).errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    } else {
      expect(statuses.map((s) => s.status)).toEqual([200, 200, 200]);
    }
    expect(statuses.slice(0, 2).map((s) => s.status)).toEqual([200, 200]);
  });

  it('made persisted-only send nothing but the persisted operations, by their hash', async () => {
    const key = await partnerKeyFor(w.db, 'P1', { persistedOnly: true });
    const arbitrary = await post({ 'x-api-key': key }, '{ viewer { kind } }');
    expect(arbitrary.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_ONLY');
    const [hash] = [...PERSISTED_OPERATIONS].find(([, d]) => d.includes('query UnitKpis'))!;
    const yoga = await testYoga(w.db);
    const response = await yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ variables: { unit: 'C1', period: '2026-03', kpis: ['APP_ADOPTION'] }, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
    });
    // February is withheld (C2, C1's sibling then, held one member), so there is no difference to show.
    expect((await response.json()).data.unit.kpis).toEqual([{ kpi: { id: 'APP_ADOPTION' }, value: (100 * 4) / 6, numerator: 4, denominator: 6, suppressed: null, asOf: expect.any(String), previous: { period: { id: '2026-02' }, difference: null } }]);
  });
});

describe('named lists of members', () => {
  const LIST = '{ unit(code: "C1") { members(first: 10) { nodes { id unit { code } joinedAt } } } }';

  it('are for the unit’s admins, and each read is in the audit log', async () => {
    const before = await w.auditCount();
    const r = await w.gql('UNIT_ADMIN', LIST);
    // Members of C1's branches now (m6 and m7 have left; m3 joined 1 April).
    expect(r.data.unit.members.nodes.map((m: any) => `${m.id}@${m.unit.code}`)).toEqual(['m1@B11', 'm2@B11', 'm3@B11', 'm4@B12', 'm5@B12', 'm9@B12']);
    const [row] = await rows<{ actor: string; action: string; entity_key: string; after: any }>(w.db, sql`SELECT actor, action, entity_key, after FROM audit_log ORDER BY id DESC LIMIT 1`);
    expect(row).toEqual({ actor: 'user:unit_admin@C1', action: 'readMembers', entity_key: 'C1', after: { members: ['m1', 'm2', 'm3', 'm4', 'm5', 'm9'], first: 10, after: null } });
    expect(await w.auditCount()).toBe(before + 1);
  });

  it.each(['LEADER', 'VIEWER', 'PARTNER', 'ANONYMOUS'] as const)('are refused to a %s, with nothing in the log', async (caller) => {
    const before = await w.auditCount();
    const r = await w.gql(caller, LIST);
    expect(r.data.unit.members).toBeNull();
    expect(codes(r)).toEqual([caller === 'ANONYMOUS' ? 'UNAUTHENTICATED' : 'FORBIDDEN']);
    expect(JSON.stringify(r)).not.toContain('m1');
    expect(await w.auditCount()).toBe(before);
  });

  it('are refused to the admin of another unit', async () => {
    const r = await post({ authorization: `Bearer ${await tokenFor('UNIT_ADMIN', 'C4')}` }, LIST);
    expect(codes(r.body)).toEqual(['FORBIDDEN']);
  });

  it('are never cached: every reply says private, no-store', async () => {
    const r = await post(w.headers.UNIT_ADMIN, LIST);
    expect(r.headers.get('cache-control')).toBe('private, no-store');
  });
});

describe('HTTP hardening', () => {
  const preflight = async (origins: string[], origin: string) => {
    const yoga = await testYoga(w.db, { corsOrigins: origins });
    return yoga.fetch('http://test/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
  };

  it('echoes no origin by default', async () => {
    expect((await preflight([], 'https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the configured origins only, without credentials', async () => {
    const allowed = await preflight(['https://dashboard.doanthanhnien.vn'], 'https://dashboard.doanthanhnien.vn');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.doanthanhnien.vn');
    expect(allowed.headers.get('access-control-allow-credentials')).not.toBe('true');
    const other = await preflight(['https://dashboard.doanthanhnien.vn'], 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });

  it('refuses a GET without the CSRF header, and answers one with it', async () => {
    const yoga = await testYoga(w.db);
    const url = `http://test/graphql?query=${encodeURIComponent('{ viewer { kind } }')}`;
    expect((await yoga.fetch(url)).status).toBe(403);
    expect(await (await yoga.fetch(url, { headers: { 'x-graphql-yoga-csrf': '1' } })).json()).toEqual({ data: { viewer: { kind: 'ANONYMOUS' } } });
  });

  it('turns introspection off in production', async () => {
    const query = '{ __schema { queryType { name } } }';
    expect((await post(w.headers.CENTRAL_ADMIN, query)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const prod = await post(w.headers.CENTRAL_ADMIN, query, { production: true });
    expect(prod.body.data).toBeUndefined();
    expect(prod.body.errors[0].message).toMatch(/introspection/i);
  });

  it('stops a request at its time budget, with TIME_BUDGET_EXCEEDED', async () => {
    const r = await post(w.headers.CENTRAL_ADMIN, '{ unit(code: "TW") { breakdown(kpi: APP_ADOPTION, period: "2026-03-15", level: BRANCH) { nodes { value } } } }', { requestBudgetMs: 1 });
    expect(r.body.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'TIME_BUDGET_EXCEEDED', budgetMs: 1 }) })]);
  });

  it('signs its own tokens with a key of its own: a key pair made for the test never verifies another’s', async () => {
    const other = await devIssuer();
    const forged = await new SignJWT({ role: 'CENTRAL_ADMIN', unit: 'TW' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(other.issuer).setAudience(other.audience).setExpirationTime('1h').sign(new TextEncoder().encode('secret'));
    expect((await post({ authorization: `Bearer ${forged}` }, '{ viewer { kind } }')).status).toBe(401);
  });
});

describe('what a caller could try', () => {
  it('repeated units and KPIs in compare, kpis and changes count once', async () => {
    const units = Array.from({ length: 500 }, () => 'C1');
    const kpis = Array.from({ length: 400 }, () => 'APP_ADOPTION');
    const cmp = await w.gql('ANONYMOUS', `query ($u: [String!]!, $k: [KpiId!]) { compare(units: $u, kpis: $k, period: "2026-03") { kpis { id } rows { unit { code } values { numerator } } } }`, { u: units, k: kpis } as never);
    expect(cmp.data.compare).toEqual({ kpis: [{ id: 'APP_ADOPTION' }], rows: [{ unit: { code: 'C1' }, values: [{ numerator: 4 }] }] });
    const feed = await w.gql('ANONYMOUS', `query ($k: [KpiId!]) { changes(period: "2026-03", level: COMMUNE, kpis: $k, first: 1) { values { unit { code } } } }`, { k: Array.from({ length: 100_000 }, () => 'APP_ADOPTION') } as never);
    expect(feed.data.changes.values).toHaveLength(1);
    const text = await (await w.get('ANONYMOUS', `/export/kpis.csv?period=2026-03&kpis=${Array.from({ length: 600 }, () => 'APP_ADOPTION').join(',')}`)).text();
    // One row a commune: C1, C2, C3, C4.
    expect(text.trim().split('\n')).toHaveLength(5);
  });

  it('a NUL in a code is a BAD_USER_INPUT, in GraphQL and in the export, and never shows SQL', async () => {
    const r = await w.gql('ANONYMOUS', '{ unit(code: "\\u0000") { name } }');
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    const response = await w.get('ANONYMOUS', '/export/kpis.ndjson?period=2026-03&under=%00');
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'under', requestId: expect.any(String) });
    expect(JSON.stringify(body)).not.toMatch(/select|from "units"/i);
  });

  it('a mutation runs to its end whatever the time budget: it never answers "out of time" and commits', async () => {
    const r = await post(w.headers.UNIT_ADMIN, 'mutation { recordReport(input: { unit: "C1", kind: DIGITAL_ACCOUNTS, date: "2026-05-09", count: 7, id: "budget-1" }) { __typename } }', { requestBudgetMs: 1 });
    expect(r.body).toEqual({ data: { recordReport: { __typename: 'RecordReportSuccess' } } });
    expect(await rows(w.db, sql`SELECT count FROM activity_reports WHERE external_id = 'budget-1'`)).toEqual([{ count: 7 }]);
  });

  it('importRecords is audited under the caller', async () => {
    const line = JSON.stringify({ type: 'report', id: 'imp-actor-1', unit: 'C1', kind: 'DIGITAL_ACCOUNTS', date: '2026-05-10', count: 1 });
    const r = await w.gql('CENTRAL_ADMIN', `mutation { importRecords(ndjson: ${JSON.stringify(line)}) { status } }`);
    expect(r.data.importRecords.status).toBe('IMPORTED');
    const [row] = await rows<{ actor: string }>(w.db, sql`SELECT actor FROM audit_log WHERE action = 'import' ORDER BY id DESC LIMIT 1`);
    expect(row).toEqual({ actor: 'user:central_admin@TW' });
  });

  it('a member or team of another unit is told as not found, as an id nobody holds', async () => {
    const ask = (member: string) =>
      w.gql('UNIT_ADMIN', `mutation { recordAppActivation(input: { member: "${member}", at: "2026-05-01T00:00:00+07:00" }) { __typename ... on NotFoundError { field reason } } }`);
    const elsewhere = (await ask('q1')).data.recordAppActivation;
    const nobody = (await ask('no-such-member')).data.recordAppActivation;
    expect(elsewhere).toEqual({ __typename: 'NotFoundError', field: 'member', reason: 'no member has id "q1" in the units this caller may write' });
    expect(nobody).toEqual({ __typename: 'NotFoundError', field: 'member', reason: 'no member has id "no-such-member" in the units this caller may write' });
    const team = await w.gql('UNIT_ADMIN', 'mutation { setRosterEntry(input: { team: "t2", person: "p9", from: "2026-01-01T00:00:00+07:00" }) { __typename ... on NotFoundError { field } } }');
    // t2 is C2's team: C2 is C1's sibling, outside UNIT_ADMIN@C1's units.
    expect(team.data.setRosterEntry).toEqual({ __typename: 'NotFoundError', field: 'team' });
  });

  it('an empty key or Authorization header is refused, not taken as anonymous', async () => {
    for (const headers of [{ 'x-api-key': '' }, { 'x-api-key': '   ' }, { authorization: '' }] as Record<string, string>[]) {
      const r = await post(headers, '{ viewer { kind } }');
      expect([r.status, r.body.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it('a UNIT_ADMIN renames its own unit, whose parent it may not write', async () => {
    const r = await w.gql('UNIT_ADMIN', 'mutation { updateUnit(input: { code: "C1", name: "Xã An Bình Mới" }) { __typename ... on UpdateUnitSuccess { unit { name } } } }');
    expect(r.data.updateUnit).toEqual({ __typename: 'UpdateUnitSuccess', unit: { name: 'Xã An Bình Mới' } });
    await w.gql('CENTRAL_ADMIN', 'mutation { updateUnit(input: { code: "C1", name: "Xã An Bình" }) { __typename } }');
  });

  it('a withheld value tells nothing of when its few people last changed (asOf is null)', async () => {
    const r = await w.gql('PARTNER', '{ unit(code: "B11") { kpi(id: APP_ADOPTION, period: "2026-03") { suppressed asOf } } }');
    expect(r.data.unit.kpi).toEqual({ suppressed: 'SMALL_CELL', asOf: null });
  });
});
