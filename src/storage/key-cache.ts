import { deepFreeze } from '../core/deep-freeze.js';
import type { OtherCommits } from '../core/shared-state.js';
import { FreshReads } from '../core/fresh-reads.js';
import type { KeyRecord, Scope } from '../kms/key.js';
import type { KeyRepository, KmsStore, Page, RelatedKeysChange } from '../kms/repository.js';

/**
 * A key as a store holds it, with the version its row had when it was read. A version is never
 * given twice, to any key: not to a key deleted and created again under its id (a multi-Region
 * replica), so an equal version means the same record.
 */
export interface VersionedKey {
  version: number;
  /** Absent when the caller already holds this version. */
  key?: KeyRecord;
}

/** What a store offers the cache besides the domain's port: reads that say whether a copy is current. */
export interface VersionedKeyRepository extends KeyRepository {
  /**
   * The key with this id in this Region (in any account) and its version, or only its version when
   * that is `known`; undefined when there is no such key. One read either way.
   */
  findVersioned(keyId: string, region: string, known?: number): Promise<VersionedKey | undefined>;
}

export interface KeyCacheOptions {
  /**
   * Other processes write the same store (`serve --shared-store`): a cached key is used only once
   * a read of its version says it is current. Otherwise every write passes through this cache,
   * which is then exact without asking the store.
   */
  sharedWriters: boolean;
  /**
   * With other writers, what says that none of them committed since a key's version was read: the
   * key is then used without reading its version again. Without it, every use reads the version.
   */
  otherCommits?: OtherCommits;
  /** Parsed records kept (oldest dropped first). */
  limit?: number;
}

const DEFAULT_LIMIT = 10_000;

interface Entry {
  key: KeyRecord;
  /** Unknown after a write through this cache with other writers: the next read asks the store. */
  version?: number;
  /** otherCommits' reading just before the version was last read. */
  checkedAt?: number;
}

/**
 * Every request that uses a key reads it, so parsed key records are kept in memory, frozen so
 * that no caller can change what others will read. With one writer the cache follows the writes
 * it passes on; with several it checks each read against the row's version, which costs a read of
 * one indexed column instead of reading and parsing the record (a key policy alone can be 32 KiB).
 * Lists and the background queries go to the store: they are not on the hot path. Requests for
 * one key that arrive together share one version read that started after they arrived.
 */
export class CachedKeys implements KeyRepository {
  private readonly entries = new Map<string, Entry>();
  private readonly versionReads = new FreshReads<string, KeyRecord | undefined>();
  private readonly policies = new SharedTexts(256);
  private readonly limit: number;

  constructor(
    private readonly inner: VersionedKeyRepository,
    private readonly opts: KeyCacheOptions,
  ) {
    this.limit = opts.limit ?? DEFAULT_LIMIT;
  }

  async insert(key: KeyRecord): Promise<void> {
    await this.inner.insert(key);
    this.wrote(key);
  }

  async get(scope: Scope, keyId: string): Promise<KeyRecord | undefined> {
    const key = await this.findById(keyId, scope.region);
    return key && key.accountId === scope.accountId ? key : undefined;
  }

  async findById(keyId: string, region: string): Promise<KeyRecord | undefined> {
    const id = idOf(region, keyId);
    const entry = this.entries.get(id);
    if (entry && (!this.opts.sharedWriters || this.unchangedSinceChecked(entry))) return entry.key;
    return this.versionReads.get(id, () => this.readThrough(id, keyId, region));
  }

  /** No other writer committed since `entry`'s version was last read (never known without otherCommits). */
  private unchangedSinceChecked(entry: Entry): boolean {
    return entry.checkedAt !== undefined && entry.checkedAt === this.opts.otherCommits?.read();
  }

  private async readThrough(id: string, keyId: string, region: string): Promise<KeyRecord | undefined> {
    const entry = this.entries.get(id);
    // Read before the version: a commit made meanwhile moves it, and the next use reads again.
    const checkedAt = this.opts.otherCommits?.read();
    const read = await this.inner.findVersioned(keyId, region, entry?.version);
    if (read === undefined) {
      this.entries.delete(id);
      return undefined;
    }
    if (read.key === undefined) {
      entry!.checkedAt = checkedAt;
      return entry!.key;
    }
    this.put(id, { key: read.key, version: read.version, checkedAt });
    return this.entries.get(id)!.key;
  }

