import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createPrivateFile } from '../private-file.js';
import { WRITE_LOCK_WAIT_MS } from './write-lock.js';

export type Db = Database.Database;

/**
 * Opens the embedded database: one SQLite file in WAL mode with synchronous=FULL, so a write the
 * service acknowledged survives a crash. Every SQLite-backed store of the service shares it.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // SQLite gives its -wal and -shm files the database file's mode: the owner's only, all three.
    createPrivateFile(file);
  }
  const db = new Database(file);
  // An in-memory service writes nothing to disk: not even SQLite's temporary files for large sorts.
  if (file === ':memory:') db.pragma('temp_store = MEMORY');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // SQLite's page cache, per connection: 4 MiB, where better-sqlite3 builds it with 16 MiB. Calls
  // read keys through the service's own cache and the operating system's cache holds the file; a
  // bigger one only stayed resident (~30 MB more after 100,000 CreateKeys).
  db.pragma('cache_size = -4096');
  // SQLite's own wait for another connection's write lock; write-lock.ts keeps it to the clock.
  db.pragma(`busy_timeout = ${WRITE_LOCK_WAIT_MS}`);
  return db;
}
