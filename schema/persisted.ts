// Persisted operations: documents the server knows by their SHA-256, sent as
// `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "…"}}}` instead of the
// text. A partner key made with `persistedOnly` may send nothing else (an allow-list). The
// documents are schema/operations/*.graphql (the dashboard's among them), compiled into
// schema/operations.ts by `npm run generate`.
import { sha256 } from './format.js';
import { OPERATIONS } from './operations.js';

/** Each persisted document by its hash. */
export const PERSISTED_OPERATIONS: ReadonlyMap<string, string> = new Map(Object.values(OPERATIONS).map((d) => [sha256(d), d]));
