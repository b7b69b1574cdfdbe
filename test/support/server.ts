import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { freshDatabase } from './postgres.js';
import type { RoundRobin } from './round-robin.js';
import { type SoftHsmTokens, softHsmTokens } from './softhsm.js';

/** The repository root, found from this compiled file (dist/test/support). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin', 'keywarden');

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  /** The PostgreSQL database the server keeps its data in (`--store`), if it does not use SQLite. */
  store?: string;
  /** The server process's id, for reading its memory from /proc (changes on restart). */
  readonly pid: number;
  /** Everything the server wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the output once it matches `pattern` (checked as output arrives); rejects after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Stops the server (SIGTERM) and waits for it to exit; returns its exit code. */
  stop(): Promise<number | null>;
  /** Kills the server on the spot (SIGKILL): no shutdown, nothing flushed. */
  crash(): Promise<void>;
  /** Stops and starts the server again on the same data directory and port. */
  restart(): Promise<void>;
  /** Stops the server and removes its data directory (and the SoftHSM2 tokens it was given, if it made them). */
  dispose(): Promise<void>;
  /** The SoftHSM2 tokens that serve as its HSMs, with --hsm-engine pkcs11. */
  softhsm?: SoftHsmTokens;
  /** The nodes behind the balancer, when the server is several (TEST_NODES). */
  nodes?: TestServer[];
}

export interface ServerOptions {
  args?: string[];
  allowClockControl?: boolean;
  dataDir?: string;
  /** Environment variables for the server besides the test's own (KEYWARDEN_ROOT_KEY is empty unless given). */
  env?: NodeJS.ProcessEnv;
  /** Starts the server with this limit on open files (ulimit -n): descriptors run out sooner. */
  fileLimit?: number;
  /** `serve --in-memory`: no data directory (dataDir is then ''). */
  inMemory?: boolean;
  /** The server's working directory (the repository root by default). */
  cwd?: string;
  /**
   * `sqlite`: the test reads what SQLite keeps in the data directory, so the server uses SQLite
   * whatever KEYWARDEN_TEST_STORE says.
   */
  store?: 'sqlite';
  /**
   * `serve --hsm-engine pkcs11` on SoftHSM2 tokens: these, or (`true`) tokens made for this
   * server and removed by `dispose`. By default, when KEYWARDEN_TEST_HSM_ENGINE=pkcs11 and the
   * arguments choose no engine, so that the black-box suites run a second time on tokens.
   */
  pkcs11?: SoftHsmTokens | true;
  /** Two nodes on the PostgreSQL store behind a balancer (TEST_NODES), whatever KEYWARDEN_TEST_NODES says; needs --store or KEYWARDEN_TEST_STORE=postgres. */
  nodes?: 1 | 2;
}

/**
 * KEYWARDEN_TEST_STORE=postgres (`npm run test:postgres`) starts every server that keeps its data
 * on disk with `--store` on a database of its own on the test process's throwaway PostgreSQL
 * (test/support/postgres.ts), so the black-box suites run against the PostgreSQL store unchanged.
 */
export const TEST_STORE = process.env.KEYWARDEN_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/** Tokens for a server under KEYWARDEN_TEST_HSM_ENGINE=pkcs11: a file's clusters take one per HSM that holds keys. */
const TOKENS_PER_SERVER = 24;

const pkcs11ByDefault = (args: string[]) => process.env.KEYWARDEN_TEST_HSM_ENGINE === 'pkcs11' && !args.includes('--hsm-engine');

/**
 * KEYWARDEN_TEST_NODES=2 with the PostgreSQL store (`npm run test:postgres`): each such server is
 * two nodes on its database, each with a data directory of its own and the same root key, behind
 * a balancer that sends each request to the other node in turn (round-robin.ts). The test sees
 * one server: its url is the balancer's, output and waits cover both nodes, and stop, crash and
 * restart act on both.
 */
export const TEST_NODES = process.env.KEYWARDEN_TEST_NODES === '2' ? 2 : 1;

