import type { KeyRecord, Scope } from './key.js';

// Ports the KMS domain needs from storage. Implementations: storage/sqlite (default); each runs
// the contract suite in storage/contract.ts.

export interface AliasRecord extends Scope {
  aliasName: string;
  targetKeyId: string;
  createdAt: number;
  updatedAt: number;
}

export interface Page<T> {
  items: T[];
  /** Present when more items follow; pass it back as `after`. */
  next?: string;
}

export interface KeyRepository {
  insert(key: KeyRecord): Promise<void>;
  get(scope: Scope, keyId: string): Promise<KeyRecord | undefined>;
  /** Looks a key up by id in any account: ciphertexts name only the key id. */
  findById(keyId: string): Promise<KeyRecord | undefined>;
  /**
   * Reads, changes and writes one key atomically. `change` runs synchronously inside the
   * transaction; if it throws, nothing is written. Returns undefined when the key does not exist.
   */
  update(scope: Scope, keyId: string, change: (key: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined>;
  /** Deletes the key and every alias that points at it. */
  remove(scope: Scope, keyId: string): Promise<void>;
  list(scope: Scope, limit: number, after?: string): Promise<Page<KeyRecord>>;
  /** Keys of every account whose deletion date is at or before `now`. */
  dueForDeletion(now: number): Promise<KeyRecord[]>;
  /** Keys of every account whose automatic rotation is at or before `now`. */
  dueForRotation(now: number): Promise<KeyRecord[]>;
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

/** Small named values the service keeps across restarts (the clock offset, for one). */
export interface SettingsRepository {
  get(name: string): Promise<string | undefined>;
  set(name: string, value: string): Promise<void>;
}

export interface KmsStore {
  keys: KeyRepository;
  aliases: AliasRepository;
  settings: SettingsRepository;
  close(): Promise<void>;
}
