// Errors a client can act on: each names the argument and the reason.
import { GraphQLError } from 'graphql';
import { causes, pgError } from '../db/client.js';

export function badInput(argument: string, reason: string): GraphQLError {
  return new GraphQLError(`Invalid argument "${argument}": ${reason}`, {
    extensions: { code: 'BAD_USER_INPUT', argument, reason },
  });
}

export function notFound(argument: string, reason: string): GraphQLError {
  return new GraphQLError(`Not found "${argument}": ${reason}`, {
    extensions: { code: 'NOT_FOUND', argument, reason },
  });
}

/** Page size of a connection: `first` must be 0–max. */
export function pageSize(first: number | null | undefined, max = 500, argument = 'first'): void {
  if (first != null && (first < 0 || first > max)) {
    throw badInput(argument, `must be between 0 and ${max} (got ${first})`);
  }
}

/** The largest offset a cursor may name: no connection here is longer. */
const MAX_CURSOR_OFFSET = 10_000_000;

/** The offset in a cursor this API gave (`OffsetConnection:<n>`, base64), or a typed error naming the argument. */
function cursorOffset(cursor: string, argument: string): number {
  const text = /^[A-Za-z0-9+/]+={0,2}$/.test(cursor) ? Buffer.from(cursor, 'base64').toString('utf8') : '';
  const match = /^OffsetConnection:(0|[1-9]\d{0,7})$/.exec(text);
  const offset = match ? Number(match[1]) : NaN;
  if (!(offset <= MAX_CURSOR_OFFSET)) throw badInput(argument, 'is not a cursor of this connection: pass a `cursor` or `endCursor` it returned');
  return offset;
}

interface ConnectionArgs {
  first?: number | null | undefined;
  last?: number | null | undefined;
  after?: string | null | undefined;
  before?: string | null | undefined;
}

/** Checks a connection's arguments before any SQL: page sizes within 0–max, cursors that this API made. */
export function connectionArgs(args: ConnectionArgs, max = 500): void {
  pageSize(args.first, max, 'first');
  pageSize(args.last, max, 'last');
  if (args.last != null && args.before == null) {
    throw badInput('last', 'pages backwards from a cursor: pass `before` (a `startCursor` this connection returned) with it, or use `first`');
  }
  if (args.first != null && args.last != null) throw badInput('last', 'give `first` or `last`, not both');
  if (args.after != null) cursorOffset(args.after, 'after');
  if (args.before != null) cursorOffset(args.before, 'before');
}

/** What the log tells of an unexpected error: its name, its code (a SQLSTATE, else the driver's), and its message without SQL. */
export function errorSummary(error: unknown): { name: string; code: string | undefined; message: string } {
  const code = pgError(error)?.code ?? [...causes(error)].map((e) => e.code).find((c): c is string => typeof c === 'string');
  return { name: error instanceof Error ? error.name : typeof error, code, message: safeMessage(error) };
}

/** A database or driver message without the statement and its parameters. */
export function safeMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause : error;
  const message = inner instanceof Error ? inner.message : String(inner);
  return message.replace(/(Failed query|params):[\s\S]*$/i, '$1: …').slice(0, 300);
}
