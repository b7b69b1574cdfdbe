import type { KeyRecord, Scope } from '../../kms/key.js';
import { nextMaterialExpiry } from '../../kms/key-materials.js';
import type { AliasRecord, AliasRepository, KmsStore, Page, RelatedKeysChange, SettingsRepository } from '../../kms/repository.js';
import { type KeyCacheOptions, type VersionedKey, type VersionedKeyRepository, withKeyCache } from '../key-cache.js';
import { keyColumns } from '../key-columns.js';
import { type Db, openDatabase } from './database.js';
import { otherCommitsOn } from './change-counters.js';
import { GRANTS_TABLE, SqliteGrants } from './grant-store.js';
import { SqliteKeyUsage } from './key-usage-store.js';
import { migrate } from './schema.js';
import { type AliasRow, toAlias } from '../alias-rows.js';
import { withWriteLock, writeTransaction } from './write-lock.js';
import { pageOf, rowsFor } from '../paging.js';

export const KMS_MIGRATIONS = [
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
  // Keys in custom key stores: the store's id as a column, so a store's keys are found by index.
  `ALTER TABLE keys ADD COLUMN custom_key_store_id TEXT;
   UPDATE keys SET custom_key_store_id = json_extract(doc, '$.customKeyStoreId');
   CREATE INDEX keys_custom_key_store ON keys (custom_key_store_id) WHERE custom_key_store_id IS NOT NULL;`,
  // Grants (CreateGrant and the operations around it).
  GRANTS_TABLE,
  // Imported key material that expires: its ValidTo as a column, so due material is found by index.
  `ALTER TABLE keys ADD COLUMN material_expires_at INTEGER;
   UPDATE keys SET material_expires_at = json_extract(doc, '$.imported.validTo');
   CREATE INDEX keys_material_expiry ON keys (material_expires_at) WHERE material_expires_at IS NOT NULL;`,
  // Imported material one by one (on-demand rotation of imported keys): the expiration a key held
  // for its single material moves onto that material, which is the first. material_expires_at
  // stays the key's earliest ValidTo, now over all its materials.
  `UPDATE keys SET doc = json_remove(json_set(doc, '$.materials[0].imported', json(json_extract(doc, '$.imported'))), '$.imported')
   WHERE json_type(doc, '$.imported') = 'object' AND json_array_length(doc, '$.materials') > 0;
   UPDATE keys SET doc = json_remove(doc, '$.imported') WHERE json_type(doc, '$.imported') IS NOT NULL;`,
  // Multi-Region keys: related keys share their key id, one per Region, so a key is its id and its
  // Region. SQLite cannot change a primary key in place: the table is copied into a new one.
  `CREATE TABLE keys_by_region (
     key_id TEXT NOT NULL,
     region TEXT NOT NULL,
     account_id TEXT NOT NULL,
     deletion_at INTEGER,
     rotation_at INTEGER,
     custom_key_store_id TEXT,
     material_expires_at INTEGER,
     doc TEXT NOT NULL,
     PRIMARY KEY (key_id, region)
   );
   INSERT INTO keys_by_region (key_id, region, account_id, deletion_at, rotation_at, custom_key_store_id, material_expires_at, doc)
     SELECT key_id, region, account_id, deletion_at, rotation_at, custom_key_store_id, material_expires_at, doc FROM keys;
   DROP TABLE keys;
   ALTER TABLE keys_by_region RENAME TO keys;
   CREATE INDEX keys_scope ON keys (account_id, region, key_id);
   CREATE INDEX keys_related ON keys (account_id, key_id);
   CREATE INDEX keys_deletion ON keys (deletion_at) WHERE deletion_at IS NOT NULL;
   CREATE INDEX keys_rotation ON keys (rotation_at) WHERE rotation_at IS NOT NULL;
   CREATE INDEX keys_custom_key_store ON keys (custom_key_store_id) WHERE custom_key_store_id IS NOT NULL;
   CREATE INDEX keys_material_expiry ON keys (material_expires_at) WHERE material_expires_at IS NOT NULL;`,
  // Row versions, for caches in processes that share the file: every write of a key takes the next
  // number of one counter, so a version is never given twice, even to a key created again under a
  // deleted one's id. Rows written before have 0, and the first write after gives them 1 or more.
  `ALTER TABLE keys ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
   CREATE TABLE key_versions (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
   INSERT INTO key_versions (id, n) VALUES (1, 0);`,
];

