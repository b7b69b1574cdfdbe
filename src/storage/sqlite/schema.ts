import type Database from 'better-sqlite3';

/** Each entry upgrades the schema by one version; user_version records how far a file has come. */
const MIGRATIONS: string[] = [
  `CREATE TABLE keys (
     key_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     deletion_at INTEGER,
     rotation_at INTEGER,
     doc TEXT NOT NULL
   );
   CREATE INDEX keys_scope ON keys (account_id, region, key_id);
   CREATE INDEX keys_deletion ON keys (deletion_at) WHERE deletion_at IS NOT NULL;
   CREATE INDEX keys_rotation ON keys (rotation_at) WHERE rotation_at IS NOT NULL;
   CREATE TABLE aliases (
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     alias_name TEXT NOT NULL,
     key_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (account_id, region, alias_name)
   );
   CREATE INDEX aliases_key ON aliases (key_id);
   CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);`,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
