import { fileURLToPath } from 'node:url';

/** Where the embedded database keeps its files by default: .data/pglite at the project root. */
export function defaultDataDir(): string {
  return fileURLToPath(new URL('../.data/pglite', import.meta.url));
}
