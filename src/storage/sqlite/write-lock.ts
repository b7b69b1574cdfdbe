import type { Db } from './database.js';

// Every write on the database file takes SQLite's one write lock, which another connection may
// hold for a while: the audit indexer thread for each pass it applies, another node of a shared
// store for its own writes. SQLite waits in its busy handler, which sleeps in steps (1, 2, 5, 10 ms
// ... up to 100 ms) and gives up once the steps add up to busy_timeout. It adds up the steps it
// asked for, not the time that passed, and a signal ends a sleep early: under `node --cpu-prof`
// the profiler's SIGPROF arrives every 0.1-1 ms, so the 5 s allowed were over in 10-70 ms, and
// CreateKey failed with SQLITE_BUSY while the indexer committed a pass. Here the allowance is
// measured on the clock: a write SQLite gave up on is tried again until it has really passed.

/** How long a write waits for another connection's write lock before it fails with SQLITE_BUSY. */
export const WRITE_LOCK_WAIT_MS = 5_000;

/** Between two attempts: a failure that SQLite returns without waiting must not spin the thread. */
const PAUSE_MS = 1;
const pauseCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Runs `write` (one statement outside a transaction) on `db`, waiting for the write lock as long
 * as WRITE_LOCK_WAIT_MS. A statement refused the lock wrote nothing, so it is simply run again.
 */
export function withWriteLock<T>(db: Db, write: () => T): T {
  if (db.inTransaction) return write();
  return waitingForLock(db, write, () => true);
}

/**
 * `fn` as a write transaction on `db`. Begun with BEGIN IMMEDIATE, which takes the write lock
 * before anything is read, so a transaction never has to turn a read into a write (SQLite refuses
 * that at once, without waiting, when another connection wrote in between); the lock is waited
 * for as in withWriteLock. Called inside another transaction, it is a savepoint in that one.
 */
export function writeTransaction<F extends (...args: any[]) => any>(db: Db, fn: F): (...args: Parameters<F>) => ReturnType<F> {
  // Only a transaction that never began is tried again: `fn` may call back into its caller.
  let begun = false;
  const tx = db.transaction((...args: Parameters<F>): ReturnType<F> => {
    begun = true;
    return fn(...args);
  });
  return (...args) => {
    if (db.inTransaction) return tx(...args);
    return waitingForLock(
      db,
      () => {
        begun = false;
        return tx.immediate(...args);
      },
      () => !begun,
    );
  };
}

function waitingForLock<T>(db: Db, attempt: () => T, retryable: () => boolean): T {
  const deadline = performance.now() + WRITE_LOCK_WAIT_MS;
  for (;;) {
    try {
      return attempt();
    } catch (err) {
      if (!isBusy(err) || !retryable() || db.inTransaction || performance.now() >= deadline) throw err;
      Atomics.wait(pauseCell, 0, 0, PAUSE_MS);
    }
  }
}

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_TIMEOUT). */
const isBusy = (err: unknown) => /^SQLITE_BUSY(_|$)/.test(String((err as { code?: unknown } | null)?.code ?? ''));
