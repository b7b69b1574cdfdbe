import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterStore } from '../cluster/repository.js';
import type { CustomKeyStoreRecord } from '../keystores/model.js';
import { secureRandom } from '../core/random.js';
import { Sealer } from '../core/sealer.js';
import { clusterRepositoriesContract } from './cluster-contract.js';
import { StateCache, withClusterStateCache } from './cluster-state-cache.js';
import { hsmStoreContract } from './hsm-contract.js';
import { keyStoreRepositoryContract } from './keystore-contract.js';
import { clusterRepositoriesOn } from './sqlite/cluster-store.js';
import { openDatabase } from './sqlite/database.js';
import { hsmStoreOn } from './sqlite/hsm-store.js';
import { keyStoreStoreOn } from './sqlite/keystore-store.js';

const sealer = new Sealer(Buffer.alloc(32, 3), secureRandom);

/** SQLite's repositories behind the cache, as a service alone on its data directory has them. */
function cachedOnSqlite() {
  const db = openDatabase(':memory:');
  const cluster: ClusterStore = { ...clusterRepositoriesOn(db), ...hsmStoreOn(db, sealer) };
  const cached = withClusterStateCache(cluster, keyStoreStoreOn(db));
  return { ...cached, db, close: async () => void db.close() };
}

// Behind the cache, each repository keeps its whole contract.
clusterRepositoriesContract('sqlite behind the state cache', async () => {
  const { cluster, close } = cachedOnSqlite();
  return { subnets: cluster.subnets, clusters: cluster.clusters, backups: cluster.backups, close };
});
hsmStoreContract('sqlite behind the state cache', async () => {
  const { cluster, close } = cachedOnSqlite();
  return { contents: cluster.contents, sessions: cluster.sessions, close };
});
keyStoreRepositoryContract('sqlite behind the state cache', async () => {
  const { keyStores, close } = cachedOnSqlite();
  return { stores: keyStores, close };
});

test('state cache: a kept read is not read again until a write ends', async () => {
  const cache = new StateCache();
  let loads = 0;
  const load = async () => ({ n: ++loads });
  assert.deepEqual(await cache.read('a', load), { n: 1 });
  assert.deepEqual(await cache.read('a', load), { n: 1 });
  await cache.write(async () => undefined);
  assert.deepEqual(await cache.read('a', load), { n: 2 });
  // A write that fails may still have changed something: it forgets too.
  await assert.rejects(cache.write(async () => Promise.reject(new Error('refused'))), /refused/);
  assert.deepEqual(await cache.read('a', load), { n: 3 });
});

test('state cache: a read that was running while a write ended keeps nothing', async () => {
  const cache = new StateCache();
  let release!: (v: string) => void;
  const slow = cache.read('a', () => new Promise<string>((resolve) => (release = resolve)));
  await cache.write(async () => undefined);
  release('read before the write');
  assert.equal(await slow, 'read before the write');
  assert.equal(await cache.read('a', async () => 'read after the write'), 'read after the write');
});

test('state cache: what is kept is frozen, and the cache holds at most its limit', async () => {
  const cache = new StateCache(2);
  const kept = await cache.read('a', async () => ({ users: [{ locked: false }] }));
  assert.throws(() => {
    kept.users[0]!.locked = true;
  }, TypeError);
  await cache.read('b', async () => 1);
  await cache.read('c', async () => 2);
  assert.equal(cache.size, 2);
  assert.equal(await cache.read('a', async () => 'read again'), 'read again');
});

test('state cache: a session opened or closed, a store connected, a key object added show on the next read', async () => {
  const { cluster, keyStores, close } = cachedOnSqlite();
  try {
    const session = { sessionId: 's1', clusterId: 'cluster-1', username: 'kmsuser', role: 'crypto-user' as const, client: 'kms' as const, openedAt: 1 };
    assert.deepEqual(await cluster.sessions.list('cluster-1'), []);
    await cluster.sessions.open(session);
    assert.deepEqual((await cluster.sessions.list('cluster-1')).map((s) => s.sessionId), ['s1']);
    assert.equal((await cluster.sessions.get('s1'))?.username, 'kmsuser');
    await cluster.sessions.closeAll('cluster-1');
    assert.equal(await cluster.sessions.get('s1'), undefined);
    assert.deepEqual(await cluster.sessions.list('cluster-1'), []);

    await cluster.contents.put('cluster-1', { users: [], keys: [], nextHandle: 1 });
    assert.equal((await cluster.contents.get('cluster-1'))?.nextHandle, 1);
    await cluster.contents.update('cluster-1', (c) => ({ ...c, nextHandle: 2 }));
    assert.equal((await cluster.contents.get('cluster-1'))?.nextHandle, 2);

    const scope = { accountId: '111122223333', region: 'us-east-1' };
    const store: CustomKeyStoreRecord = {
      ...scope,
      customKeyStoreId: 'cks-00000000000000001',
      name: 'one',
      type: 'AWS_CLOUDHSM',
      clusterId: 'cluster-1',
      lineageId: 'cluster-1',
      trustAnchor: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
      sealedPassword: 'c2VhbGVk',
      connectionState: 'DISCONNECTED',
      createdAt: 1,
      attempt: 0,
    };
    assert.equal(await keyStores.insert(store, 10), 'inserted');
    assert.equal((await keyStores.get(scope, store.customKeyStoreId))?.connectionState, 'DISCONNECTED');
    await keyStores.update(scope, store.customKeyStoreId, (s) => ({ ...s, connectionState: 'CONNECTED' }));
    assert.equal((await keyStores.get(scope, store.customKeyStoreId))?.connectionState, 'CONNECTED');
    await keyStores.remove(scope, store.customKeyStoreId, () => undefined);
    assert.equal(await keyStores.get(scope, store.customKeyStoreId), undefined);
  } finally {
    await close();
  }
});
