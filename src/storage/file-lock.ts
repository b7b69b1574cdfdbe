import Database from 'better-sqlite3';
import { createPrivateFile } from './private-file.js';

/** A lock the kernel holds for this process until it is released or the process ends, however it ends. */
export interface FileLock {
  release(): void;
}

/**
 * Takes `file` (created, owner only) for this process alone, or returns undefined at once when
 * another process holds it: a SQLite database in exclusive locking mode, written once, so the
 * kernel's POSIX lock on it lasts until the connection closes, and the kernel drops it when the
 * process dies. Whoever can take it knows that its last holder is gone, with no guess about a pid.
 * The data directory's lock (data-dir-lock.ts) and each node's audit log are taken this way.
 */
export function tryLockFile(file: string): FileLock | undefined {
  createPrivateFile(file);
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // No journal file comes and goes beside the lock: its content does not matter.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS held (id INTEGER PRIMARY KEY)');
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return undefined;
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}
