import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

/** A server running in its own process, found by the URL it announces on stdout. */
export interface RunningChild {
  pid: number;
  url: string;
  /** The last part of what the child printed, for error messages. */
  output(): string;
  /** SIGTERM by pid, then SIGKILL if it has not exited within `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const LISTENING = /listening on (http:\/\/\S+)/;
const LOG_LIMIT = 64 * 1024;

export interface ChildOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /** The program; Node (this one) by default. */
  command?: string;
  /** What the child prints, on either stream, once it listens; group 1 is the URL. */
  ready?: RegExp;
  /**
   * Standard error goes to this file instead of a pipe: a server's line per request is then
   * written as a service's log is in production, not into a pipe that this process (busy
   * generating the load) drains late, which makes the server buffer and copy its lines over again.
   */
  stderrFile?: string;
}

/**
 * Starts `node <args>` (or `command <args>`) and waits until it prints `listening on http://...`
 * (or `ready`). The URL must be a loopback address: the benchmark never sends load anywhere else.
 */
export async function startChild(name: string, args: string[], opts: ChildOptions): Promise<RunningChild> {
  const errFd = opts.stderrFile === undefined ? undefined : openSync(opts.stderrFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(opts.command ?? process.execPath, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', errFd ?? 'pipe'] });
  } finally {
    // The child has its own copy of the descriptor.
    if (errFd !== undefined) closeSync(errFd);
  }
  const ready = opts.ready ?? LISTENING;
  // The server logs a line per request, many thousand a second, into this process (the load
  // generator): kept as chunks and trimmed only now and then, so that keeping them costs next to nothing.
  let chunks: Buffer[] = [];
  let kept = 0;
  const log = () => {
    const all = Buffer.concat(chunks).toString() + (opts.stderrFile === undefined ? '' : tail(opts.stderrFile, LOG_LIMIT));
    return all.length > LOG_LIMIT ? all.slice(-LOG_LIMIT) : all;
  };
  // Reading both pipes also keeps them drained, so a chatty child can never block on a full pipe.
  const append = (chunk: Buffer) => {
    chunks.push(chunk);
    kept += chunk.length;
    if (kept > 4 * LOG_LIMIT) {
      const tail = Buffer.concat(chunks).subarray(-LOG_LIMIT);
      chunks = [tail];
      kept = tail.length;
    }
  };
  child.stdout!.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (graceMs = 5_000) => {
    if (hasExited(child)) return;
    signal(child, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    if ((await Promise.race([exited, late])) === 'late' && !hasExited(child)) {
      signal(child, 'SIGKILL');
      await exited;
    }
    clearTimeout(timer);
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${opts.startTimeoutMs ?? 20_000} ms:\n${log()}`)), opts.startTimeoutMs ?? 20_000);
      const check = () => {
        const m = ready.exec(log());
        if (m) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.stderr?.off('data', check);
          resolve(m[1]!);
        }
      };
      child.stdout!.on('data', check);
      child.stderr?.on('data', check);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${sig ?? code}) before listening:\n${log()}`));
      });
    });
    assertLoopback(name, url);
    return { pid: child.pid!, url, output: log, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The last `bytes` of a file, or nothing if it cannot be read. */
function tail(path: string, bytes: number): string {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(size, bytes));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString();
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Signals exactly this child by its pid; never a process group or a name. */
function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(child.pid, sig);
  } catch {
    // Already gone between the check and the signal.
  }
}

function assertLoopback(name: string, url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`${name} listens on ${url}, which is not loopback; refusing to benchmark it`);
  }
}
