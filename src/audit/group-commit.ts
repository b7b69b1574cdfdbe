/**
 * Group commit: callers add items and wait; a write makes a whole batch durable. Everything added
 * in one turn of the event loop is one batch, written on the next turn: a lone item waits for no
 * timer. While `maxInFlight` writes are outstanding, new items gather into the next batch, so under
 * a burst each write carries every item that arrived meanwhile. With more than one write in
 * flight, the writer must complete them in the order it was called (the audit log's writer thread
 * merges whatever batches are waiting into one write and one fsync).
 */
export class GroupCommit<T> {
  /** Batches waiting to be written, oldest first; the last one may still be open for items. */
  private readonly queue: Batch<T>[] = [];
  private open: Batch<T> | undefined;
  private inFlight = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    opts: { maxBatch?: number; maxInFlight?: number } = {},
  ) {
    this.maxBatch = opts.maxBatch ?? 1000;
    this.maxInFlight = opts.maxInFlight ?? 1;
  }

  /** Resolves once the batch holding `item` is written; rejects with the write's error. */
  add(item: T): Promise<void> {
    let batch = this.open;
    if (batch === undefined || batch.items.length >= this.maxBatch) {
      batch = new Batch<T>();
      this.queue.push(batch);
      this.open = batch;
    }
    batch.items.push(item);
    if (!this.scheduled && this.inFlight < this.maxInFlight) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
    return batch.done;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      if (batch === this.open) this.open = undefined;
      this.inFlight++;
      let result: Promise<void>;
      try {
        result = this.write(batch.items);
      } catch (err) {
        result = Promise.reject(err);
      }
      result
        .then(
          () => batch.resolve(),
          (err: unknown) => batch.reject(err),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
    if (this.inFlight === 0 && this.queue.length === 0 && !this.scheduled) {
      for (const wake of this.idle.splice(0)) wake();
    }
  }

  /** Waits until everything added so far is written (or failed). */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}

class Batch<T> {
  readonly items: T[] = [];
  resolve!: () => void;
  reject!: (err: unknown) => void;
  readonly done = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor() {
    // A batch nobody awaits (every caller gave up) must not crash the process when it fails.
    this.done.catch(() => {});
  }
}
