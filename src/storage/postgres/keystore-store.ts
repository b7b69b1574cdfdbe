import type { ConnectionState, CustomKeyStoreRecord, Scope } from '../../keystores/model.js';
import { type CustomKeyStoreRepository, DuplicateStoreName, type InsertResult } from '../../keystores/repository.js';
import type { Page } from '../../kms/repository.js';
import { type PgDatabase, statement } from './database.js';
import type { SchemaPart } from './schema.js';
import { inTransaction, LOCK, lockName } from './transaction.js';
import { cannotBeStored } from './text-values.js';
import { pageOf, rowsFor } from '../paging.js';

export const KEYSTORE_SCHEMA: SchemaPart = {
  part: 'keystores',
  steps: [
    `CREATE TABLE custom_key_stores (
       custom_key_store_id TEXT COLLATE "C" PRIMARY KEY,
       account_id TEXT NOT NULL,
       region TEXT NOT NULL,
       name TEXT NOT NULL,
       connection_state TEXT NOT NULL,
       doc TEXT NOT NULL
     );
     CREATE UNIQUE INDEX custom_key_stores_name ON custom_key_stores (account_id, region, name);
     CREATE INDEX custom_key_stores_scope ON custom_key_stores (account_id, region, custom_key_store_id);
     CREATE INDEX custom_key_stores_state ON custom_key_stores (connection_state, custom_key_store_id);`,
    // A name is any string of 1 to 256 characters, NUL among them, which text cannot hold: names
    // are kept as their UTF-8 bytes, compared byte for byte as SQLite compares them.
    `ALTER TABLE custom_key_stores ALTER COLUMN name TYPE BYTEA USING convert_to(name, 'UTF8');`,
  ],
};

interface Row {
  doc: string;
}

const STORE = {
  count: statement('cks-count', 'SELECT count(*)::int AS n FROM custom_key_stores WHERE account_id = $1 AND region = $2'),
  insert: statement(
    'cks-insert',
    'INSERT INTO custom_key_stores (custom_key_store_id, account_id, region, name, connection_state, doc) VALUES ($1, $2, $3, $4, $5, $6)',
  ),
  get: statement('cks-get', 'SELECT doc FROM custom_key_stores WHERE custom_key_store_id = $1 AND account_id = $2 AND region = $3'),
  locked: statement('cks-locked', 'SELECT doc FROM custom_key_stores WHERE custom_key_store_id = $1 AND account_id = $2 AND region = $3 FOR UPDATE'),
  byName: statement('cks-by-name', 'SELECT doc FROM custom_key_stores WHERE account_id = $1 AND region = $2 AND name = $3'),
  list: statement(
    'cks-list',
    'SELECT doc FROM custom_key_stores WHERE account_id = $1 AND region = $2 AND custom_key_store_id > $3 ORDER BY custom_key_store_id LIMIT $4',
  ),
  write: statement('cks-write', 'UPDATE custom_key_stores SET name = $2, connection_state = $3, doc = $4 WHERE custom_key_store_id = $1'),
  remove: statement('cks-remove', 'DELETE FROM custom_key_stores WHERE custom_key_store_id = $1'),
  inState: statement('cks-in-state', 'SELECT doc FROM custom_key_stores WHERE connection_state = $1 ORDER BY custom_key_store_id'),
};

/** The name column's value: the name's UTF-8 bytes. */
const nameBytes = (name: string): Buffer => Buffer.from(name, 'utf8');

const first = (rows: Row[]) => (rows[0] ? (JSON.parse(rows[0].doc) as CustomKeyStoreRecord) : undefined);
const UNIQUE_VIOLATION = '23505';

/**
 * Custom key stores: one JSON document per store, the columns the queries need beside it. Names
 * are unique per account and Region by index as well as by the checks, so two nodes creating or
 * renaming at once cannot both take a name.
 */
export function pgKeyStoreRepository(db: PgDatabase): CustomKeyStoreRepository {
  return new PgKeyStores(db);
}

class PgKeyStores implements CustomKeyStoreRepository {
  constructor(private readonly db: PgDatabase) {}

  async insert(store: CustomKeyStoreRecord, maxPerScope: number): Promise<InsertResult> {
    return inTransaction(this.db.pool, async (tx): Promise<InsertResult> => {
      // The quota counts rows that another node may be adding: creations in one scope queue here.
      await lockName(tx, LOCK.keyStoreScope, `${store.accountId}/${store.region}`);
      if ((await tx.query(STORE.byName(store.accountId, store.region, nameBytes(store.name)))).rowCount) return 'name-taken';
      if ((await tx.query<{ n: number }>(STORE.count(store.accountId, store.region))).rows[0]!.n >= maxPerScope) return 'limit-exceeded';
      await tx.query(STORE.insert(store.customKeyStoreId, store.accountId, store.region, nameBytes(store.name), store.connectionState, JSON.stringify(store)));
      return 'inserted';
    });
  }

  async get(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    if (cannotBeStored(customKeyStoreId)) return undefined;
    return first((await this.db.pool.query<Row>(STORE.get(customKeyStoreId, scope.accountId, scope.region))).rows);
  }

  async findByName(scope: Scope, name: string): Promise<CustomKeyStoreRecord | undefined> {
    return first((await this.db.pool.query<Row>(STORE.byName(scope.accountId, scope.region, nameBytes(name)))).rows);
  }

  async list(scope: Scope, limit: number, after = ''): Promise<Page<CustomKeyStoreRecord>> {
    const rows = (await this.db.pool.query<Row>(STORE.list(scope.accountId, scope.region, after, rowsFor(limit)))).rows;
    return pageOf(rows, limit, (r) => JSON.parse(r.doc) as CustomKeyStoreRecord, (s) => s.customKeyStoreId);
  }

  async update(scope: Scope, id: string, change: (s: CustomKeyStoreRecord) => CustomKeyStoreRecord): Promise<CustomKeyStoreRecord | undefined> {
    if (cannotBeStored(id)) return undefined;
    return inTransaction(this.db.pool, async (tx) => {
      const current = first((await tx.query<Row>(STORE.locked(id, scope.accountId, scope.region))).rows);
      if (!current) return undefined;
      const next = change(current);
      if (next.name !== current.name && (await tx.query(STORE.byName(scope.accountId, scope.region, nameBytes(next.name)))).rowCount) throw new DuplicateStoreName(next.name);
      try {
        await tx.query(STORE.write(id, nameBytes(next.name), next.connectionState, JSON.stringify(next)));
      } catch (err) {
        // Another node took the name between the check and the write.
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new DuplicateStoreName(next.name);
        throw err;
      }
      return next;
    });
  }

  async remove(scope: Scope, id: string, check: (s: CustomKeyStoreRecord) => void): Promise<boolean> {
    if (cannotBeStored(id)) return false;
    return inTransaction(this.db.pool, async (tx) => {
      const current = first((await tx.query<Row>(STORE.locked(id, scope.accountId, scope.region))).rows);
      if (!current) return false;
      check(current);
      await tx.query(STORE.remove(id));
      return true;
    });
  }

  async inState(state: ConnectionState): Promise<CustomKeyStoreRecord[]> {
    return (await this.db.pool.query<Row>(STORE.inState(state))).rows.map((r) => JSON.parse(r.doc) as CustomKeyStoreRecord);
  }
}
