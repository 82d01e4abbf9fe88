// Starts a worker thread's module: a TypeScript one (the source run by tsx) under tsx's
// loader, which worker threads do not inherit.
import { workerData } from 'node:worker_threads';

if (workerData.entry.endsWith('.ts')) (await import('tsx/esm/api')).register();
await import(workerData.entry);
