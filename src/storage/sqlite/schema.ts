import type Database from 'better-sqlite3';
import { writeTransaction } from './write-lock.js';

/**
 * Each part of the service (kms, cluster, hsm, audit, ...) owns its tables and its list of
 * migrations; `schema_migrations` records how far each part's schema has come in this file.
 * Appending a step to one part's list never touches another part's. Each step runs in a
 * transaction that takes the write lock first and reads the version again inside it: nodes of a
 * shared store starting at once apply every step once, whichever gets there first.
 */
export function migrate(db: Database.Database, part: string, steps: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const version = db.prepare<[string], { version: number }>('SELECT version FROM schema_migrations WHERE part = ?');
  const record = db.prepare(
    'INSERT INTO schema_migrations (part, version) VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET version = excluded.version',
  );
  const step = writeTransaction(db, (v: number): boolean => {
    if ((version.get(part)?.version ?? 0) !== v) return false;
    db.exec(steps[v]!);
    record.run(part, v + 1);
    return true;
  });
  for (let v = version.get(part)?.version ?? 0; v < steps.length; v = version.get(part)?.version ?? 0) step(v);
}
