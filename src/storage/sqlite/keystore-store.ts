import type { ConnectionState, CustomKeyStoreRecord, Scope } from '../../keystores/model.js';
import { type CustomKeyStoreRepository, DuplicateStoreName, type InsertResult } from '../../keystores/repository.js';
import type { Page } from '../../kms/repository.js';
import type { Db } from './database.js';
import { migrate } from './schema.js';
import { writeTransaction } from './write-lock.js';
import { pageOf, rowsFor } from '../paging.js';

const KEYSTORE_MIGRATIONS = [
  `CREATE TABLE custom_key_stores (
     custom_key_store_id TEXT PRIMARY KEY,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     name TEXT NOT NULL,
     connection_state TEXT NOT NULL,
     doc TEXT NOT NULL
   );
   CREATE UNIQUE INDEX custom_key_stores_name ON custom_key_stores (account_id, region, name);
   CREATE INDEX custom_key_stores_scope ON custom_key_stores (account_id, region, custom_key_store_id);
   CREATE INDEX custom_key_stores_state ON custom_key_stores (connection_state);`,
];

interface Row {
  doc: string;
}

/**
 * Custom key stores on the shared database (part 'keystores'): one JSON document per store, with
 * the columns the queries need beside it. Names are unique per account and Region by index, so
 * two concurrent creations or renames cannot both take a name.
 */
export function keyStoreStoreOn(db: Db): CustomKeyStoreRepository {
  migrate(db, 'keystores', KEYSTORE_MIGRATIONS);
  return new SqliteKeyStores(db);
}

class SqliteKeyStores implements CustomKeyStoreRepository {
  private readonly countStmt;
  private readonly insertStmt;
  private readonly getStmt;
  private readonly byNameStmt;
  private readonly listStmt;
  private readonly writeStmt;
  private readonly removeStmt;
  private readonly inStateStmt;
  private readonly insertTx;
  private readonly updateTx;
  private readonly removeTx;

  constructor(db: Db) {
    this.countStmt = db.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM custom_key_stores WHERE account_id = ? AND region = ?');
    this.insertStmt = db.prepare(
      `INSERT INTO custom_key_stores (custom_key_store_id, account_id, region, name, connection_state, doc)
       VALUES (@customKeyStoreId, @accountId, @region, @name, @connectionState, @doc)`,
    );
    this.getStmt = db.prepare<[string, string, string], Row>(
      'SELECT doc FROM custom_key_stores WHERE custom_key_store_id = ? AND account_id = ? AND region = ?',
    );
    this.byNameStmt = db.prepare<[string, string, string], Row>('SELECT doc FROM custom_key_stores WHERE account_id = ? AND region = ? AND name = ?');
    this.listStmt = db.prepare<[string, string, string, number], Row>(
      'SELECT doc FROM custom_key_stores WHERE account_id = ? AND region = ? AND custom_key_store_id > ? ORDER BY custom_key_store_id LIMIT ?',
    );
    this.writeStmt = db.prepare(
      'UPDATE custom_key_stores SET name = @name, connection_state = @connectionState, doc = @doc WHERE custom_key_store_id = @customKeyStoreId',
    );
    this.removeStmt = db.prepare('DELETE FROM custom_key_stores WHERE custom_key_store_id = ?');
    this.inStateStmt = db.prepare<[string], Row>('SELECT doc FROM custom_key_stores WHERE connection_state = ? ORDER BY custom_key_store_id');
    this.insertTx = writeTransaction(db, (store: CustomKeyStoreRecord, max: number): InsertResult => {
      if (this.byNameStmt.get(store.accountId, store.region, store.name)) return 'name-taken';
      if (this.countStmt.get(store.accountId, store.region)!.n >= max) return 'limit-exceeded';
      this.insertStmt.run(columns(store));
      return 'inserted';
    });
    this.updateTx = writeTransaction(db, (scope: Scope, id: string, change: (s: CustomKeyStoreRecord) => CustomKeyStoreRecord) => {
      const row = this.getStmt.get(id, scope.accountId, scope.region);
      if (!row) return undefined;
      const current = JSON.parse(row.doc) as CustomKeyStoreRecord;
      const next = change(current);
      if (next.name !== current.name) {
        const holder = this.byNameStmt.get(scope.accountId, scope.region, next.name);
        if (holder) throw new DuplicateStoreName(next.name);
      }
      this.writeStmt.run(columns(next));
      return next;
    });
    this.removeTx = writeTransaction(db, (scope: Scope, id: string, check: (s: CustomKeyStoreRecord) => void) => {
      const row = this.getStmt.get(id, scope.accountId, scope.region);
      if (!row) return false;
      check(JSON.parse(row.doc) as CustomKeyStoreRecord);
      this.removeStmt.run(id);
      return true;
    });
  }

  async insert(store: CustomKeyStoreRecord, maxPerScope: number): Promise<InsertResult> {
    return this.insertTx(store, maxPerScope);
  }

  async get(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    return parse(this.getStmt.get(customKeyStoreId, scope.accountId, scope.region));
  }

  async findByName(scope: Scope, name: string): Promise<CustomKeyStoreRecord | undefined> {
    return parse(this.byNameStmt.get(scope.accountId, scope.region, name));
  }

  async list(scope: Scope, limit: number, after = ''): Promise<Page<CustomKeyStoreRecord>> {
    const rows = this.listStmt.all(scope.accountId, scope.region, after, rowsFor(limit));
    return pageOf(rows, limit, (r) => JSON.parse(r.doc) as CustomKeyStoreRecord, (s) => s.customKeyStoreId);
  }

  async update(scope: Scope, customKeyStoreId: string, change: (s: CustomKeyStoreRecord) => CustomKeyStoreRecord): Promise<CustomKeyStoreRecord | undefined> {
    return this.updateTx(scope, customKeyStoreId, change);
  }

  async remove(scope: Scope, customKeyStoreId: string, check: (s: CustomKeyStoreRecord) => void): Promise<boolean> {
    return this.removeTx(scope, customKeyStoreId, check);
  }

  async inState(state: ConnectionState): Promise<CustomKeyStoreRecord[]> {
    return this.inStateStmt.all(state).map((r) => JSON.parse(r.doc) as CustomKeyStoreRecord);
  }
}

function columns(s: CustomKeyStoreRecord) {
  return {
    customKeyStoreId: s.customKeyStoreId,
    accountId: s.accountId,
    region: s.region,
    name: s.name,
    connectionState: s.connectionState,
    doc: JSON.stringify(s),
  };
}

const parse = (row: Row | undefined): CustomKeyStoreRecord | undefined => (row ? (JSON.parse(row.doc) as CustomKeyStoreRecord) : undefined);
