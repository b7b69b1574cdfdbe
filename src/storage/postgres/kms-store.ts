import type { QueryConfig } from 'pg';
import type { KeyRecord, Scope } from '../../kms/key.js';
import type { AliasRecord, AliasRepository, KmsStore, Page, RelatedKeysChange, SettingsRepository } from '../../kms/repository.js';
import type { VersionedKey, VersionedKeyRepository } from '../key-cache.js';
import { type KeyColumns, keyColumns } from '../key-columns.js';
import { type PgDatabase, statement } from './database.js';
import { PgGrants } from './grant-store.js';
import { PgKeyUsage } from './key-usage-store.js';
import type { SchemaPart } from './schema.js';
import { inTransaction, LOCK, lockName, type Tx } from './transaction.js';
import { type AliasRow, toAlias } from '../alias-rows.js';
import { pageOf, rowsFor } from '../paging.js';

// Text columns that order pages compare byte by byte (COLLATE "C"), as SQLite does, whatever the
// database's locale: a page's cursor then means the same on every node and after a restore.
export const KMS_SCHEMA: SchemaPart = {
  part: 'kms',
  steps: [
    `CREATE TABLE keys (
       key_id TEXT COLLATE "C" NOT NULL,
       region TEXT NOT NULL,
       account_id TEXT NOT NULL,
       deletion_at BIGINT,
       rotation_at BIGINT,
       custom_key_store_id TEXT,
       material_expires_at BIGINT,
       doc TEXT NOT NULL,
       PRIMARY KEY (key_id, region)
     );
     CREATE INDEX keys_scope ON keys (account_id, region, key_id);
     CREATE INDEX keys_related ON keys (account_id, key_id);
     CREATE INDEX keys_deletion ON keys (deletion_at) WHERE deletion_at IS NOT NULL;
     CREATE INDEX keys_rotation ON keys (rotation_at) WHERE rotation_at IS NOT NULL;
     CREATE INDEX keys_custom_key_store ON keys (custom_key_store_id, key_id) WHERE custom_key_store_id IS NOT NULL;
     CREATE INDEX keys_material_expiry ON keys (material_expires_at) WHERE material_expires_at IS NOT NULL;
     CREATE TABLE aliases (
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       alias_name TEXT COLLATE "C" NOT NULL,
       key_id TEXT NOT NULL,
       created_at BIGINT NOT NULL,
       updated_at BIGINT NOT NULL,
       PRIMARY KEY (account_id, region, alias_name)
     );
     CREATE INDEX aliases_key ON aliases (key_id);
     CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE grants (
       seq BIGSERIAL PRIMARY KEY,
       grant_id TEXT NOT NULL UNIQUE,
       key_id TEXT NOT NULL,
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       name TEXT,
       grantee_principal TEXT NOT NULL,
       retiring_principal TEXT,
       doc TEXT NOT NULL
     );
     CREATE INDEX grants_key ON grants (key_id, seq);
     CREATE INDEX grants_grantee ON grants (key_id, grantee_principal);
     CREATE INDEX grants_name ON grants (key_id, name) WHERE name IS NOT NULL;
     CREATE INDEX grants_retiring ON grants (account_id, region, retiring_principal, seq) WHERE retiring_principal IS NOT NULL;`,
    // Row versions for the key cache of each node (storage/key-cache.ts): every write of a key
    // takes the next number of one sequence, so a version is never given twice, even to a key
    // created again under its id; existing rows get one each.
    `CREATE SEQUENCE key_versions;
     ALTER TABLE keys ADD COLUMN version BIGINT NOT NULL DEFAULT nextval('key_versions');`,
  ],
};

/** The KMS tables (the schema must be migrated: see stores.ts). */
export function pgKmsStore(db: PgDatabase): KmsStore & { keys: VersionedKeyRepository } {
  return {
    keys: new PgKeys(db),
    aliases: new PgAliases(db),
    grants: new PgGrants(db),
    settings: new PgSettings(db),
    keyUsage: new PgKeyUsage(db),
    // The pool is the database owner's to close.
    close: async () => {},
  };
}

interface DocRow {
  doc: string;
}

