// A response cache for repeated reads between writes (leadership opening the same screen,
// a dashboard refreshed): an answer is kept under the operation, its variables, who asks
// (the caller's identity: its scope and its small-cell rule come with it), the Vietnam day
// (what depends on "today") and the data's version. Every statement that changes the data
// adds to that version in its own transaction (migration 0011), so a committed write is seen
// by the very next request, and a cached answer never outlives the data it was made from.
// Answers with errors, and lists of personal data (whose reads are audited), are never kept.
import { createInMemoryCache, useResponseCache } from '@envelop/response-cache';
import { sql } from 'drizzle-orm';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { rows, type Db } from '../db/client.js';
import type { Context } from './context.js';
import { sha256 } from './format.js';
import { vietnamDay } from '../domain/period.js';

/** Types whose presence in an answer keeps it out of the cache: personal data, read under audit. */
const NEVER_CACHED = ['MemberRecord', 'EvaluationRecord', 'RosterEntryRecord'];

/** The data's version: the sum of its copies (one statement). */
async function readVersion(db: Db): Promise<string> {
  const [row] = await rows<{ version: string | number }>(db, sql`SELECT sum(version) AS version FROM data_version`);
  return String(row?.version ?? 0);
}

/**
 * Reads of the version, shared: requests that arrive while a read is in flight join the
 * next one, which starts when that read ends. Every request still gets a version read after
 * it arrived (a write committed before it is seen), and under load the database answers one
 * read per round trip instead of one per request.
 */
export function sharedReads<T>(readOnce: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  let queued: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const read: Promise<T> = readOnce().finally(() => {
      if (inFlight === read) inFlight = null;
    });
    inFlight = read;
    return read;
  };
  const settled = () => undefined;
  return () => {
    if (!inFlight) return start();
    queued ??= inFlight.then(settled, settled).then(() => {
      queued = null;
      return start();
    });
    return queued;
  };
}

const versions = new WeakMap<Db, () => Promise<string>>();

function dataVersion(ctx: Pick<Context, 'db'>): Promise<string> {
  let read = versions.get(ctx.db);
  if (!read) versions.set(ctx.db, (read = sharedReads(() => readVersion(ctx.db))));
  return read();
}

/** Requests whose operation is a query: only those are looked up and kept (a write is never answered from the cache). */
const queries = new WeakSet<object>();

/** Marks query operations, before the cache looks at them. */
const markQueries: Plugin = {
  onExecute({ args }) {
    if (getOperationAST(args.document, args.operationName)?.operation === 'query') queries.add(args.contextValue as object);
  },
};

export function responseCache(options: { max: number }): Plugin[] {
  return [markQueries, cache(options)];
}

function cache(options: { max: number }): Plugin {
  return useResponseCache<Context>({
    enabled: (context) => queries.has(context),
    // Who asks is in the key (buildResponseCacheKey), with what decides its answers.
    session: () => null,
    cache: createInMemoryCache({ max: options.max }),
    // The version makes answers exact; the time to live only bounds what an idle cache holds.
    ttl: 10 * 60_000,
    invalidateViaMutation: false,
    ignoredTypes: NEVER_CACHED,
    includeExtensionMetadata: false,
    buildResponseCacheKey: async ({ documentString, variableValues, operationName, context }) => {
      const ctx = context as unknown as Context;
      return sha256(
        JSON.stringify([documentString, variableValues ?? {}, operationName ?? null, ctx.access.actor, ctx.access.cacheScope, vietnamDay(ctx.now), await dataVersion(ctx)]),
      );
    },
  }) as Plugin;
}