/** Starts `keywarden serve` on a free loopback port with a fresh data directory. */
export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const onPostgres = TEST_STORE === 'postgres' && !opts.inMemory && opts.store !== 'sqlite' && !(opts.args ?? []).includes('--store');
  const given = opts.args?.indexOf('--store') ?? -1;
  const store = onPostgres ? await freshDatabase() : given >= 0 ? opts.args![given + 1] : undefined;
  const extra = [...(opts.args ?? []), ...(opts.allowClockControl ? ['--allow-clock-control'] : []), ...(onPostgres ? ['--store', store!] : [])];
  // The balancer speaks plain HTTP to the nodes: a server that serves TLS itself is one node.
  const tls = extra.some((a) => a.startsWith('--tls'));
  const twoNodes = store !== undefined && (opts.nodes ?? (onPostgres ? TEST_NODES : 1)) === 2 && !tls && !opts.pkcs11 && !pkcs11ByDefault(extra) && opts.fileLimit === undefined;
  if (!twoNodes) return startNode(opts, extra, store);
  const env = { KEYWARDEN_ROOT_KEY: randomBytes(32).toString('hex'), ...opts.env };
  const first = await startNode({ ...opts, env }, extra, store);
  let second: TestServer;
  try {
    second = await startNode({ ...opts, env, dataDir: undefined }, extra, store);
  } catch (err) {
    await first.dispose();
    throw err;
  }
  const nodes = [first, second];
  let balancer: RoundRobin;
  try {
    balancer = await balancerProcess(nodes.map((n) => n.port));
  } catch (err) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw err;
  }
  const all = async <T>(each: (n: TestServer) => Promise<T>): Promise<T[]> => Promise.all(nodes.map(each));
  return {
    nodes,
    url: balancer.url,
    port: balancer.port,
    get pid() {
      return first.pid;
    },
    dataDir: first.dataDir,
    ...(store ? { store } : {}),
    output: () => nodes.map((n) => n.output()).join(''),
    waitForOutput: (pattern, timeoutMs) =>
      Promise.any(nodes.map((n) => n.waitForOutput(pattern, timeoutMs))).catch((err: AggregateError) => {
        throw err.errors[0];
      }),
    stop: async () => (await all((n) => n.stop())).find((code) => code !== 0) ?? 0,
    crash: async () => {
      await all((n) => n.crash());
    },
    restart: async () => {
      await all((n) => n.restart());
    },
    dispose: async () => {
      await balancer.close();
      await all((n) => n.dispose());
    },
  };
}

function removeMadeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  madeDirs.delete(dir);
}

/** The balancer in a process of its own (round-robin.ts), which ends when its stdin closes. */
function balancerProcess(ports: number[]): Promise<RoundRobin> {
  const child = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'round-robin.js'), ...ports.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolveBalancer, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /^(\d+)\n/.exec(out);
      if (!m) return;
      const port = Number(m[1]);
      // Like the nodes, it must not keep the test's process alive (a test may stop the server
      // without disposing of it); it ends when its stdin closes, with that process at the latest.
      child.unref();
      for (const stream of [child.stdin, child.stdout] as Array<{ unref?: () => void } | null>) stream?.unref?.();
      resolveBalancer({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            // Waited for, it keeps the test's process alive until it is gone: with the nodes
            // already stopped, nothing else may (the process would end inside this wait).
            child.ref();
            child.once('exit', () => done());
            child.stdin!.end();
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`the balancer exited with ${code}`)));
  });
}

/**
 * Data directories made for servers and not yet removed by `dispose`. A test file that ends
 * without disposing of a server (a stop in a test, say, and no dispose after) leaves nothing in
 * the temporary directory either: what is left goes when the file's process exits, with a line
 * on standard error that names it, so that the test can be fixed.
 */
const madeDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of madeDirs) {
    // A test that removed it by hand left nothing behind.
    if (!existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`test support: a server's data directory ${dir} was not disposed of by ${process.argv[1] ?? 'this test file'}; removed at exit\n`);
  }
});

