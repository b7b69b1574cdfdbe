import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type Args, stringOption, UsageError } from './args.js';
import type { ReadyLine } from './ready.js';

// `keywarden serve --workers N`: N processes serve one port over one store. The first process
// (the primary) only supervises: it starts the workers, which are nodes of a shared store as
// docs/nodes.md describes (`--shared-store` for a data directory, any PostgreSQL store), hands
// them the connections (node:cluster), starts a worker again when one dies, and stops them all
// on SIGINT or SIGTERM.

/** The most workers one service runs: far more than the cores of any machine it runs on. */
export const MAX_WORKERS = 64;

/** What a worker tells the primary once it answers on the port. */
interface WorkerReady {
  event: 'ready';
  line: ReadyLine;
}

/** `--workers N|auto`: how many processes serve the port (default 1; auto is the number of cores). */
export function workersOption(args: Args): number {
  const v = stringOption(args, 'workers');
  if (v === undefined) return 1;
  if (v === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  if (!/^[1-9]\d{0,2}$/.test(v) || Number(v) > MAX_WORKERS) throw new UsageError(`--workers takes a number of processes from 1 to ${MAX_WORKERS}, or 'auto' (one per core), not '${v}'.`);
  if (Number(v) > 1 && args.options.get('in-memory') === true) {
    throw new UsageError('--workers shares one store among several processes, which --in-memory keeps in one: leave out one of them.');
  }
  return Number(v);
}

/** This process is a worker of `serve --workers`: it reports to the primary instead of printing. */
export const isWorker = (): boolean => cluster.isWorker;

/** Tells the primary that this worker answers, with what it would have printed as its ready line. */
export function reportReady(line: ReadyLine): void {
  process.send?.({ event: 'ready', line } satisfies WorkerReady);
}

export interface Supervision {
  /** The first worker's ready line, with the primary's pid and every worker's. */
  ready: ReadyLine;
  /** Stops every worker (SIGTERM, as a service alone would get) and resolves once all have ended, with whether all ended cleanly. */
  stop(): Promise<boolean>;
}

/**
 * Starts `count` workers of this same command, the first alone (it makes what a new data
 * directory needs: the root key, the schema) and the rest together, and resolves once all answer.
 * A worker that fails to start ends the service: it has printed why, and the others are stopped.
 * Afterwards a worker that dies is started again, after a second.
 */
export async function superviseWorkers(count: number, log: (line: string) => void): Promise<Supervision> {
  const workers = new Set<Worker>();
  let stopping = false;

  const start = (): Promise<{ worker: Worker; line: ReadyLine }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      workers.add(worker);
      let ready = false;
      worker.on('message', (m: WorkerReady) => {
        if (m?.event !== 'ready' || ready) return;
        ready = true;
        resolve({ worker, line: m.line });
      });
      worker.on('exit', (code, signal) => {
        workers.delete(worker);
        if (!ready) return reject(new WorkerFailed(code, signal));
        if (stopping) return;
        log(`keywarden: worker ${worker.process.pid} ended (${signal ?? `exit status ${code}`}); starting another in 1 s.`);
        setTimeout(restart, 1000);
      });
    });

  const restart = (): void => {
    if (stopping) return;
    start().then(
      ({ worker }) => log(`keywarden: worker ${worker.process.pid} answers.`),
      (err: Error) => {
        log(`keywarden: a new worker failed to start (${err.message}); trying again in 1 s.`);
        setTimeout(restart, 1000);
      },
    );
  };

  const stop = async (): Promise<boolean> => {
    stopping = true;
    const ends = [...workers].map(
      (w) =>
        new Promise<boolean>((resolve) => {
          if (w.isDead()) return resolve(w.process.exitCode === 0);
          w.once('exit', (code) => resolve(code === 0));
          w.process.kill('SIGTERM');
        }),
    );
    return (await Promise.all(ends)).every(Boolean);
  };

  try {
    const first = await start();
    const rest = await Promise.all(Array.from({ length: count - 1 }, start));
    const pids = [first, ...rest].map((r) => r.worker.process.pid!);
    return { ready: { ...first.line, pid: process.pid, workers: pids }, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A worker that ended before it answered: it has printed why on standard error. */
export class WorkerFailed extends Error {
  constructor(code: number | null, signal: string | null) {
    super(`a worker ended before it answered (${signal ?? `exit status ${code}`})`);
  }
}
