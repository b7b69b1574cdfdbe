import assert from 'node:assert/strict';
import type { CustomKeyStoreRecord, Scope } from '../keystores/model.js';
import { type CustomKeyStoreRepository, DuplicateStoreName } from '../keystores/repository.js';
import { storeCase } from './contract-harness.js';

export interface OpenedKeyStoreRepository {
  stores: CustomKeyStoreRepository;
  close(): Promise<void>;
}

/**
 * The contract every CustomKeyStoreRepository implementation keeps. Each implementation's test
 * file calls this with a factory for an empty repository.
 */
export function keyStoreRepositoryContract(name: string, open: () => Promise<OpenedKeyStoreRepository>): void {
  const A: Scope = { accountId: '111122223333', region: 'us-east-1' };
  const B: Scope = { accountId: '444455556666', region: 'us-east-1' };

  const store = (scope: Scope, n: number, extra: Partial<CustomKeyStoreRecord> = {}): CustomKeyStoreRecord => ({
    ...scope,
    customKeyStoreId: `cks-${String(n).padStart(17, '0')}`,
    name: `store-${n}`,
    type: 'AWS_CLOUDHSM',
    clusterId: `cluster-abcdefghij${n}`,
    lineageId: `cluster-abcdefghij${n}`,
    trustAnchor: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    sealedPassword: 'c2VhbGVk',
    connectionState: 'DISCONNECTED',
    createdAt: 1_000,
    attempt: 0,
    ...extra,
  });

  const withStore = storeCase(name, open);
  const withRepo = (title: string, body: (r: CustomKeyStoreRepository) => Promise<void>) => withStore(title, (opened) => body(opened.stores));

  withRepo('stores are scoped to account and Region, by id and by name', async (r) => {
    assert.equal(await r.insert(store(A, 1), 10), 'inserted');
    assert.equal((await r.get(A, store(A, 1).customKeyStoreId))?.name, 'store-1');
    assert.equal(await r.get(B, store(A, 1).customKeyStoreId), undefined);
    assert.equal((await r.findByName(A, 'store-1'))?.customKeyStoreId, store(A, 1).customKeyStoreId);
    assert.equal(await r.findByName(B, 'store-1'), undefined);
  });

  withRepo('an id or a name with a NUL character finds nothing and changes nothing', async (r) => {
    assert.equal(await r.insert(store(A, 1), 10), 'inserted');
    const id = `${store(A, 1).customKeyStoreId}\u0000`;
    assert.equal(await r.get(A, id), undefined);
    assert.equal(await r.get(A, '\u0000'), undefined);
    assert.equal(await r.findByName(A, 'store-1\u0000'), undefined);
    assert.equal(await r.update(A, id, (s) => ({ ...s, name: 'changed' })), undefined);
    assert.equal(await r.remove(A, id, () => {}), false);
    assert.equal((await r.get(A, store(A, 1).customKeyStoreId))?.name, 'store-1');
  });

  withRepo('a name may hold a NUL character: stored, found and renamed as any other, and distinct from the name without it', async (r) => {
    assert.equal(await r.insert(store(A, 1, { name: 'a\u0000b' }), 10), 'inserted');
    assert.equal(await r.insert(store(A, 2, { name: 'ab' }), 10), 'inserted');
    assert.equal(await r.insert(store(A, 3, { name: 'a\u0000b' }), 10), 'name-taken');
    assert.equal((await r.findByName(A, 'a\u0000b'))?.customKeyStoreId, store(A, 1).customKeyStoreId);
    assert.equal((await r.get(A, store(A, 1).customKeyStoreId))?.name, 'a\u0000b');
    await r.update(A, store(A, 2).customKeyStoreId, (s) => ({ ...s, name: '\u0000' }));
    assert.equal((await r.findByName(A, '\u0000'))?.customKeyStoreId, store(A, 2).customKeyStoreId);
    assert.equal(await r.findByName(A, 'ab'), undefined);
  });

  withRepo('insert refuses a name in use in the scope, and more than the quota', async (r) => {
    assert.equal(await r.insert(store(A, 1), 2), 'inserted');
    assert.equal(await r.insert(store(A, 2, { name: 'store-1' }), 2), 'name-taken');
    assert.equal(await r.insert(store(B, 3, { name: 'store-1' }), 2), 'inserted');
    assert.equal(await r.insert(store(A, 4), 2), 'inserted');
    assert.equal(await r.insert(store(A, 5), 2), 'limit-exceeded');
    assert.equal(await r.get(A, store(A, 5).customKeyStoreId), undefined);
  });

  withRepo('creations at once keep the quota and give a name to one store only', async (r) => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => r.insert(store(A, i + 1), 3)));
    assert.equal(results.filter((x) => x === 'inserted').length, 3);
    assert.equal((await r.list(A, 10)).items.length, 3);
    const named = await Promise.all(Array.from({ length: 4 }, (_, i) => r.insert(store(B, i + 20, { name: 'same' }), 10)));
    assert.deepEqual(named.filter((x) => x === 'inserted').length, 1);
    assert.equal(named.filter((x) => x === 'name-taken').length, 3);
  });

  withRepo('update is atomic, and a rename to a name in use throws DuplicateStoreName', async (r) => {
    await r.insert(store(A, 1), 10);
    await r.insert(store(A, 2), 10);
    const id = store(A, 1).customKeyStoreId;
    const updated = await r.update(A, id, (s) => ({ ...s, connectionState: 'CONNECTING', attempt: 1, connectAt: 5 }));
    assert.equal(updated?.connectionState, 'CONNECTING');
    await assert.rejects(
      r.update(A, id, () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    await assert.rejects(r.update(A, id, (s) => ({ ...s, name: 'store-2', connectionState: 'FAILED' })), DuplicateStoreName);
    assert.equal((await r.get(A, id))?.connectionState, 'CONNECTING');
    assert.equal((await r.update(A, id, (s) => ({ ...s, name: 'renamed' })))?.name, 'renamed');
    assert.equal((await r.findByName(A, 'renamed'))?.customKeyStoreId, id);
    assert.equal(await r.findByName(A, 'store-1'), undefined);
    assert.equal(await r.update(B, id, (s) => s), undefined);
  });

  withRepo('list pages in id order within one scope', async (r) => {
    for (const n of [3, 1, 2, 4]) await r.insert(store(A, n), 10);
    await r.insert(store(B, 5), 10);
    const first = await r.list(A, 3);
    assert.deepEqual(first.items.map((s) => s.name), ['store-1', 'store-2', 'store-3']);
    assert.ok(first.next);
    const second = await r.list(A, 3, first.next);
    assert.deepEqual(second.items.map((s) => s.name), ['store-4']);
    assert.equal(second.next, undefined);
  });

  withRepo('remove runs its check inside the transaction', async (r) => {
    await r.insert(store(A, 1), 10);
    const id = store(A, 1).customKeyStoreId;
    await assert.rejects(
      r.remove(A, id, () => {
        throw new Error('connected');
      }),
      /connected/,
    );
    assert.ok(await r.get(A, id));
    assert.equal(await r.remove(B, id, () => {}), false);
    assert.equal(await r.remove(A, id, () => {}), true);
    assert.equal(await r.get(A, id), undefined);
    assert.equal(await r.insert(store(A, 6, { name: 'store-1' }), 10), 'inserted', 'the name is free again');
  });

  withRepo('stores are found by connection state across scopes', async (r) => {
    await r.insert(store(A, 1, { connectionState: 'CONNECTING' }), 10);
    await r.insert(store(B, 2, { connectionState: 'CONNECTING' }), 10);
    await r.insert(store(A, 3, { connectionState: 'CONNECTED' }), 10);
    assert.deepEqual((await r.inState('CONNECTING')).map((s) => s.name), ['store-1', 'store-2']);
    await r.update(A, store(A, 1).customKeyStoreId, (s) => ({ ...s, connectionState: 'FAILED', connectionErrorCode: 'NETWORK_ERRORS' }));
    assert.deepEqual((await r.inState('CONNECTING')).map((s) => s.name), ['store-2']);
    assert.equal((await r.inState('FAILED'))[0]?.connectionErrorCode, 'NETWORK_ERRORS');
  });
}