async function startNode(opts: ServerOptions, extra: string[], store: string | undefined): Promise<TestServer> {
  const made = !opts.inMemory && !opts.dataDir;
  const dataDir = opts.inMemory ? '' : (opts.dataDir ?? mkdtempSync(join(tmpdir(), 'keywarden-test-')));
  if (made) madeDirs.add(dataDir);
  const wantsTokens = opts.pkcs11 ?? (pkcs11ByDefault(extra) || undefined);
  const softhsm = wantsTokens === true ? softHsmTokens(TOKENS_PER_SERVER) : wantsTokens;
  if (softhsm) extra.push('--hsm-engine', 'pkcs11', '--pkcs11-module', softhsm.module, '--pkcs11-config', softhsm.configFile());
  let port = 0;
  let child: ChildProcess;
  let log = '';
  const onOutput = new Set<() => void>();
  const append = (c: Buffer) => {
    log += c.toString();
    for (const listener of onOutput) listener();
  };

  const launch = async () => {
    const argv = [BIN, 'serve', '--port', String(port), ...(opts.inMemory ? ['--in-memory'] : ['--data-dir', dataDir]), ...extra];
    // The shell lowers the limit and then becomes node (exec), so the pid is the server's.
    const [command, args] =
      opts.fileLimit === undefined
        ? [process.execPath, argv]
        : ['/bin/sh', ['-c', `ulimit -n ${opts.fileLimit} && exec "$0" "$@"`, process.execPath, ...argv]];
    child = spawn(command, args, {
      cwd: opts.cwd ?? ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KEYWARDEN_ROOT_KEY: '', ...softhsm?.env, ...opts.env },
    });
    const url = await new Promise<string>((resolveUrl, reject) => {
      // Generous: the server answers in well under a second, but a loaded machine can stall a start.
      // A server given up on is killed: left running, it would keep the test file's process alive
      // (its pipes are open handles) after the hook failed, and the suite would never end.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server did not start in 60 s:\n${log}`));
      }, 60_000);
      const onData = (chunk: Buffer) => {
        append(chunk);
        const m = /listening on (https?:\/\/\S+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolveUrl(m[1]!);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', append);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before listening:\n${log}`));
      });
    });
    port = Number(new URL(url).port);
    return url;
  };

  let url: string;
  try {
    url = await launch();
  } catch (err) {
    // A server that did not start leaves nothing behind either: its data directory goes too.
    if (made) removeMadeDir(dataDir);
    if (wantsTokens === true) softhsm?.dispose();
    throw err;
  }
  const stop = () =>
    new Promise<number | null>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
      child.once('exit', (code) => done(code));
      child.kill('SIGTERM');
    });

  return {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    get pid() {
      return child.pid!;
    },
    dataDir,
    ...(store ? { store } : {}),
    softhsm,
    output: () => log,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      new Promise<string>((resolveOutput, reject) => {
        const check = () => {
          if (!pattern.test(log)) return;
          done();
          resolveOutput(log);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`the server's output did not match ${pattern} within ${timeoutMs} ms:\n${log}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          onOutput.delete(check);
        };
        onOutput.add(check);
        check();
      }),
    stop,
    crash: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGKILL');
      }),
    async restart() {
      await stop();
      url = await launch();
    },
    async dispose() {
      await stop();
      if (made) removeMadeDir(dataDir);
      if (wantsTokens === true) softhsm?.dispose();
    },
  };
}

export interface FailedStart {
  /** The exit status, or null if it was still running after the time allowed (it is killed then). */
  status: number | null;
  stdout: string;
  stderr: string;
  /** How long it ran. */
  ms: number;
}

/** Runs `keywarden serve` with `args` where it is expected not to start: waits at most `timeoutMs` for it to exit. */
export function serveExpectingFailure(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 45_000): Promise<FailedStart> {
  const began = Date.now();
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KEYWARDEN_ROOT_KEY: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ status: code, stdout, stderr, ms: Date.now() - began });
    });
  });
}
