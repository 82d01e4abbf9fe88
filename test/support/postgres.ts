/**
 * Test harness helper: gives tests a real PostgreSQL 15 server.
 *
 * - `TEST_DATABASE_URL` set → that URL is used as-is; `stop()` is a no-op.
 * - Otherwise a throw-away cluster is created with the PostgreSQL 15 binaries
 *   (`/usr/lib/postgresql/15/bin`, override with `PG_BIN`) in a fresh temp dir,
 *   on a free port on 127.0.0.1, and started as a child process of this one.
 *   When running as root, initdb/postgres run as the `postgres` OS user.
 *
 * Only node: built-ins are used. Missing binaries always throw (in CI and
 * locally alike): callers decide whether to skip.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface PgServer {
  url: string;
  stop(): Promise<void>;
  /**
   * Stops the server without removing its data ('fast': it ends the sessions and shuts
   * down cleanly; 'immediate': it quits at once, as after a crash, and recovers on resume),
   * for fault tests. Not available with TEST_DATABASE_URL.
   */
  halt?(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts a halted server again, on the same port with the same data. */
  resume?(): Promise<void>;
}

const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const STDERR_TAIL_BYTES = 8_192;
const START_ATTEMPTS = 3; // retries with a new port if the chosen one got taken

/** Environment variables that would silently redirect libpq clients. */
const LIBPQ_ENV = [
  'PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGUSER', 'PGDATABASE', 'PGPASSWORD', 'PGPASSFILE',
  'PGSERVICE', 'PGSERVICEFILE', 'PGOPTIONS', 'PGSSLMODE', 'PGDATA', 'PGTZ', 'PGCLIENTENCODING',
];

function binDir(): string {
  const dir = process.env.PG_BIN;
  return dir !== undefined && dir !== '' ? dir : DEFAULT_PG_BIN;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of LIBPQ_ENV) delete env[k];
  return { ...env, ...extra };
}

function tail(text: string, max = STDERR_TAIL_BYTES): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a command to completion, capturing output. Rejects only if it cannot be spawned. */
function run(cmd: string, args: readonly string[], opts: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function describeFailure(what: string, r: RunResult): string {
  const status = r.signal !== null ? `signal ${r.signal}` : `exit code ${String(r.code)}`;
  const out = tail(`${r.stderr}${r.stdout}`.trim());
  return `${what} failed (${status})${out !== '' ? `:\n${out}` : ''}`;
}

interface RunAs {
  uid: number;
  gid: number;
}

async function lookupId(flag: '-u' | '-g', user: string): Promise<number | undefined> {
  try {
    const r = await run('id', [flag, user]);
    if (r.code !== 0) return undefined;
    const n = Number.parseInt(r.stdout.trim(), 10);
    return Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** When root, resolve the `postgres` OS user to run the server as (never created here). */
async function resolveRunAs(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = await lookupId('-u', 'postgres');
  const gid = await lookupId('-g', 'postgres');
  if (uid === undefined || gid === undefined) {
    throw new Error(
      'Running as root, but PostgreSQL refuses to run as root and no "postgres" OS user exists ' +
        '(`id -u postgres` failed). Create that user (e.g. by installing postgresql-15), run the ' +
        'tests as a non-root user, or set TEST_DATABASE_URL.',
    );
  }
  if (uid === 0) throw new Error('The "postgres" OS user has uid 0; PostgreSQL cannot run as root.');
  return { uid, gid };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close((err) => (err ? reject(err) : port > 0 ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

function tcpReachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1_000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Kill leftover servers when this process exits (e.g. a test forgot stop()).
// One shared listener, so many servers do not trigger MaxListeners warnings.

interface Live {
  child: ChildProcess;
  dir: string;
}
const live = new Set<Live>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const l of live) {
      try {
        l.child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      try {
        fs.rmSync(l.dir, { recursive: true, force: true });
      } catch {
        /* best effort: the server may still be releasing files */
      }
    }
    live.clear();
  });
}

// ---------------------------------------------------------------------------

interface Started {
  child: ChildProcess;
  stderr: () => string;
}

function startServer(
  bin: string,
  dir: string,
  dataDir: string,
  port: number,
  spawnOpts: SpawnOptions,
  settings: string[] = [],
): Started {
  const child = spawn(
    path.join(bin, 'postgres'),
    [
      '-D', dataDir,
      '-p', String(port),
      '-k', dir,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off',
      '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off',
      '-c', 'max_connections=100',
      '-c', 'shared_buffers=128MB',
      ...settings.flatMap((setting) => ['-c', setting]),
    ],
    { ...spawnOpts, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let buf = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    if (buf.length > 4 * STDERR_TAIL_BYTES) buf = buf.slice(-STDERR_TAIL_BYTES);
  });
  // Do not keep the event loop (test worker) alive just because a server runs.
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  return { child, stderr: () => tail(buf) };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

async function killServer(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  child.ref(); // keep the loop alive while we wait for it
  child.kill('SIGINT'); // "fast shutdown"
  if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
    child.kill('SIGKILL');
    await waitForExit(child, 5_000);
  }
}

/** Resolves when the server accepts connections; rejects (with stderr tail) otherwise. */
async function waitReady(bin: string, port: number, s: Started): Promise<void> {
  const isready = path.join(bin, 'pg_isready');
  const haveIsReady = fs.existsSync(isready);
  let spawnError: Error | undefined;
  s.child.once('error', (e) => { spawnError = e; });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`Could not spawn postgres: ${spawnError.message}`);
    if (exited(s.child)) {
      throw new Error(
        `postgres exited during startup (code ${String(s.child.exitCode)}, signal ${String(s.child.signalCode)}):\n${s.stderr()}`,
      );
    }
    if (haveIsReady) {
      const r = await run(isready, ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '2'], {
        env: cleanEnv(),
      });
      if (r.code === 0) return; // 1 = starting up / rejecting, 2 = no response
    } else if ((await tcpReachable(port)) && /ready to accept connections/.test(s.stderr())) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`postgres did not become ready within ${READY_TIMEOUT_MS / 1000}s on port ${port}:\n${s.stderr()}`);
}

