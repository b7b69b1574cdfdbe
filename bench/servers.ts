import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild, type RunningChild } from './child.js';
import { BARE_SERVER, FLOOR_SERVER, KEYWARDEN_BIN, ROOT } from './paths.js';

// The servers under load, each in a process of its own: none shares an event loop with the load
// generator, and the ceiling runs exactly as Keywarden does (one process, one loop).

export interface KeywardenChild extends RunningChild {
  dataDir: string;
}

export interface KeywardenStart {
  /** Options of `keywarden serve`, such as `--audit off`. */
  args?: string[];
  /** Options of Node itself, such as `--cpu-prof`. */
  nodeArgs?: string[];
  /** Another build's bin/keywarden, to compare two builds under the same load (default: BENCH_KEYWARDEN_BIN, then this one's). */
  bin?: string;
  /** Environment variables besides the bench's own, such as the KEYWARDEN_ROOT_KEY that nodes on one database share. */
  env?: NodeJS.ProcessEnv;
  /** A program Node runs under, with its options (valgrind, say): the pid is then the wrapper's, which must exec Node in place. */
  wrapper?: string[];
  /** How long it may take to listen (default 20 s). */
  startTimeoutMs?: number;
}

/** How `bin`'s first line starts Node: the environment it sets and the options it gives. */
export interface BinLaunch {
  env: Record<string, string>;
  nodeFlags: string[];
}

/**
 * What `bin`'s first line (`#!/usr/bin/env -S NAME=value node --flag ...`) sets: the bench runs the
 * script with `node`, to add its own options, and the service must run as its users run it.
 */
export function binLaunch(bin: string): BinLaunch {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S((?: +[A-Z_][A-Z0-9_]*=\S*)*) +node((?: +--[\w-]+(?:=\S+)?)*) *$/.exec(first);
  if (!m) return { env: {}, nodeFlags: [] };
  const words = (text: string) => text.split(' ').filter(Boolean);
  const env = Object.fromEntries(words(m[1]!).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, nodeFlags: words(m[2]!) };
}

/** `keywarden serve` on a free loopback port with a fresh data directory (removed by stop()). */
export async function startKeywarden(start: KeywardenStart = {}): Promise<KeywardenChild> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keywarden-bench-'));
  try {
    // An empty KEYWARDEN_ROOT_KEY (unless `env` gives one) makes the server generate its own root key
    // in the fresh directory, and an empty KEYWARDEN_STORE keeps it on SQLite unless `args` say
    // --store, whatever the developer's shell exports.
    const bin = start.bin ?? process.env.BENCH_KEYWARDEN_BIN ?? KEYWARDEN_BIN;
    const launch = binLaunch(bin);
    const args = [...launch.nodeFlags, ...(start.nodeArgs ?? []), bin, 'serve', '--port', '0', '--data-dir', dataDir, ...(start.args ?? [])];
    // Its log (a JSON line per request on standard error) goes to a file, as a service's does.
    const [command, ...wrapperArgs] = start.wrapper ?? [];
    const child = await startChild('keywarden', command === undefined ? args : [...wrapperArgs, process.execPath, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...launch.env, KEYWARDEN_ROOT_KEY: '', KEYWARDEN_STORE: '', ...start.env },
      stderrFile: `${dataDir}.log`,
      command,
      startTimeoutMs: start.startTimeoutMs,
    });
    return {
      ...child,
      dataDir,
      async stop(graceMs?: number) {
        try {
          await child.stop(graceMs);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
          rmSync(`${dataDir}.log`, { force: true });
        }
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}.log`, { force: true });
    throw err;
  }
}

/**
 * The bare node:http server: answers every POST with fixed JSON, `bytes[operation]` long for that
 * X-Amz-Target operation, `fallback` bytes for any other.
 */
export function startBareServer(fallback: number, bytes: Record<string, number> = {}): Promise<RunningChild> {
  const sizes = Object.entries(bytes).map(([op, n]) => `${op}=${n}`);
  return startChild('bare server', [BARE_SERVER, String(fallback), ...sizes], { cwd: ROOT });
}

/** The floor (floor-server.ts): SigV4, JSON, base64 and AES-256-GCM for Encrypt, Decrypt and GenerateDataKey, and nothing else. */
export function startFloorServer(): Promise<RunningChild> {
  return startChild('floor server', [FLOOR_SERVER], { cwd: ROOT });
}

/**
 * moto's server, when `moto_server` is on the PATH and BENCH_MOTO is not `off`: the emulator most
 * projects use instead, measured beside Keywarden with the same client. Undefined when absent.
 */
export async function startMoto(env: NodeJS.ProcessEnv = process.env): Promise<(RunningChild & { version: string }) | undefined> {
  if (env.BENCH_MOTO === 'off') return undefined;
  let version: string;
  try {
    version = execFileSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
    execFileSync('moto_server', ['--help'], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    return undefined;
  }
  const port = await freePort();
  const child = await startChild('moto', ['-H', '127.0.0.1', '-p', String(port)], {
    cwd: ROOT,
    command: 'moto_server',
    ready: /Running on (http:\/\/127\.0\.0\.1:\d+)/,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1' },
  });
  return { ...child, version };
}

/** A loopback port nothing listens on right now (moto takes no port 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
