import type { Page } from '../kms/repository.js';
import type { ConnectionState, CustomKeyStoreRecord, Scope } from './model.js';

// The storage port of custom key stores. Implementations: storage/sqlite/keystore-store.ts and
// storage/postgres/keystore-store.ts, which run the contract suite in storage/keystore-contract.ts. `update` and `remove` read, check and
// write one record atomically: the callback runs synchronously inside the transaction and, if it
// throws, nothing is written.

export type InsertResult = 'inserted' | 'name-taken' | 'limit-exceeded';

/** An update would give a store a name another store of its account and Region has. */
export class DuplicateStoreName extends Error {}

export interface CustomKeyStoreRepository {
  /** Adds the store unless its name is taken in the scope or the scope already has `maxPerScope` stores. */
  insert(store: CustomKeyStoreRecord, maxPerScope: number): Promise<InsertResult>;
  get(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined>;
  findByName(scope: Scope, name: string): Promise<CustomKeyStoreRecord | undefined>;
  /** One scope's stores in id order. */
  list(scope: Scope, limit: number, after?: string): Promise<Page<CustomKeyStoreRecord>>;
  /** Throws DuplicateStoreName when the change renames the store to a name in use. */
  update(scope: Scope, customKeyStoreId: string, change: (s: CustomKeyStoreRecord) => CustomKeyStoreRecord): Promise<CustomKeyStoreRecord | undefined>;
  /** Removes the store if `check` does not throw; false when there was none. */
  remove(scope: Scope, customKeyStoreId: string, check: (s: CustomKeyStoreRecord) => void): Promise<boolean>;
  /** Stores of every scope in one connection state (the background work's queue). */
  inState(state: ConnectionState): Promise<CustomKeyStoreRecord[]>;
}
