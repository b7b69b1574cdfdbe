import type { Scheduler } from './scheduler.js';

/**
 * Background work that runs on a fixed interval (deletion at the end of a waiting period,
 * automatic rotation) and on demand after the clock moves. Runs never overlap.
 */
export class Maintenance {
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly tasks: Array<() => Promise<unknown>>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs every `intervalMs` of service time: on timers, or with each advance of a manual clock. */
  start(scheduler: Scheduler, intervalMs: number): void {
    scheduler.every(intervalMs, () => (this.stopped ? undefined : this.runOnce()));
  }

  /** Runs every task once; a call made while a run is in progress waits for a fresh run. */
  async runOnce(): Promise<void> {
    while (this.running) await this.running;
    this.running = (async () => {
      for (const task of this.tasks) {
        try {
          await task();
        } catch (err) {
          this.onError(err);
        }
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    while (this.running) await this.running;
  }
}
