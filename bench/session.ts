import type { RunningChild } from './child.js';
import type { LoadClient } from './load.js';

/**
 * What one bench program holds while it runs: the servers it started, the load clients, and the
 * signal that stops a load early. `run` runs the program's main once: a failure prints the
 * servers' last output, and whatever ends it (a failure, Ctrl-C, a kill) stops the servers and
 * closes the clients, so that nothing is left running.
 */
export class BenchSession {
  readonly children: RunningChild[] = [];
  readonly clients: LoadClient[] = [];
  readonly interrupted = new AbortController();

  async run(main: () => Promise<number>): Promise<void> {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        progress(`${sig}: stopping the load and the servers`);
        this.interrupted.abort();
        void this.cleanup().finally(() => process.exit(130));
      });
    }
    let code = 1;
    try {
      code = await main();
    } catch (err) {
      process.stderr.write(`bench FAILED: ${(err as Error)?.stack ?? err}\n`);
      for (const c of this.children) process.stderr.write(`--- last output of server pid ${c.pid} ---\n${c.output()}\n`);
    } finally {
      await this.cleanup();
    }
    process.exitCode = code;
  }

  /** Stops the servers (SIGTERM by pid) and closes the clients; safe to run twice. */
  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.close();
    await Promise.allSettled(this.children.splice(0).map((c) => c.stop()));
  }
}

export const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
