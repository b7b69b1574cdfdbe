/**
 * Background work that runs on a fixed interval (deletion at the end of a waiting period,
 * automatic rotation) and on demand after the clock moves. Runs never overlap.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly tasks: Array<() => Promise<unknown>>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
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
    clearInterval(this.timer);
    while (this.running) await this.running;
  }
}
