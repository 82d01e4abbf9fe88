// PostGraphile 4 over the schema `naive_api` (test/bench/postgraphile.ts), on node:http, in
// a worker thread of its own: it posts its port once its schema is built and it listens,
// and on 'close' stops listening, releases its pool and posts 'closed'.
import { createServer } from 'node:http';
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

// PostGraphile 4 needs graphql 15 while the project uses 16, so npm installs graphql 15 and
// graphile-build more than once (under postgraphile and under graphile-build-pg), and
// graphql-parse-resolve-info, hoisted, finds graphql 16: a schema built from one copy is
// refused by another ("Cannot use GraphQLInputObjectType … from another module or realm").
// In this thread every `graphql` and `graphile-build` is resolved to PostGraphile's own copy.
const fromPostgraphile = createRequire(createRequire(import.meta.url).resolve('postgraphile/package.json'));
const redirect: Record<string, string> = {
  graphql: dirname(fromPostgraphile.resolve('graphql/package.json')),
  'graphile-build': dirname(fromPostgraphile.resolve('graphile-build/package.json')),
};
const loader = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = loader._resolveFilename;
loader._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]) {
  const name = /^(graphql|graphile-build)(\/.*)?$/.exec(request);
  return resolveFilename.call(this, name ? `${redirect[name[1]!]}${name[2] ?? ''}` : request, ...rest);
};

const { postgraphile } = await import('postgraphile');
const { databaseUrl } = workerData as { databaseUrl: string };
const middleware = postgraphile(databaseUrl, 'naive_api', {
  disableDefaultMutations: true,
  graphqlRoute: '/graphql',
  retryOnInitFail: false,
  graphiql: false,
  disableQueryLog: true,
  watchPg: false,
});
const server = createServer(middleware);
parentPort!.on('message', (m) => {
  if (m !== 'close') return;
  server.closeAllConnections();
  server.close(() => {
    void Promise.resolve(middleware.release()).then(
      () => parentPort!.postMessage('closed'),
      () => parentPort!.postMessage('closed'),
    );
  });
});
// The schema is built from the database before the port is given: the first timed request does not pay for it.
await middleware.getGraphQLSchema();
server.listen(0, '127.0.0.1', () => parentPort!.postMessage((server.address() as { port: number }).port));