  async update(scope: Scope, keyId: string, change: (key: KeyRecord) => KeyRecord): Promise<KeyRecord | undefined> {
    const next = await this.inner.update(scope, keyId, change);
    if (next) this.wrote(next);
    return next;
  }

  async updateRelated(accountId: string, keyId: string, change: (keys: readonly KeyRecord[]) => RelatedKeysChange): Promise<KeyRecord[]> {
    let written: RelatedKeysChange = { put: [] };
    const after = await this.inner.updateRelated(accountId, keyId, (keys) => (written = change(keys)));
    for (const region of written.remove ?? []) this.entries.delete(idOf(region, keyId));
    for (const key of written.put) this.wrote(key);
    return after;
  }

  related(accountId: string, keyId: string): Promise<KeyRecord[]> {
    return this.inner.related(accountId, keyId);
  }

  async remove(scope: Scope, keyId: string, check?: (key: KeyRecord) => boolean): Promise<KeyRecord | undefined> {
    const removed = await this.inner.remove(scope, keyId, check);
    if (removed) this.entries.delete(idOf(scope.region, keyId));
    return removed;
  }

  listIds(scope: Scope, limit: number, after?: string): Promise<Page<string>> {
    return this.inner.listIds(scope, limit, after);
  }

  dueForDeletion(now: number): Promise<KeyRecord[]> {
    return this.inner.dueForDeletion(now);
  }

  dueForRotation(now: number): Promise<KeyRecord[]> {
    return this.inner.dueForRotation(now);
  }

  dueForMaterialExpiry(now: number): Promise<KeyRecord[]> {
    return this.inner.dueForMaterialExpiry(now);
  }

  inCustomKeyStore(customKeyStoreId: string): Promise<KeyRecord[]> {
    return this.inner.inCustomKeyStore(customKeyStoreId);
  }

  /**
   * A record this process wrote. Alone on the store, it is the current one. With other writers,
   * one of them may have written after it before this line runs: the entry goes, and the next read
   * fetches whatever is current (a write costs one read more, reads cost nothing more).
   */
  private wrote(key: KeyRecord): void {
    const id = idOf(key.region, key.keyId);
    if (this.opts.sharedWriters) this.entries.delete(id);
    else this.put(id, { key });
  }

  private put(id: string, entry: Entry): void {
    if (!this.entries.has(id) && this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    // The shared text goes into the record itself, whether or not it already holds one equal to it
    // (strings compare by content: no test can tell which copy a record holds). A record frozen
    // already came from this cache, with the shared text. Not a copy of the record: V8 gave each
    // copy a hidden class of its own, 400 bytes more a key than the text saved.
    const key = entry.key as { policy: string };
    if (!Object.isFrozen(key)) key.policy = this.policies.shared(key.policy);
    deepFreeze(entry.key);
    this.entries.set(id, entry);
  }
}

/**
 * One copy of each key policy text that many cached keys hold: most keys of an account have the
 * same (default) policy, and each record read from the store brings its own copy of it, about half
 * of what a cached record weighs. The texts seen last are kept, a bounded few.
 */
class SharedTexts {
  private readonly texts = new Map<string, string>();

  constructor(private readonly limit: number) {}

  shared(text: string): string {
    const known = this.texts.get(text);
    if (known !== undefined) return known;
    if (this.texts.size >= this.limit) this.texts.delete(this.texts.keys().next().value!);
    this.texts.set(text, text);
    return text;
  }
}

/** The store with its keys read through one CachedKeys. */
export function withKeyCache(store: KmsStore & { keys: VersionedKeyRepository }, opts: KeyCacheOptions): KmsStore {
  return { ...store, keys: new CachedKeys(store.keys, opts) };
}

const idOf = (region: string, keyId: string) => `${region}/${keyId}`;