const KEY = {
  insert: statement(
    'kms-key-insert',
    `INSERT INTO keys (key_id, account_id, region, deletion_at, rotation_at, custom_key_store_id, material_expires_at, doc)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
  ),
  byId: statement('kms-key-by-id', 'SELECT doc FROM keys WHERE key_id = $1 AND region = $2'),
  // The record only when the caller's copy is not the current one: a cache hit reads one integer.
  versioned: statement('kms-key-versioned', 'SELECT version, CASE WHEN version = $3 THEN NULL ELSE doc END AS doc FROM keys WHERE key_id = $1 AND region = $2'),
  locked: statement('kms-key-locked', 'SELECT doc FROM keys WHERE key_id = $1 AND account_id = $2 AND region = $3 FOR UPDATE'),
  related: statement('kms-key-related', 'SELECT doc FROM keys WHERE account_id = $1 AND key_id = $2 ORDER BY region'),
  relatedLocked: statement('kms-key-related-locked', 'SELECT doc FROM keys WHERE account_id = $1 AND key_id = $2 ORDER BY region FOR UPDATE'),
  write: statement(
    'kms-key-write',
    "UPDATE keys SET deletion_at = $3, rotation_at = $4, material_expires_at = $5, custom_key_store_id = $6, doc = $7, version = nextval('key_versions') WHERE key_id = $1 AND region = $2",
  ),
  remove: statement('kms-key-remove', 'DELETE FROM keys WHERE key_id = $1 AND account_id = $2 AND region = $3'),
  removeAliases: statement('kms-key-remove-aliases', 'DELETE FROM aliases WHERE key_id = $1 AND account_id = $2 AND region = $3'),
  removeGrants: statement('kms-key-remove-grants', 'DELETE FROM grants WHERE key_id = $1 AND account_id = $2 AND region = $3'),
  list: statement('kms-key-list', 'SELECT key_id FROM keys WHERE account_id = $1 AND region = $2 AND key_id > $3 ORDER BY key_id LIMIT $4'),
  dueDeletion: statement('kms-key-due-deletion', 'SELECT doc FROM keys WHERE deletion_at IS NOT NULL AND deletion_at <= $1'),
  dueRotation: statement('kms-key-due-rotation', 'SELECT doc FROM keys WHERE rotation_at IS NOT NULL AND rotation_at <= $1'),
  dueExpiry: statement('kms-key-due-expiry', 'SELECT doc FROM keys WHERE material_expires_at IS NOT NULL AND material_expires_at <= $1'),
  inStore: statement('kms-key-in-store', 'SELECT doc FROM keys WHERE custom_key_store_id = $1 ORDER BY key_id'),
};

const insertValues = (c: KeyColumns) => [c.keyId, c.accountId, c.region, c.deletionAt, c.rotationAt, c.customKeyStoreId, c.materialExpiresAt, c.doc];
const writeValues = (c: KeyColumns) => [c.keyId, c.region, c.deletionAt, c.rotationAt, c.materialExpiresAt, c.customKeyStoreId, c.doc];
const docs = (rows: DocRow[]) => rows.map((r) => JSON.parse(r.doc) as KeyRecord);

/**
 * Keys, read from the database on every use: other nodes write the same rows, so a record kept in
 * this process could be stale (a cache over the store is a separate concern).
 */
class PgKeys implements VersionedKeyRepository {
  constructor(private readonly db: PgDatabase) {}

  async insert(key: KeyRecord): Promise<void> {
    await this.db.pool.query(KEY.insert(...insertValues(keyColumns(key))));
  }

  async get(scope: Scope, keyId: string): Promise<KeyRecord | undefined> {
    const key = await this.findById(keyId, scope.region);
    return key && key.accountId === scope.accountId ? key : undefined;
  }

  async findById(keyId: string, region: string): Promise<KeyRecord | undefined> {
    return docs((await this.db.pool.query<DocRow>(KEY.byId(keyId, region))).rows)[0];
  }

  async findVersioned(keyId: string, region: string, known = -1): Promise<VersionedKey | undefined> {
    const row = (await this.db.pool.query<{ version: number; doc: string | null }>(KEY.versioned(keyId, region, known))).rows[0];
    if (!row) return undefined;
    return row.doc === null ? { version: row.version } : { version: row.version, key: JSON.parse(row.doc) as KeyRecord };
  }

  async update(scope: Scope, keyId: string, change: (key: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined> {
    return inTransaction(this.db.pool, async (tx) => {
      const current = docs((await tx.query<DocRow>(KEY.locked(keyId, scope.accountId, scope.region))).rows)[0];
      if (!current) return undefined;
      const next = change(current);
      await tx.query(KEY.write(...writeValues(keyColumns(next))));
      return next;
    });
  }

  async updateRelated(accountId: string, keyId: string, change: (keys: readonly KeyRecord[]) => RelatedKeysChange): Promise<KeyRecord[]> {
    return inTransaction(this.db.pool, async (tx) => {
      // The set of Regions can grow (a replica added): the lock is on the key id, not only on the rows that exist.
      await lockName(tx, LOCK.relatedKeys, `${accountId}/${keyId}`);
      const before = docs((await tx.query<DocRow>(KEY.relatedLocked(accountId, keyId))).rows);
      const { put, remove = [] } = change(before);
      const existing = new Set(before.map((k) => k.region));
      for (const region of remove) if (existing.has(region)) await removeKey(tx, { accountId, region }, keyId);
      for (const key of put) {
        if (key.keyId !== keyId || key.accountId !== accountId) throw new Error(`updateRelated may only write keys ${keyId} of account ${accountId}`);
        const columns = keyColumns(key);
        await tx.query(existing.has(key.region) ? KEY.write(...writeValues(columns)) : KEY.insert(...insertValues(columns)));
      }
      return docs((await tx.query<DocRow>(KEY.related(accountId, keyId))).rows);
    });
  }

  async related(accountId: string, keyId: string): Promise<KeyRecord[]> {
    return docs((await this.db.pool.query<DocRow>(KEY.related(accountId, keyId))).rows);
  }

  async remove(scope: Scope, keyId: string, check?: (key: KeyRecord) => boolean): Promise<KeyRecord | undefined> {
    return inTransaction(this.db.pool, async (tx) => {
      // Decided again on the locked row: another node may have changed the key since the caller read it.
      const key = docs((await tx.query<DocRow>(KEY.locked(keyId, scope.accountId, scope.region))).rows)[0];
      if (!key || (check && !check(key))) return undefined;
      await removeKey(tx, scope, keyId);
      return key;
    });
  }

  async listIds(scope: Scope, limit: number, after = ''): Promise<Page<string>> {
    const rows = (await this.db.pool.query<{ key_id: string }>(KEY.list(scope.accountId, scope.region, after, rowsFor(limit)))).rows;
    return pageOf(rows, limit, (r) => r.key_id, (id) => id);
  }

  async dueForDeletion(now: number): Promise<KeyRecord[]> {
    return docs((await this.db.pool.query<DocRow>(KEY.dueDeletion(now))).rows);
  }

  async dueForRotation(now: number): Promise<KeyRecord[]> {
    return docs((await this.db.pool.query<DocRow>(KEY.dueRotation(now))).rows);
  }

  async dueForMaterialExpiry(now: number): Promise<KeyRecord[]> {
    return docs((await this.db.pool.query<DocRow>(KEY.dueExpiry(now))).rows);
  }

  async inCustomKeyStore(customKeyStoreId: string): Promise<KeyRecord[]> {
    return docs((await this.db.pool.query<DocRow>(KEY.inStore(customKeyStoreId))).rows);
  }
}

/**
 * The key's row goes first: it waits for a grant being added to the key (which holds the row), and
 * the grants deleted after it then include that grant, so none outlives its key.
 */
async function removeKey(tx: Tx, scope: Scope, keyId: string): Promise<void> {
  const key = [keyId, scope.accountId, scope.region];
  await tx.query(KEY.remove(...key));
  await tx.query(KEY.removeAliases(...key));
  await tx.query(KEY.removeGrants(...key));
}


const ALIAS = {
  insert: statement(
    'kms-alias-insert',
    `INSERT INTO aliases (account_id, region, alias_name, key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
  ),
  get: statement('kms-alias-get', 'SELECT * FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3'),
  retarget: statement('kms-alias-retarget', 'UPDATE aliases SET key_id = $4, updated_at = $5 WHERE account_id = $1 AND region = $2 AND alias_name = $3'),
  remove: statement('kms-alias-remove', 'DELETE FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3'),
  list: statement('kms-alias-list', 'SELECT * FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name > $3 ORDER BY alias_name LIMIT $4'),
  listByKey: statement(
    'kms-alias-list-by-key',
    'SELECT * FROM aliases WHERE account_id = $1 AND region = $2 AND key_id = $5 AND alias_name > $3 ORDER BY alias_name LIMIT $4',
  ),
};

class PgAliases implements AliasRepository {
  constructor(private readonly db: PgDatabase) {}

  private run(query: QueryConfig) {
    return this.db.pool.query<AliasRow>(query);
  }

  async insert(a: AliasRecord): Promise<boolean> {
    return (await this.run(ALIAS.insert(a.accountId, a.region, a.aliasName, a.targetKeyId, a.createdAt, a.updatedAt))).rowCount === 1;
  }

  async get(scope: Scope, aliasName: string): Promise<AliasRecord | undefined> {
    const row = (await this.run(ALIAS.get(scope.accountId, scope.region, aliasName))).rows[0];
    return row && toAlias(row);
  }

  async retarget(scope: Scope, aliasName: string, keyId: string, now: number): Promise<boolean> {
    return (await this.run(ALIAS.retarget(scope.accountId, scope.region, aliasName, keyId, now))).rowCount === 1;
  }

  async remove(scope: Scope, aliasName: string): Promise<boolean> {
    return (await this.run(ALIAS.remove(scope.accountId, scope.region, aliasName))).rowCount === 1;
  }

  async list(scope: Scope, limit: number, after = '', keyId?: string): Promise<Page<AliasRecord>> {
    const page = [scope.accountId, scope.region, after, rowsFor(limit)];
    const rows = (await this.run(keyId === undefined ? ALIAS.list(...page) : ALIAS.listByKey(...page, keyId))).rows;
    return pageOf(rows, limit, toAlias, (a) => a.aliasName);
  }
}

const SETTING = {
  get: statement('kms-setting-get', 'SELECT value FROM settings WHERE name = $1'),
  set: statement('kms-setting-set', 'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
};

class PgSettings implements SettingsRepository {
  constructor(private readonly db: PgDatabase) {}

  async get(name: string): Promise<string | undefined> {
    return (await this.db.pool.query<{ value: string }>(SETTING.get(name))).rows[0]?.value;
  }

  async set(name: string, value: string): Promise<void> {
    await this.db.pool.query(SETTING.set(name, value));
  }
}
