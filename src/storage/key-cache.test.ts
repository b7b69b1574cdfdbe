import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KeyRecord, Scope } from '../kms/key.js';
import type { KmsStore } from '../kms/repository.js';
import { kmsStoreContract, storedKey } from './contract.js';
import { CachedKeys, type VersionedKey, type VersionedKeyRepository } from './key-cache.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';

const A: Scope = { accountId: '111122223333', region: 'us-east-1' };

const key = (keyId: string, extra: Partial<KeyRecord> = {}): KeyRecord => storedKey(A, keyId, extra);

// The cache in front of a store keeps the store's whole contract, alone on it or not.
kmsStoreContract('sqlite behind the key cache, several writers', async () => openSqliteStore(':memory:', { sharedWriters: true }));

/** Two processes on one file, as `serve --shared-store` runs them: each its own connection and cache. */
async function twoNodes(body: (a: KmsStore, b: KmsStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-key-cache-'));
  const file = join(dir, 'keywarden.db');
  const a = openSqliteStore(file, { sharedWriters: true });
  const b = openSqliteStore(file, { sharedWriters: true });
  try {
    await body(a, b);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('key cache: a key another writer changed is read as it is now, not as this process last saw it', () =>
  twoNodes(async (a, b) => {
    await a.keys.insert(key('k1'));
    assert.equal((await a.keys.get(A, 'k1'))?.state, 'Enabled');
    assert.equal((await b.keys.get(A, 'k1'))?.state, 'Enabled');
    await b.keys.update(A, 'k1', (k) => ({ ...k, state: 'Disabled' }));
    assert.equal((await a.keys.get(A, 'k1'))?.state, 'Disabled');
    await a.keys.update(A, 'k1', (k) => ({ ...k, state: 'Enabled', description: 'by a' }));
    assert.deepEqual([(await b.keys.findById('k1', A.region))?.description, (await b.keys.get(A, 'k1'))?.state], ['by a', 'Enabled']);
  }));

test('key cache: a key another writer deleted is gone, and one created again under its id is the new one', () =>
  twoNodes(async (a, b) => {
    await a.keys.insert(key('mrk-1', { description: 'first' }));
    assert.equal((await a.keys.get(A, 'mrk-1'))?.description, 'first');
    await b.keys.remove(A, 'mrk-1');
    assert.equal(await a.keys.get(A, 'mrk-1'), undefined);
    await a.keys.get(A, 'mrk-1');
    // Read again by `a` while it still existed, then replaced behind its back.
    await b.keys.insert(key('mrk-1', { description: 'second' }));
    assert.equal((await a.keys.get(A, 'mrk-1'))?.description, 'second');
    await b.keys.remove(A, 'mrk-1');
    await b.keys.insert(key('mrk-1', { description: 'third' }));
    assert.equal((await a.keys.get(A, 'mrk-1'))?.description, 'third');
  }));

test('key cache: the state check of a removal runs on the key as stored, whoever changed it last', () =>
  twoNodes(async (a, b) => {
    await a.keys.insert(key('k1', { state: 'PendingDeletion', deletionDate: 5 }));
    assert.equal((await a.keys.get(A, 'k1'))?.state, 'PendingDeletion');
    await b.keys.update(A, 'k1', ({ deletionDate: _d, ...k }) => ({ ...k, state: 'Disabled' }));
    const due = (k: KeyRecord) => k.state === 'PendingDeletion';
    assert.equal(await a.keys.remove(A, 'k1', due), undefined);
    assert.equal((await b.keys.get(A, 'k1'))?.state, 'Disabled');
    assert.equal((await a.keys.remove(A, 'k1'))?.keyId, 'k1');
    assert.equal(await a.keys.remove(A, 'k1'), undefined);
  }));

/** A store that counts what the cache asks of it. */
class CountingKeys {
  reads: Array<number | undefined> = [];
  records = 0;
  private version = 1;
  private current: KeyRecord | undefined = key('k1');

  repo(): VersionedKeyRepository {
    const self = this;
    const unused = () => Promise.reject(new Error('not used by this test'));
    return {
      async findVersioned(keyId: string, _region: string, known?: number): Promise<VersionedKey | undefined> {
        self.reads.push(known);
        if (!self.current || keyId !== self.current.keyId) return undefined;
        if (known === self.version) return { version: self.version };
        self.records++;
        return { version: self.version, key: structuredClone(self.current) };
      },
      async update(_scope: Scope, _keyId: string, change: (k: KeyRecord) => KeyRecord) {
        self.current = change(self.current!);
        self.version++;
        return self.current;
      },
      insert: unused,
      get: unused,
      findById: unused,
      updateRelated: unused,
      related: unused,
      remove: unused,
      listIds: unused,
      dueForDeletion: unused,
      dueForRotation: unused,
      dueForMaterialExpiry: unused,
      inCustomKeyStore: unused,
    };
  }

  /** Another process writes the key. */
  changeBehind(description: string): void {
    this.current = { ...this.current!, description };
    this.version++;
  }
}

test('key cache: with other writers, a hit reads only the version; a changed key is read and parsed once', async () => {
  const store = new CountingKeys();
  const keys = new CachedKeys(store.repo(), { sharedWriters: true });
  await keys.get(A, 'k1');
  await keys.get(A, 'k1');
  await keys.get(A, 'k1');
  assert.deepEqual(store.reads, [undefined, 1, 1]);
  assert.equal(store.records, 1);
  store.changeBehind('elsewhere');
  assert.equal((await keys.get(A, 'k1'))?.description, 'elsewhere');
  assert.equal((await keys.get(A, 'k1'))?.description, 'elsewhere');
  assert.equal(store.records, 2);
  const cached = await keys.get(A, 'k1');
  assert.throws(() => ((cached as { description: string }).description = 'changed by a caller'), TypeError);
});

test('key cache: with other writers, requests for one key that arrive together share a read that started after they arrived', async () => {
  const store = new CountingKeys();
  const keys = new CachedKeys(store.repo(), { sharedWriters: true });
  await keys.get(A, 'k1');
  const first = keys.get(A, 'k1');
  // Written elsewhere after the first read was asked for: the callers after it must see the change.
  store.changeBehind('elsewhere');
  const together = await Promise.all(Array.from({ length: 10 }, () => keys.get(A, 'k1')));
  assert.notEqual((await first)?.description, 'elsewhere');
  assert.ok(together.every((k) => k?.description === 'elsewhere'));
  // The first read, then one read for the ten.
  assert.deepEqual(store.reads, [undefined, 1, 1]);
});

test('key cache: with other writers, a hit reads no version while nothing was committed elsewhere since the last read', async () => {
  const store = new CountingKeys();
  let commits = 7;
  const keys = new CachedKeys(store.repo(), { sharedWriters: true, otherCommits: { read: () => commits } });
  await keys.get(A, 'k1');
  await keys.get(A, 'k1');
  await keys.get(A, 'k1');
  assert.deepEqual(store.reads, [undefined]);
  // Written elsewhere: the commit moves the reading, and the next use reads the version, then the record.
  store.changeBehind('elsewhere');
  commits++;
  assert.equal((await keys.get(A, 'k1'))?.description, 'elsewhere');
  assert.equal((await keys.get(A, 'k1'))?.description, 'elsewhere');
  assert.deepEqual(store.reads, [undefined, 1]);
  // A commit elsewhere that left the key alone costs one version read, no record.
  commits++;
  await keys.get(A, 'k1');
  await keys.get(A, 'k1');
  assert.deepEqual(store.reads, [undefined, 1, 2]);
  assert.equal(store.records, 2);
  // This process's own write: the next use reads the key, whatever the reading says.
  await keys.update(A, 'k1', (k) => ({ ...k, description: 'mine' }));
  assert.equal((await keys.get(A, 'k1'))?.description, 'mine');
  assert.deepEqual(store.reads, [undefined, 1, 2, undefined]);
});

test('key cache: alone on its store, the cache answers from memory and follows its own writes', async () => {
  const store = new CountingKeys();
  const keys = new CachedKeys(store.repo(), { sharedWriters: false });
  await keys.get(A, 'k1');
  await keys.get(A, 'k1');
  assert.deepEqual(store.reads, [undefined]);
  await keys.update(A, 'k1', (k) => ({ ...k, description: 'mine' }));
  assert.equal((await keys.get(A, 'k1'))?.description, 'mine');
  assert.deepEqual(store.reads, [undefined]);
});

test('key cache: cached keys with equal policies hold one copy of the text, however many copies the store gave', async () => {
  // Each read brings a policy text of its own (as a store's parsing of a row does), 64 KiB long.
  const statements = Array.from({ length: 600 }, (_, i) => ({ Sid: `s${i}`, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }));
  const policyText = () => JSON.stringify({ Version: '2012-10-17', Statement: statements });
  const reads = 400;
  const repo: VersionedKeyRepository = {
    ...new CountingKeys().repo(),
    async findVersioned(keyId: string) {
      return { version: 1, key: key(keyId, { policy: policyText() }) };
    },
  };
  const keys = new CachedKeys(repo, { sharedWriters: false });
  const textBytes = policyText().length;
  assert.ok(textBytes > 60_000);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < reads; i++) await keys.get(A, `k${i}`);
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  // One copy each would be ~25 MB; shared, the records and one text take well under a tenth of it.
  assert.ok(grown < (reads * textBytes) / 10, `the cache grew the heap by ${(grown / 1e6).toFixed(1)} MB for ${reads} keys`);
  assert.equal((await keys.get(A, 'k7'))?.policy.length, textBytes);
});
