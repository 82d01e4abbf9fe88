// A server of the national bench, in a process of its own (so that its memory can be read
// and the clients that time it do not share its event loop): `api` is the server of
// `npm start` (makeYoga on node:http, the response cache as RESPONSE_CACHE says); `naive`
// is what a team writes without batching (./naive.ts). It tells its port, and its RSS when
// asked.
import { createServer } from 'node:http';
import pino from 'pino';
import { openDb } from '../../../db/client.js';
import { devIssuer } from '../../../schema/access/tokens.js';
import { configFromEnv } from '../../../schema/config.js';
import { makeYoga } from '../../../schema/yoga.js';
import { naiveYoga } from './naive.js';

const kind = process.env.BENCH_SERVER;
const handle = await openDb({ url: process.env.DATABASE_URL! });
const issuer = await devIssuer(process.env.BENCH_KEY_FILE!);
const handler =
  kind === 'naive'
    ? naiveYoga(handle.db)
    : makeYoga(handle.db, { ...configFromEnv(issuer, process.env), logger: pino({ level: 'silent' }) });
const server = createServer(handler);
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as { port: number }).port }));
process.on('message', (m) => {
  if (m === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ rss: process.memoryUsage().rss });
  }
  if (m === 'stop') server.close(() => void handle.close().then(() => process.exit(0)));
});
