import type { Clock } from './clock.js';

/**
 * Delayed work (a connection attempt, the next maintenance run), due at a time on the service
 * clock. With the real clock it waits on timers; with a manual clock it runs when the clock is
 * advanced past its time, so that tests move time instead of sleeping.
 */
export interface Scheduler {
  /** Runs `work` once the service clock shows `dueMs` or later. */
  at(dueMs: number, work: Work): void;
  /** Runs `work` each time `intervalMs` more of service time has passed; a run that fell due several times runs once. */
  every(intervalMs: number, work: Work): void;
  /**
   * The service clock jumped forward: runs, one after the other and in the order they fell due,
   * the pieces of work due now, and resolves once they have finished (so that whoever moved the
   * clock sees their effects).
   */
  clockMoved(): Promise<void>;
  /** Forgets everything still pending. */
  stop(): void;
}

/** A piece of delayed work; one that returns a promise has finished when the promise settles. It handles its own failures. */
export type Work = () => unknown;

interface Entry {
  dueMs: number;
  work: Work;
}

/** Real time: each piece of work waits on a timer that does not keep the process alive. */
export class TimerScheduler implements Scheduler {
  private readonly pending = new Map<NodeJS.Timeout, Entry>();
  private readonly intervals = new Set<NodeJS.Timeout>();

  constructor(private readonly clock: Clock) {}

  at(dueMs: number, work: Work): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      void work();
    }, Math.max(0, dueMs - this.clock.now()));
    timer.unref();
    this.pending.set(timer, { dueMs, work });
  }

  every(intervalMs: number, work: Work): void {
    const timer = setInterval(work, intervalMs);
    timer.unref();
    this.intervals.add(timer);
  }

  async clockMoved(): Promise<void> {
    const now = this.clock.now();
    const due = [...this.pending].filter(([, e]) => e.dueMs <= now).sort(([, a], [, b]) => a.dueMs - b.dueMs);
    for (const [timer] of due) {
      clearTimeout(timer);
      this.pending.delete(timer);
    }
    for (const [, entry] of due) await entry.work();
  }

  stop(): void {
    for (const timer of this.pending.keys()) clearTimeout(timer);
    for (const timer of this.intervals) clearInterval(timer);
    this.pending.clear();
    this.intervals.clear();
  }
}

/**
 * A clock that only moves when it is advanced: work due now runs at once (on the next turn of the
 * event loop, as a timer of no delay would), later work when an advance reaches it.
 */
export class ManualScheduler implements Scheduler {
  private queue: Array<Entry & { everyMs?: number }> = [];
  private stopped = false;

  constructor(private readonly clock: Clock) {}

  at(dueMs: number, work: Work): void {
    if (dueMs <= this.clock.now()) this.soon(work);
    else this.queue.push({ dueMs, work });
  }

  every(intervalMs: number, work: Work): void {
    this.queue.push({ dueMs: this.clock.now() + intervalMs, work, everyMs: intervalMs });
  }

  async clockMoved(): Promise<void> {
    const now = this.clock.now();
    const due = this.queue.filter((e) => e.dueMs <= now).sort((a, b) => a.dueMs - b.dueMs);
    this.queue = this.queue.filter((e) => e.dueMs > now);
    for (const entry of due) if (entry.everyMs !== undefined) this.queue.push({ ...entry, dueMs: now + entry.everyMs });
    for (const entry of due) if (!this.stopped) await entry.work();
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
  }

  private soon(work: Work): void {
    setImmediate(() => {
      if (!this.stopped) void work();
    });
  }
}
