import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createPrivateFile } from './private-file.js';

// One service per data directory. A second one would apply and clear the first one's audit log
// (records the first has acknowledged would be gone), and write the database behind its back.
//
// The lock is a small SQLite database in the directory, opened in exclusive locking mode and
// written once: SQLite then holds a POSIX write lock on the file until the connection closes, and
// the kernel drops that lock when the process ends, however it ends (kill -9, out of memory, power
// off). A lock file created with O_EXCL holding a pid would outlive such a death, and deciding
// that it is stale means guessing: the pid may have been reused, by another Keywarden even, or
// belong to another pid namespace (a container sharing the volume), where /proc knows nothing of
// it. The kernel's lock needs no guess and is seen by every process that can open the file.
// `keywarden.pid` beside it only names the holder in the message; it decides nothing.

const LOCK_FILE = 'keywarden.lock';
const PID_FILE = 'keywarden.pid';

/** The data directory is held by another running service. */
export class DataDirInUse extends Error {}

export interface DataDirLock {
  /** Lets another service use the directory (at the end of a clean shutdown). */
  release(): void;
}

/** Takes the data directory (creating it, owner only) or throws DataDirInUse naming the holder. */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCK_FILE);
  // Created before SQLite opens it, so that it is the owner's only whatever the umask. An existing
  // file is not opened here: closing any descriptor of a file drops every POSIX lock this process
  // holds on it, a lock this process may already hold included.
  createPrivateFile(file);
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // No journal file comes and goes beside the lock: its content does not matter.
    db.pragma('journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL)');
    db.prepare('INSERT OR REPLACE INTO holder (id, pid) VALUES (1, ?)').run(process.pid);
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') throw new DataDirInUse(inUseMessage(dir));
    throw err;
  }
  const pidFile = join(dir, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(pidFile, { force: true });
      db.close();
    },
  };
}

function inUseMessage(dir: string): string {
  const pid = holderPid(dir);
  const who = pid === undefined ? 'another Keywarden process' : `another Keywarden (pid ${pid})`;
  return `the data directory ${resolve(dir)} is in use by ${who}; stop it first, or give this one another --data-dir`;
}

function holderPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