/** A KmsStore on its own database file (tests use ':memory:'), its keys read through the cache. */
export function openSqliteStore(file: string, cache: KeyCacheOptions = { sharedWriters: false }): KmsStore {
  const db = openDatabase(file);
  // With other writers, as the service runs it: a key's version is read again only after a commit elsewhere.
  const otherCommits = cache.otherCommits ?? (cache.sharedWriters ? otherCommitsOn(db) : undefined);
  return withKeyCache({ ...kmsStoreOn(db), close: async () => void db.close() }, { ...cache, otherCommits });
}

/**
 * The KMS tables on a shared database. better-sqlite3 is synchronous; the async port costs one
 * microtask. `close` is the database owner's business, so this one does nothing. Key records are
 * read from the table every time: the composition root puts a cache in front (storage/key-cache.ts).
 */
export function kmsStoreOn(db: Db): KmsStore & { keys: VersionedKeyRepository } {
  migrate(db, 'kms', KMS_MIGRATIONS);
  return {
    keys: new SqliteKeys(db),
    aliases: new SqliteAliases(db),
    grants: new SqliteGrants(db),
    settings: new SqliteSettings(db),
    keyUsage: new SqliteKeyUsage(db),
    close: async () => {},
  };
}

interface KeyRow {
  doc: string;
}

