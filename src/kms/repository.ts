import type { GrantConstraints, GrantOperation } from './grant-rules.js';
import type { KeyRecord, Scope } from './key.js';
import type { KeyUsageRepository } from './key-usage.js';

// Ports the KMS domain needs from storage. Implementations: storage/sqlite (default) and
// storage/postgres; both run the contract suite in storage/contract.ts.

export interface AliasRecord extends Scope {
  aliasName: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

/** A grant on a key; its scope is the key's account and Region. */
export interface GrantRecord extends Scope {
  /** 64 hex digits. */
  grantId: string;
  keyId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** The account whose principal created the grant. */
  issuingAccount: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  createdAt: number;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow; pass it back as `after`. */
  next?: string;
}

/**
 * What a change to a set of related keys writes (see KeyRepository.updateRelated): the records to
 * put, each replacing the key of its Region or added as a new one, and the Regions whose key goes
 * with its aliases and grants.
 */
export interface RelatedKeysChange {
  put: KeyRecord[];
  remove?: string[];
}

export interface KeyRepository {
  insert(key: KeyRecord): Promise<void>;
  get(scope: Scope, keyId: string): Promise<KeyRecord | undefined>;
  /**
   * Looks a key up by id in one Region, in any account: ciphertexts name only the key id. A key id
   * names one key per Region (related multi-Region keys share theirs).
   */
  findById(keyId: string, region: string): Promise<KeyRecord | undefined>;
  /**
   * Reads, changes and writes one key atomically. `change` runs synchronously inside the
   * transaction; if it throws, nothing is written. Returns undefined when the key does not exist.
   */
  update(scope: Scope, keyId: string, change: (key: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined>;
  /**
   * Related multi-Region keys, changed together: reads every key of the account with this key id
   * (one per Region), sorted by Region, lets `change` decide, and writes what it returns in one
   * transaction. If `change` throws, nothing is written. Returns the keys as they are afterwards.
   */
  updateRelated(accountId: string, keyId: string, change: (keys: readonly KeyRecord[]) => RelatedKeysChange): Promise<KeyRecord[]>;
  /** Every key of the account with this key id, one per Region, sorted by Region. */
  related(accountId: string, keyId: string): Promise<KeyRecord[]>;
  /**
   * Deletes the key, every alias that points at it and every grant on it, in one transaction, if
   * `check` (run synchronously inside it on the key as stored) allows; returns the key deleted, or
   * undefined when there was none or `check` refused. The check is what makes a deletion decided
   * on an earlier read (the end of a waiting period) safe against a change made meanwhile, by this
   * process or another one on the same store.
   */
  remove(scope: Scope, keyId: string, check?: (key: KeyRecord) => boolean): Promise<KeyRecord | undefined>;
  /**
   * The ids of the scope's keys in order, a page at a time. Ids only: ListKeys answers with no more
   * (the ARN follows from the scope), and a store's index holds them without its records.
   */
  listIds(scope: Scope, limit: number, after?: string): Promise<Page<string>>;
  /** Keys of every account whose deletion date is at or before `now`. */
  dueForDeletion(now: number): Promise<KeyRecord[]>;
  /** Keys of every account whose automatic rotation is at or before `now`. */
  dueForRotation(now: number): Promise<KeyRecord[]>;
  /** Keys of every account whose imported material's ValidTo is at or before `now`. */
  dueForMaterialExpiry(now: number): Promise<KeyRecord[]>;
  /** The keys in a custom key store, in any state (a store's id is unique across accounts). */
  inCustomKeyStore(customKeyStoreId: string): Promise<KeyRecord[]>;
}

export interface AliasRepository {
  /** Returns false, and writes nothing, when the name is taken. */
  insert(alias: AliasRecord): Promise<boolean>;
  get(scope: Scope, aliasName: string): Promise<AliasRecord | undefined>;
  retarget(scope: Scope, aliasName: string, keyId: string, now: number): Promise<boolean>;
  remove(scope: Scope, aliasName: string): Promise<boolean>;
  list(scope: Scope, limit: number, after?: string, keyId?: string): Promise<Page<AliasRecord>>;
}

/** What GrantRepository.insert did. */
export type GrantInsert =
  | { outcome: 'created'; grant: GrantRecord }
  /** A grant of the same key and name for which `same` held: nothing was written. */
  | { outcome: 'existing'; grant: GrantRecord }
  /** The key has `limit` grants already. */
  | { outcome: 'limit' }
  /** The key is gone. */
  | { outcome: 'noKey' };

export interface GrantFilter {
  grantId?: string;
  granteePrincipal?: string;
}

export interface GrantRepository {
  /**
   * Adds a grant in one transaction with its checks: the key must still exist, a named grant
   * returns an existing grant of that key and name for which `same` holds instead, and a key
   * never holds more than `limit` grants.
   */
  insert(grant: GrantRecord, limit: number, same: (existing: GrantRecord) => boolean): Promise<GrantInsert>;
  /** A grant by id, on any key of any account. */
  get(grantId: string): Promise<GrantRecord | undefined>;
  /** A key's grants in the order they were created (the key's scope: related multi-Region keys have grants of their own). */
  listForKey(scope: Scope, keyId: string, limit: number, after?: string, filter?: GrantFilter): Promise<Page<GrantRecord>>;
  /** The grants on the keys of one account and Region that name this retiring principal. */
  listRetirable(scope: Scope, retiringPrincipal: string, limit: number, after?: string): Promise<Page<GrantRecord>>;
  /** Every grant on a key whose grantee is this principal. */
  forGrantee(scope: Scope, keyId: string, granteePrincipal: string): Promise<GrantRecord[]>;
  /** Returns false when there was no such grant. */
  remove(grantId: string): Promise<boolean>;
}

/** Small named values the service keeps across restarts (the clock offset, for one). */
export interface SettingsRepository {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

export interface KmsStore {
  keys: KeyRepository;
  aliases: AliasRepository;
  grants: GrantRepository;
  settings: SettingsRepository;
  keyUsage: KeyUsageRepository;
  close(): Promise<void>;
}
