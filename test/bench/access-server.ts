// The server of the access bench, in a worker thread of its own (so that the clients that
// time it, and those that load it, do not share its event loop): the dev server's makeYoga
// on node:http, trusting the dev issuer whose key file the bench gives.
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { openDb } from '../../db/client.js';
import { devIssuer } from '../../schema/access/tokens.js';
import { configFromEnv } from '../../schema/config.js';
import { makeYoga } from '../../schema/yoga.js';

const { url, keyFile } = workerData as { url: string; keyFile: string };
const handle = await openDb({ url });
const config = { ...configFromEnv(await devIssuer(keyFile), {}), logger: pino({ level: 'silent' }) };
const server = createServer(makeYoga(handle.db, config));
server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as { port: number }).port));
