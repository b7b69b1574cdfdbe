import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';

// `keywarden reset`: a stopped service's data deleted, so that the next start is a first start.
// Only what the service writes is deleted, by name, so that a --data-dir pointed at the wrong
// directory loses nothing else. The TLS certificate the service made stays: the AWS_CA_BUNDLE that
// clients trust keeps working. The lock stays too (it is what keeps a service out meanwhile).

/** The database with its journals, the audit trail's write-ahead log, and the root key. */
const DATA = ['keywarden.db', 'keywarden.db-wal', 'keywarden.db-shm', 'keywarden.db-journal', 'audit-log', 'root.key'];

export class NotADataDir extends Error {}

export interface PendingReset {
  dir: string;
  /** What would be deleted (names in the directory). */
  present: string[];
  /** Deletes it and lets the directory go; returns what was deleted. */
  apply(): string[];
  /** Lets the directory go without deleting anything. */
  cancel(): void;
}

/**
 * Takes the directory (as a service would, so none can start meanwhile) and lists what a reset
 * deletes. Undefined when there is no such directory; NotADataDir when Keywarden never used it;
 * DataDirInUse while a service runs on it.
 */
export function prepareReset(dataDir: string): PendingReset | undefined {
  const dir = resolve(dataDir);
  if (!existsSync(dir)) return undefined;
  if (!existsSync(join(dir, 'keywarden.lock')) && !existsSync(join(dir, 'keywarden.db'))) {
    throw new NotADataDir(`${dir} is not a Keywarden data directory (it has no keywarden.lock or keywarden.db); nothing was deleted`);
  }
  const lock: DataDirLock = lockDataDir(dir);
  const present = DATA.filter((name) => existsSync(join(dir, name)));
  return {
    dir,
    present,
    apply() {
      try {
        for (const name of present) rmSync(join(dir, name), { recursive: true, force: true });
        return present;
      } finally {
        lock.release();
      }
    },
    cancel: () => lock.release(),
  };
}
