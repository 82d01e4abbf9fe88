// npm run partner-key -- create --name NAME --unit CODE [--kpis A,B] [--expires-in-days 365] [--rate-limit 120] [--persisted-only]
// npm run partner-key -- revoke KEY_ID
// npm run partner-key -- list
// Makes, revokes and lists API keys of partner systems in DATABASE_URL (else the embedded
// database in .data/, while the dev server is stopped). A new key is printed once.
import { parseArgs } from 'node:util';
import { desc, eq } from 'drizzle-orm';
import { openDb, optionsFromEnv } from '../db/client.js';
import { defaultDataDir } from '../db/local.js';
import { partnerKeys, units } from '../db/schema.js';
import { KPI_IDS, type KpiId } from '../domain/catalogue.js';
import { createPartnerKey, revokePartnerKey } from '../schema/access/partner-keys.js';

const USAGE = `usage: npm run partner-key -- create --name NAME --unit CODE [--kpis ${KPI_IDS[0]},…] [--expires-in-days 365] [--rate-limit 120] [--persisted-only]
       npm run partner-key -- revoke KEY_ID
       npm run partner-key -- list`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      unit: { type: 'string' },
      kpis: { type: 'string' },
      'expires-in-days': { type: 'string', default: '365' },
      'rate-limit': { type: 'string', default: '120' },
      'persisted-only': { type: 'boolean', default: false },
    },
  });
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = parsed;
const [command, ...rest] = positionals;
const whole = (name: string, text: string, min: number, max: number) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be a whole number from ${min} to ${max} (got "${text}")`);
  return n;
};

if (command !== 'create' && command !== 'revoke' && command !== 'list') fail('give a command: create, revoke or list');
const kpis = values.kpis ? values.kpis.split(',').map((k) => k.trim()) : [...KPI_IDS];
if (command === 'create') {
  if (!values.name?.trim()) fail('--name is required: who the key is for');
  if (!values.unit?.trim()) fail('--unit is required: the code of the unit whose subtree the key reads');
  const unknown = kpis.filter((k) => !KPI_IDS.includes(k as KpiId));
  if (unknown.length > 0) fail(`--kpis: unknown KPI ${unknown.join(', ')}`);
}
if (command === 'revoke' && rest.length !== 1) fail('revoke takes the key id');
const expiresInDays = whole('expires-in-days', values['expires-in-days'], 1, 730);
const rateLimit = whole('rate-limit', values['rate-limit'], 1, 10_000);

const options = optionsFromEnv();
const handle = await openDb({ ...options, dataDir: options.url ? undefined : (options.dataDir ?? defaultDataDir()) });
try {
  await handle.migrate();
  const db = handle.db;
  if (command === 'create') {
    const [unit] = await db.select().from(units).where(eq(units.code, values.unit!.trim()));
    if (!unit) fail(`--unit: no unit has code "${values.unit}"`);
    const { key, row } = await createPartnerKey(db, {
      name: values.name!.trim(),
      unit,
      kpis: kpis as KpiId[],
      expiresAt: new Date(Date.now() + expiresInDays * 86_400_000),
      rateLimit,
      persistedOnly: values['persisted-only'],
      createdBy: 'cli',
    });
    console.error(`Key ${row.keyId} for "${row.name}": reads ${unit.code} and below, ${row.kpis.length} KPI${row.kpis.length === 1 ? '' : 's'}, ${row.rateLimit} requests/min, until ${row.expiresAt.toISOString()}.`);
    console.error('It is shown this once (only its hash is kept); send it as the x-api-key header:');
    console.log(key);
  } else if (command === 'revoke') {
    const revoked = await revokePartnerKey(db, rest[0]!);
    if (!revoked) fail(`no partner key has id "${rest[0]}"`);
    console.log(`Key ${revoked.keyId} ("${revoked.name}") revoked at ${revoked.revokedAt!.toISOString()}.`);
  } else {
    const found = await db.select({ key: partnerKeys, unit: units.code }).from(partnerKeys).innerJoin(units, eq(units.id, partnerKeys.unitId)).orderBy(desc(partnerKeys.id));
    console.table(
      found.map(({ key: k, unit }) => ({
        id: k.keyId,
        name: k.name,
        unit,
        kpis: k.kpis.length === KPI_IDS.length ? 'all' : k.kpis.join(','),
        'per min': k.rateLimit,
        expires: k.expiresAt.toISOString().slice(0, 10),
        status: k.revokedAt ? 'revoked' : k.expiresAt <= new Date() ? 'expired' : 'active',
      })),
    );
  }
} finally {
  await handle.close();
}