/** `settings`: more server settings (`name=value`), for a benchmark. */
export async function startPostgres(settings: string[] = []): Promise<PgServer> {
  const external = process.env.TEST_DATABASE_URL;
  if (external !== undefined && external !== '') {
    return { url: external, stop: async () => {} };
  }

  const bin = binDir();
  const initdb = path.join(bin, 'initdb');
  if (!fs.existsSync(initdb) || !fs.existsSync(path.join(bin, 'postgres'))) {
    // Same error in CI (process.env.CI === 'true') and locally: never silently skip.
    throw new Error(
      `PostgreSQL 15 binaries not found in ${bin} (need initdb and postgres); ` +
        'install postgresql-15 or set TEST_DATABASE_URL (or PG_BIN to the bin directory)' +
        (process.env.CI === 'true' ? ' [CI]' : ''),
    );
  }

  const runAs = await resolveRunAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pgtest-'));
  const dataDir = path.join(dir, 'data');
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });

  try {
    fs.chmodSync(dir, 0o755);
    if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);

    const spawnOpts: SpawnOptions = {
      cwd: dir, // must be accessible to the postgres user
      env: cleanEnv(runAs ? { HOME: dir, USER: 'postgres', LOGNAME: 'postgres' } : {}),
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    };

    // initdb (creates dataDir with mode 0700, owned by the running user).
    const initArgs = (locale: string): string[] =>
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', `--locale=${locale}`, '--no-sync'];
    let r = await run(initdb, initArgs('C.UTF-8'), spawnOpts);
    if (r.code !== 0) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      const r2 = await run(initdb, initArgs('C'), spawnOpts);
      if (r2.code !== 0) {
        throw new Error(
          `${describeFailure('initdb --locale=C.UTF-8', r)}\n${describeFailure('initdb --locale=C', r2)}`,
        );
      }
      r = r2;
    }
    if (runAs) {
      const st = fs.statSync(dataDir);
      if (st.uid !== runAs.uid) fs.chownSync(dataDir, runAs.uid, runAs.gid);
    }
    fs.chmodSync(dataDir, 0o700);

    // Start; retry with a fresh port if another process grabbed ours meanwhile.
    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const port = await freePort();
      const s = startServer(bin, dir, dataDir, port, spawnOpts, settings);
      const entry: Live = { child: s.child, dir };
      installExitHook();
      live.add(entry);
      try {
        await waitReady(bin, port, s);
      } catch (err) {
        live.delete(entry);
        await killServer(s.child);
        lastError = err;
        if (/could not bind|already in use|could not create any TCP\/IP sockets/i.test(s.stderr())) continue;
        throw err;
      }

      let stopped: Promise<void> | undefined;
      let current = s;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        halt: async (mode) => {
          if (exited(current.child)) return;
          current.child.ref();
          // SIGINT: fast shutdown; SIGQUIT: immediate shutdown (crash recovery on the next start).
          current.child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
          if (!(await waitForExit(current.child, STOP_TIMEOUT_MS))) current.child.kill('SIGKILL');
          await waitForExit(current.child, 5_000);
        },
        resume: async () => {
          if (!exited(current.child)) return;
          live.delete(entry);
          current = startServer(bin, dir, dataDir, port, spawnOpts, settings);
          entry.child = current.child;
          live.add(entry);
          await waitReady(bin, port, current);
        },
        stop: () => {
          stopped ??= (async () => {
            try {
              await killServer(current.child);
            } finally {
              live.delete(entry);
              await fs.promises.rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
            }
          })();
          return stopped;
        },
      };
    }
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  } catch (err) {
    cleanup();
    throw err;
  }
}

