import { createHash } from 'node:crypto';

/** A text's SHA-256, in hex: persisted operations, partner keys' secrets, idempotent requests. */
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

