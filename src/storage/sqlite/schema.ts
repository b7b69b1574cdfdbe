import type Database from 'better-sqlite3';

/**
 * Each part of the service (kms, cluster, hsm, audit, ...) owns its tables and its list of
 * migrations; `schema_migrations` records how far each part's schema has come in this file.
 * Appending a step to one part's list never touches another part's.
 */
export function migrate(db: Database.Database, part: string, steps: readonly string[]): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (part TEXT PRIMARY KEY, version INTEGER NOT NULL)');
  const row = db.prepare<[string], { version: number }>('SELECT version FROM schema_migrations WHERE part = ?').get(part);
  const record = db.prepare(
    'INSERT INTO schema_migrations (part, version) VALUES (?, ?) ON CONFLICT (part) DO UPDATE SET version = excluded.version',
  );
  for (let v = row?.version ?? 0; v < steps.length; v++) {
    db.transaction(() => {
      db.exec(steps[v]!);
      record.run(part, v + 1);
    })();
  }
}
