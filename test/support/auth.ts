// Callers for tests: a dev issuer in memory signs users' tokens, and the server under test
// trusts it. Most tests ask as a CENTRAL_ADMIN, who reads and writes everything.
import type { Db } from '../../db/client.js';
import type { Role } from '../../schema/access/access.js';
import { devIssuer, type DevIssuer } from '../../schema/access/tokens.js';
import { defaultConfig, type ApiConfig } from '../../schema/config.js';
import { makeYoga } from '../../schema/yoga.js';

let issuer: Promise<DevIssuer> | undefined;
export const testIssuer = (): Promise<DevIssuer> => (issuer ??= devIssuer());

/** A bearer token of the test issuer. */
export async function tokenFor(role: Role, unit: string, subject = `${role.toLowerCase()}@${unit}`): Promise<string> {
  return (await testIssuer()).sign({ subject, role, unit });
}

type Overrides = Parameters<typeof defaultConfig>[1];

/** The server under test, trusting the test issuer. */
export async function testYoga(db: Db, overrides: Overrides = {}) {
  return makeYoga(db, await testConfig(overrides));
}

export async function testConfig(overrides: Overrides = {}): Promise<ApiConfig> {
  return defaultConfig(await testIssuer(), { graphiql: false, ...overrides });
}

/** Headers of a request as a central admin (the default caller of most tests). */
export async function adminHeaders(subject = 'admin@TW'): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor('CENTRAL_ADMIN', 'TW', subject)}` };
}
