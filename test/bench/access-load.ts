// The clients that keep sending refused documents during the access bench, in a worker
// thread of their own: ten at a time, until told to stop; they report how many they sent.
import { parentPort, workerData } from 'node:worker_threads';

const { url, headers, documents, clients } = workerData as { url: string; headers: Record<string, string>; documents: string[]; clients: number };
let stop = false;
parentPort!.on('message', () => (stop = true));
const sent = await Promise.all(
  Array.from({ length: clients }, async (_, c) => {
    let n = 0;
    while (!stop) {
      const query = documents[(n + c) % documents.length]!;
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
      await response.arrayBuffer();
      n += 1;
    }
    return n;
  }),
);
parentPort!.postMessage(sent.reduce((a, b) => a + b, 0));
