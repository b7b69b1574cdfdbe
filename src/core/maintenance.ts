import type { Scheduler } from './scheduler.js';

/** Why a maintenance run runs. */
export interface MaintenanceRun {
  /**
   * The clock was moved: whoever moved it sees everything that fell due done when the run ends, so
   * work another node is doing is waited for and run here too (see JobOptions.waitForOthers).
   */
  afterClockMove: boolean;
}

export type MaintenanceTask = (run: MaintenanceRun) => Promise<unknown>;

const ON_SCHEDULE: MaintenanceRun = { afterClockMove: false };

/**
 * Background work that runs on a fixed interval (deletion at the end of a waiting period,
 * automatic rotation) and on demand after the clock moves. Runs never overlap in one process;
 * across the processes of a shared store, each task claims its job (core/leases.ts).
 */
export class Maintenance {
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly tasks: MaintenanceTask[],
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs every `intervalMs` of service time: on timers, or with each advance of a manual clock. */
  start(scheduler: Scheduler, intervalMs: number): void {
    scheduler.every(intervalMs, () => (this.stopped ? undefined : this.runOnce()));
  }

  /** Runs every task once; a call made while a run is in progress waits for a fresh run. */
  async runOnce(run: MaintenanceRun = ON_SCHEDULE): Promise<void> {
    while (this.running) await this.running;
    this.running = (async () => {
      for (const task of this.tasks) {
        try {
          await task(run);
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
