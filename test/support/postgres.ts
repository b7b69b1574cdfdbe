import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

// A throwaway PostgreSQL server for the tests: initdb in a temporary directory, the server on a
// free loopback port (its unix socket in the same directory, so it touches no system path), a
// fresh database for each store under test, everything removed when the test process ends.
// PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user Debian's
// package makes, or as `nobody`.

const SUPERUSER = 'keywarden';

export interface ThrowawayPostgres {
  /** The server's own database, as its superuser. */
  readonly url: string;
  readonly port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /**
   * Creates an empty schema and returns a URL whose connections use it (search_path): much
   * quicker than a database, for the many small stores of the contract suites.
   */
  createSchema(): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Where initdb, pg_ctl and postgres are: on PATH, or in Debian's /usr/lib/postgresql/<version>/bin (newest first). */
export function postgresBinDir(): string {
  const onPath = (process.env.PATH ?? '').split(delimiter).find((dir) => dir !== '' && executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl')));
  if (onPath) return onPath;
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(debian, v, 'bin')).find((d) => executable(join(d, 'initdb')));
  if (dir) return dir;
  throw new Error('PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): run scripts/ensure-test-tools.sh, which installs Debian\u2019s postgresql package');
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Who runs the server: the test's own user, or, as root, an unprivileged one. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // Not on this machine: the next one.
    }
  }
  throw new Error('running as root, and neither the postgres nor the nobody user exists to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface PostgresOptions {
  /**
   * Keep PostgreSQL's own durability settings (fsync, synchronous_commit, full_page_writes on) and
   * its default shared_buffers, as a deployment would: for the bench, whose figures compare with
   * SQLite's synchronous=FULL. Tests leave them off, since their data does not outlive them.
   */
  durable?: boolean;
}

/** A server this process started, with the postmaster's pid (for reading its processes' CPU). */
export interface StartedPostgres extends ThrowawayPostgres {
  readonly pid: number;
}

/** Starts a new server; bounded: a port taken between choosing and binding is tried again, a few times. */
export async function startPostgres(opts: PostgresOptions = {}): Promise<StartedPostgres> {
  const bin = postgresBinDir();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-pg-'));
  const data = join(dir, 'data');
  const as = user ? { uid: user.uid, gid: user.gid } : {};
  const run = (program: string, args: string[], timeoutMs: number) => {
    const r = spawnSync(join(bin, program), args, { ...as, cwd: dir, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(`${program} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr || r.stdout}`);
  };
  try {
    if (user) chownSync(dir, user.uid, user.gid);
    // No fsync anywhere: a test server's data does not outlive its tests.
    run('initdb', ['-D', data, '-U', SUPERUSER, '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], 60_000);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = [
        `-p ${port}`,
        `-k ${dir}`,
        "-c listen_addresses='127.0.0.1'",
        ...(opts.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c shared_buffers=16MB']),
        '-c max_connections=200',
      ].join(' ');
      try {
        run('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', settings], 40_000);
        break;
      } catch (err) {
        if (attempt >= 5) throw new Error(`${(err as Error).message}\n${serverLog(dir)}`);
      }
    }
    const stopNow = () => stopServer(bin, data, dir, as);
    process.once('exit', stopNow);
    // pg_ctl leaves the server running on its own: a test process ended by a signal (the runner's
    // time limit, Ctrl-C) stops it too, rather than leaving it behind.
    const onSignal = (signal: NodeJS.Signals) => {
      stopNow();
      process.kill(process.pid, signal);
    };
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, onSignal);
    const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
    // postmaster.pid's first line is the postmaster's pid.
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return {
      ...creating(url),
      pid,
      async stop() {
        process.off('exit', stopNow);
        for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(signal, onSignal);
        stopNow();
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function serverLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'server.log'), 'utf8');
  } catch {
    return '';
  }
}

/**
 * Synchronous, so that it can run as the test process exits: pg_ctl's immediate stop waits until
 * the server is gone, within a bound.
 */
function stopServer(bin: string, data: string, dir: string, as: { uid?: number; gid?: number }): void {
  if (existsSync(join(data, 'postmaster.pid'))) {
    spawnSync(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '20'], { ...as, cwd: dir, stdio: 'ignore', timeout: 25_000 });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Databases and schemas on the server whose superuser's URL is `admin`, named after this process. */
function creating(admin: string): Omit<ThrowawayPostgres, 'stop'> {
  const base = new URL(admin);
  const prefix = `kw_${process.pid}_${Date.now().toString(36)}`;
  let made = 0;
  const run = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const urlOf = (database: string) => {
    const url = new URL(base);
    url.pathname = `/${database}`;
    return url.toString();
  };
  let schemas: Promise<string> | undefined;
  return {
    url: admin,
    port: Number(base.port),
    async createDatabase() {
      const name = `${prefix}_${++made}`;
      await run(admin, `CREATE DATABASE ${name}`);
      return urlOf(name);
    },
    async createSchema() {
      const database = await (schemas ??= (async () => {
        const name = `${prefix}_schemas`;
        await run(admin, `CREATE DATABASE ${name}`);
        return urlOf(name);
      })());
      const name = `s${++made}`;
      await run(database, `CREATE SCHEMA ${name}`);
      const url = new URL(database);
      url.searchParams.set('options', `-c search_path=${name}`);
      return url.toString();
    },
  };
}

let shared: Promise<ThrowawayPostgres> | undefined;

/**
 * The server this test process uses: the one KEYWARDEN_TEST_POSTGRES_URL names (its superuser's
 * URL, for a runner that starts one for many files), or one started on first use and stopped
 * when the process exits.
 */
export function sharedPostgres(): Promise<ThrowawayPostgres> {
  return (shared ??= (async () => {
    const given = process.env.KEYWARDEN_TEST_POSTGRES_URL;
    if (!given) return startPostgres();
    return {
      ...creating(given),
      async stop() {},
    };
  })());
}

/** A fresh empty database on this process's server. */
export async function freshDatabase(): Promise<string> {
  return (await sharedPostgres()).createDatabase();
}

/** A fresh empty schema on this process's server, as a URL whose connections use it. */
export async function freshSchema(): Promise<string> {
  return (await sharedPostgres()).createSchema();
}
