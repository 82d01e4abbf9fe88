import { fileURLToPath } from 'node:url';

/** Where the embedded database keeps its files by default: .data/pglite at the project root. */
export function defaultDataDir(): string {
  return fileURLToPath(new URL('../.data/pglite', import.meta.url));
}

/** The key pair of the local dev issuer of users' tokens (npm start, npm run token): .data/dev-issuer.json, or DEV_ISSUER_KEY_FILE. */
export function devIssuerKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEV_ISSUER_KEY_FILE || fileURLToPath(new URL('../.data/dev-issuer.json', import.meta.url));
}
