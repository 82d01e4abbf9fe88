// npm run token -- --role ROLE --unit CODE [--subject NAME] [--expires 12h]
// Prints a bearer token of the local dev issuer (the one `npm start` trusts; its key pair is
// kept in .data/dev-issuer.json). Exit code 2 on a usage error.
import { parseArgs } from 'node:util';
import { devIssuerKeyFile } from '../db/local.js';
import { ROLES, type Role } from '../schema/access/access.js';
import { devIssuer } from '../schema/access/tokens.js';

const USAGE = `usage: npm run token -- --role ${ROLES.join('|')} --unit CODE [--subject NAME] [--expires 12h]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      role: { type: 'string' },
      unit: { type: 'string' },
      subject: { type: 'string' },
      expires: { type: 'string', default: '12h' },
    },
  }));
} catch (error) {
  fail((error as Error).message);
}
const role = values.role?.toUpperCase();
if (!role || !ROLES.includes(role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`);
if (!values.unit?.trim()) fail('--unit is required: the code of the home unit, e.g. TW, HN, LS-0001');
if (!/^\d+\s*[smhd]$/.test(values.expires)) fail(`--expires must be a duration such as 30m, 12h or 7d (got "${values.expires}")`);

const unit = values.unit.trim();
const issuer = await devIssuer(devIssuerKeyFile());
console.log(await issuer.sign({ subject: values.subject ?? `${role.toLowerCase()}@${unit}`, role: role as Role, unit }, values.expires));
