// A local stand-in for Neon's WebSocket proxy: each WebSocket on
// ws://127.0.0.1:<port>/v1?address=host:port is piped to a TCP socket at that address, so
// the Neon serverless driver can talk to a plain Postgres.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';

export interface WsProxy {
  port: number;
  /** `host:port` of the proxy, as NEON_WS_PROXY takes it. */
  address: string;
  /** WebSockets accepted so far. */
  connections: number;
  close(): Promise<void>;
}

export async function startWsProxy(): Promise<WsProxy> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  const open = new Set<{ ws: WebSocket; tcp: Socket }>();
  const proxy: WsProxy = {
    port: 0,
    address: '',
    connections: 0,
    close: async () => {
      for (const { ws, tcp } of open) {
        ws.terminate();
        tcp.destroy();
      }
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };

  server.on('connection', (ws, request) => {
    proxy.connections += 1;
    const target = new URL(request.url ?? '/', 'ws://proxy').searchParams.get('address') ?? '';
    const match = /^(.+):(\d+)$/.exec(target);
    if (!match) {
      ws.close(1008, `expected ?address=host:port, got "${target}"`);
      return;
    }
    const tcp = connect({ host: match[1]!, port: Number(match[2]) });
    tcp.setNoDelay(true);
    const stream = createWebSocketStream(ws);
    const pair = { ws, tcp };
    open.add(pair);
    const end = (): void => {
      open.delete(pair);
      stream.destroy();
      tcp.destroy();
    };
    stream.on('error', end).on('close', end);
    tcp.on('error', end).on('close', end);
    stream.pipe(tcp).pipe(stream);
  });

  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  proxy.port = port;
  proxy.address = `127.0.0.1:${port}`;
  return proxy;
}
