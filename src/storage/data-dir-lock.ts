import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tryLockFile } from './file-lock.js';

// One service per data directory, unless every one of them is started as a node of a shared store
// (serve --shared-store, lockDataDirShared below). A second service would apply and clear the
// first one's audit log (records the first has acknowledged would be gone), and write the
// database behind its back.
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
  // tryLockFile creates the file before SQLite opens it, so that it is the owner's only whatever the
  // umask. An existing file is not opened here: closing any descriptor of a file drops every POSIX
  // lock this process holds on it, a lock this process may already hold included.
  const lock = tryLockFile(file);
  if (!lock) throw new DataDirInUse(inUseMessage(dir));
  const pidFile = join(dir, PID_FILE);
  writeFileSync(pidFile, `${process.pid}\n`, { mode: 0o600 });
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      rmSync(pidFile, { force: true });
      lock.release();
    },
  };
}

function inUseMessage(dir: string): string {
  const pid = holderPid(dir);
  if (pid === undefined && existsSync(join(dir, PID_FILE)) === false && sharedHolders(dir)) {
    return `the data directory ${resolve(dir)} is in use by Keywarden nodes started with --shared-store; stop them first, start this one with --shared-store too, or give it another --data-dir`;
  }
  const who = pid === undefined ? 'another Keywarden process' : `another Keywarden (pid ${pid})`;
  return `the data directory ${resolve(dir)} is in use by ${who}; stop it first, or give this one another --data-dir`;
}

/** Whether the lock is held shared (by nodes) rather than by one service: a read of it succeeds. */
function sharedHolders(dir: string): boolean {
  const db = new Database(join(dir, LOCK_FILE), { timeout: 0, readonly: true });
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}

/** The data directory held by one node of several (serve --shared-store). */
export interface SharedDataDirLock extends DataDirLock {
  /** No other node held the directory when this one took it: this node starts the deployment. */
  alone: boolean;
}

/** How long a node waits for another node that is taking the lock (the moment it holds it alone, below). */
const SHARED_WAIT_MS = 3_000;

/**
 * Takes the data directory for one node of several: the kernel's lock on the same file, shared,
 * which every node holds at once and which keeps out a service that wants the directory alone (and
 * `keywarden reset`), as its exclusive lock keeps the nodes out. The node first tries for the lock
 * alone, for a moment: if it gets it, no other node runs, and it is the first of a deployment.
 */
export function lockDataDirShared(dir: string): SharedDataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, LOCK_FILE);
  const probe = tryLockFile(file);
  const alone = probe !== undefined;
  if (probe) {
    // Nodes leave no pid file (the directory has as many holders as nodes); one a service left goes.
    rmSync(join(dir, PID_FILE), { force: true });
    probe.release();
  }
  for (let waited = 0; ; waited += 20) {
    const db = new Database(file, { timeout: 0 });
    try {
      // In exclusive locking mode a connection keeps the shared lock of its first read until it closes.
      db.pragma('locking_mode = EXCLUSIVE');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
      // A node starting at the same moment may hold it alone for its probe: worth a short wait.
      if (waited >= SHARED_WAIT_MS) throw new DataDirInUse(inUseMessage(dir));
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      continue;
    }
    let held = true;
    return {
      alone,
      release() {
        if (!held) return;
        held = false;
        db.close();
      },
    };
  }
}

function holderPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
