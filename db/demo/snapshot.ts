// The demo database as a file: the embedded database (PGlite) migrated and filled with the
// demo data, dumped as a gzipped tarball of its data folder. Built once (by `npm install`,
// or by the first `npm start` that had to seed), it makes every later empty start a load of
// a few seconds instead of a seed. Its name carries a digest of the code that made it (the
// db/ folder: tables, migrations, the generator, the import; and domain/: the catalogue the
// roll-ups are made of), so that a change to any of them makes another.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb, type Db } from '../client.js';
import { seedDemo } from './seed.js';

const dbFolder = fileURLToPath(new URL('..', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
/** The folders whose code makes the snapshot. */
const FOLDERS = [dbFolder, join(root, 'domain')];

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let key: string | undefined;

/** A digest of every file of db/ and domain/ (read once a process): the snapshot of another digest is stale. */
export function snapshotKey(): string {
  if (key === undefined) {
    const hash = createHash('sha256');
    for (const file of FOLDERS.flatMap((f) => [...files(f)])) hash.update(file.slice(root.length)).update('\0').update(readFileSync(file)).update('\0');
    key = hash.digest('hex').slice(0, 16);
  }
  return key;
}

/** The snapshot's file: .data/demo-<digest>.tar.gz at the project root. */
export function snapshotFile(): string {
  return fileURLToPath(new URL(`../../.data/demo-${snapshotKey()}.tar.gz`, import.meta.url));
}

/** The snapshot, when one of the current code exists. */
export function readSnapshot(): Blob | null {
  const file = snapshotFile();
  return existsSync(file) ? new Blob([readFileSync(file)]) : null;
}

/**
 * Unpacks the snapshot into a new data folder with the system's `tar` (into a folder beside
 * it, renamed when whole): PGlite then opens it as any folder, without holding the tarball
 * in its memory. False when there is no snapshot or no `tar`.
 */
export function unpackSnapshot(dataDir: string): boolean {
  const file = snapshotFile();
  if (!existsSync(file)) return false;
  const partial = `${dataDir}.partial`;
  try {
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    execFileSync('tar', ['-xzf', file, '-C', partial], { stdio: 'ignore' });
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(partial, dataDir);
    return true;
  } catch {
    rmSync(partial, { recursive: true, force: true });
    return false;
  }
}

/** Writes a snapshot of an embedded database (written whole, then renamed: never half a file). */
export async function writeSnapshot(db: Db): Promise<{ file: string; bytes: number }> {
  const client = (db as unknown as { $client: { dumpDataDir(compression: 'gzip'): Promise<Blob> } }).$client;
  const blob = await client.dumpDataDir('gzip');
  const file = snapshotFile();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.part`, Buffer.from(await blob.arrayBuffer()));
  renameSync(`${file}.part`, file);
  // Snapshots of earlier code are stale: they go.
  for (const name of readdirSync(dirname(file))) {
    if (/^demo-[0-9a-f]{16}\.tar\.gz$/.test(name) && join(dirname(file), name) !== file) rmSync(join(dirname(file), name), { force: true });
  }
  return { file, bytes: blob.size };
}

/** Builds the snapshot in memory: migrate, seed the demo data, dump. */
export async function buildSnapshot(): Promise<{ file: string; bytes: number }> {
  const handle = await openDb({ driver: 'pglite' });
  try {
    await handle.migrate();
    await seedDemo(handle.db);
    return await writeSnapshot(handle.db);
  } finally {
    await handle.close();
  }
}