class SqliteKeys implements VersionedKeyRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly versionedStmt;
  private readonly nextVersionStmt;
  private readonly relatedStmt;
  private readonly writeStmt;
  private readonly removeStmt;
  private readonly removeAliasesStmt;
  private readonly removeGrantsStmt;
  private readonly listStmt;
  private readonly dueDeletionStmt;
  private readonly dueRotationStmt;
  private readonly dueExpiryStmt;
  private readonly inStoreStmt;
  private readonly insertTx;
  private readonly updateTx;
  private readonly relatedTx;
  private readonly removeTx;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO keys (key_id, account_id, region, deletion_at, rotation_at, custom_key_store_id, material_expires_at, doc, version)
       VALUES (@keyId, @accountId, @region, @deletionAt, @rotationAt, @customKeyStoreId, @materialExpiresAt, @doc, @version)`,
    );
    this.getStmt = db.prepare<[string, string, string], KeyRow>('SELECT doc FROM keys WHERE key_id = ? AND account_id = ? AND region = ?');
    // The record only when the caller's copy is not the current one: a cache hit reads one integer.
    this.versionedStmt = db.prepare<[number, string, string], { version: number; doc: string | null }>(
      'SELECT version, CASE WHEN version = ? THEN NULL ELSE doc END AS doc FROM keys WHERE key_id = ? AND region = ?',
    );
    this.nextVersionStmt = db.prepare<[], number>('UPDATE key_versions SET n = n + 1 WHERE id = 1 RETURNING n').pluck();
    this.relatedStmt = db.prepare<[string, string], KeyRow>('SELECT doc FROM keys WHERE account_id = ? AND key_id = ? ORDER BY region');
    this.writeStmt = db.prepare(
      'UPDATE keys SET deletion_at = @deletionAt, rotation_at = @rotationAt, material_expires_at = @materialExpiresAt, doc = @doc, version = @version WHERE key_id = @keyId AND region = @region',
    );
    this.removeStmt = db.prepare('DELETE FROM keys WHERE key_id = ? AND account_id = ? AND region = ?');
    this.removeAliasesStmt = db.prepare('DELETE FROM aliases WHERE key_id = ? AND account_id = ? AND region = ?');
    this.removeGrantsStmt = db.prepare('DELETE FROM grants WHERE key_id = ? AND account_id = ? AND region = ?');
    this.listStmt = db
      .prepare<[string, string, string, number], string>('SELECT key_id FROM keys WHERE account_id = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?')
      .pluck();
    this.dueDeletionStmt = db.prepare<[number], KeyRow>('SELECT doc FROM keys WHERE deletion_at IS NOT NULL AND deletion_at <= ?');
    this.dueExpiryStmt = db.prepare<[number], KeyRow>('SELECT doc FROM keys WHERE material_expires_at IS NOT NULL AND material_expires_at <= ?');
    this.dueRotationStmt = db.prepare<[number], KeyRow>('SELECT doc FROM keys WHERE rotation_at IS NOT NULL AND rotation_at <= ?');
    this.inStoreStmt = db.prepare<[string], KeyRow>('SELECT doc FROM keys WHERE custom_key_store_id = ? ORDER BY key_id');
    this.insertTx = writeTransaction(db, (key: KeyRecord) => {
      this.insertStmt.run(this.columns(key));
    });
    this.updateTx = writeTransaction(db, (scope: Scope, keyId: string, change: (k: KeyRecord) => KeyRecord) => {
      const row = this.getStmt.get(keyId, scope.accountId, scope.region);
      if (!row) return undefined;
      const next = change(JSON.parse(row.doc) as KeyRecord);
      this.writeStmt.run(this.columns(next));
      return next;
    });
    this.removeTx = writeTransaction(db, (scope: Scope, keyId: string, check?: (k: KeyRecord) => boolean) => {
      const row = this.getStmt.get(keyId, scope.accountId, scope.region);
      if (!row) return undefined;
      const key = JSON.parse(row.doc) as KeyRecord;
      if (check && !check(key)) return undefined;
      this.removeAliasesStmt.run(keyId, scope.accountId, scope.region);
      this.removeGrantsStmt.run(keyId, scope.accountId, scope.region);
      this.removeStmt.run(keyId, scope.accountId, scope.region);
      return key;
    });
    this.relatedTx = writeTransaction(db, (accountId: string, keyId: string, change: (keys: readonly KeyRecord[]) => RelatedKeysChange) => {
      const before = this.relatedStmt.all(accountId, keyId).map((r) => JSON.parse(r.doc) as KeyRecord);
      const { put, remove = [] } = change(before);
      const existing = new Set(before.map((k) => k.region));
      for (const region of remove) if (existing.has(region)) this.removeTx({ accountId, region }, keyId);
      for (const key of put) {
        if (key.keyId !== keyId || key.accountId !== accountId) throw new Error(`updateRelated may only write keys ${keyId} of account ${accountId}`);
        if (existing.has(key.region)) this.writeStmt.run(this.columns(key));
        else this.insertStmt.run(this.columns(key));
      }
      return { put, remove };
    });
  }

  async insert(key: KeyRecord): Promise<void> {
    this.insertTx(key);
  }

  async get(scope: Scope, keyId: string): Promise<KeyRecord | undefined> {
    const key = await this.findById(keyId, scope.region);
    return key && key.accountId === scope.accountId ? key : undefined;
  }

  async findById(keyId: string, region: string): Promise<KeyRecord | undefined> {
    return (await this.findVersioned(keyId, region))?.key;
  }

  async findVersioned(keyId: string, region: string, known = -1): Promise<VersionedKey | undefined> {
    const row = this.versionedStmt.get(known, keyId, region);
    if (!row) return undefined;
    return row.doc === null ? { version: row.version } : { version: row.version, key: JSON.parse(row.doc) as KeyRecord };
  }

  async update(scope: Scope, keyId: string, change: (key: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined> {
    return this.updateTx(scope, keyId, change);
  }

  async updateRelated(accountId: string, keyId: string, change: (keys: readonly KeyRecord[]) => RelatedKeysChange): Promise<KeyRecord[]> {
    this.relatedTx(accountId, keyId, change);
    return this.related(accountId, keyId);
  }

  async related(accountId: string, keyId: string): Promise<KeyRecord[]> {
    return this.relatedStmt.all(accountId, keyId).map((r) => JSON.parse(r.doc) as KeyRecord);
  }

  async remove(scope: Scope, keyId: string, check?: (key: KeyRecord) => boolean): Promise<KeyRecord | undefined> {
    return this.removeTx(scope, keyId, check);
  }

  async listIds(scope: Scope, limit: number, after = ''): Promise<Page<string>> {
    return pageOf(this.listStmt.all(scope.accountId, scope.region, after, rowsFor(limit)), limit, (id) => id, (id) => id);
  }

  async dueForDeletion(now: number): Promise<KeyRecord[]> {
    return this.dueDeletionStmt.all(now).map((r) => JSON.parse(r.doc) as KeyRecord);
  }

  async dueForRotation(now: number): Promise<KeyRecord[]> {
    return this.dueRotationStmt.all(now).map((r) => JSON.parse(r.doc) as KeyRecord);
  }

  async dueForMaterialExpiry(now: number): Promise<KeyRecord[]> {
    return this.dueExpiryStmt.all(now).map((r) => JSON.parse(r.doc) as KeyRecord);
  }

  async inCustomKeyStore(customKeyStoreId: string): Promise<KeyRecord[]> {
    return this.inStoreStmt.all(customKeyStoreId).map((r) => JSON.parse(r.doc) as KeyRecord);
  }

  /** A row's columns, with the next version: to be called inside the transaction that writes it. */
  private columns(key: KeyRecord) {
    return { ...columns(key), version: this.nextVersionStmt.get()! };
  }
}

const columns = keyColumns;


class SqliteAliases implements AliasRepository {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly retargetStmt;
  private readonly removeStmt;
  private readonly listStmt;
  private readonly listByKeyStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO aliases (account_id, region, alias_name, key_id, created_at, updated_at)
       VALUES (@accountId, @region, @aliasName, @targetKeyId, @createdAt, @updatedAt) ON CONFLICT DO NOTHING`,
    );
    this.getStmt = db.prepare<[string, string, string], AliasRow>('SELECT * FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?');
    this.retargetStmt = db.prepare('UPDATE aliases SET key_id = ?, updated_at = ? WHERE account_id = ? AND region = ? AND alias_name = ?');
    this.removeStmt = db.prepare('DELETE FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?');
    this.listStmt = db.prepare<[string, string, string, number], AliasRow>(
      'SELECT * FROM aliases WHERE account_id = ? AND region = ? AND alias_name > ? ORDER BY alias_name LIMIT ?',
    );
    this.listByKeyStmt = db.prepare<[string, string, string, string, number], AliasRow>(
      'SELECT * FROM aliases WHERE account_id = ? AND region = ? AND key_id = ? AND alias_name > ? ORDER BY alias_name LIMIT ?',
    );
  }

  async insert(alias: AliasRecord): Promise<boolean> {
    return withWriteLock(this.db, () => this.insertStmt.run(alias)).changes === 1;
  }

  async get(scope: Scope, aliasName: string): Promise<AliasRecord | undefined> {
    const row = this.getStmt.get(scope.accountId, scope.region, aliasName);
    return row && toAlias(row);
  }

  async retarget(scope: Scope, aliasName: string, keyId: string, now: number): Promise<boolean> {
    return withWriteLock(this.db, () => this.retargetStmt.run(keyId, now, scope.accountId, scope.region, aliasName)).changes === 1;
  }

  async remove(scope: Scope, aliasName: string): Promise<boolean> {
    return withWriteLock(this.db, () => this.removeStmt.run(scope.accountId, scope.region, aliasName)).changes === 1;
  }

  async list(scope: Scope, limit: number, after = '', keyId?: string): Promise<Page<AliasRecord>> {
    const rows =
      keyId === undefined
        ? this.listStmt.all(scope.accountId, scope.region, after, rowsFor(limit))
        : this.listByKeyStmt.all(scope.accountId, scope.region, keyId, after, rowsFor(limit));
    return pageOf(rows, limit, toAlias, (a) => a.aliasName);
  }
}

class SqliteSettings implements SettingsRepository {
  private readonly getStmt;
  private readonly setStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?');
    this.setStmt = db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
  }

  async get(name: string): Promise<string | undefined> {
    return this.getStmt.get(name)?.value;
  }

  async set(name: string, value: string): Promise<void> {
    withWriteLock(this.db, () => this.setStmt.run(name, value));
  }
}
