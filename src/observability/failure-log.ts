import type { Logger } from './logger.js';

// Background work (maintenance tasks, the connect worker, the audit trail's threads) runs every few
// seconds whether or not anyone watches, so a failure that lasts would fill the log with the same
// stack trace. Each source's failure is logged when it starts or changes, and its recovery once;
// repeats are only counted (and show in /metrics).

interface Failing {
  message: string;
  since: number;
  repeats: number;
}

export class FailureLog {
  private readonly failing = new Map<string, Failing>();

  constructor(
    private readonly logger: Logger,
    /** Told of every failure, logged or not (a metric counts them). */
    private readonly onFailure: (source: string) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** `source` failed: logged unless it was failing already with the same message. */
  failed(source: string, err: unknown): void {
    this.onFailure(source);
    const message = messageOf(err);
    const known = this.failing.get(source);
    if (known?.message === message) {
      known.repeats++;
      return;
    }
    this.failing.set(source, { message, since: this.now(), repeats: 0 });
    this.logger.error({ source, err: err instanceof Error ? err : new Error(message) }, 'background task failed');
  }

  /** `source` did its work: logged once if it was failing. */
  succeeded(source: string): void {
    const known = this.failing.get(source);
    if (known === undefined) return;
    this.failing.delete(source);
    this.logger.info({ source, failures: known.repeats + 1, failingForMs: this.now() - known.since }, 'background task recovered');
  }

  /** The sources failing now. */
  sources(): string[] {
    return [...this.failing.keys()];
  }

  /** Runs `task` as `source`: its failure is logged here, and so is its recovery. */
  watch<A extends unknown[]>(source: string, task: (...args: A) => Promise<unknown>): (...args: A) => Promise<void> {
    return async (...args: A) => {
      try {
        await task(...args);
      } catch (err) {
        return this.failed(source, err);
      }
      this.succeeded(source);
    };
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
