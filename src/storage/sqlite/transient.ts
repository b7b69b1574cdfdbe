// Failures that say a resource ran short for a while (file descriptors, memory, disk space, a
// lock held by another connection), not that the data is wrong: the same work succeeds once the
// resource is back, so it is tried again instead of being given up for good.

const SYSTEM_CODES = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'ENOSPC', 'EBUSY', 'EINTR', 'EIO']);
// SQLite's extended codes carry the primary one as a prefix (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT).
const SQLITE_CODES = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|NOMEM)(_|$)/;

export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (SYSTEM_CODES.has(code) || SQLITE_CODES.test(code));
}

/** Waits between attempts: doubling from `first` up to `max`. */
export function backoff(attempt: number, first = 50, max = 2_000): number {
  return Math.min(max, first * 2 ** Math.min(attempt, 16));
}
