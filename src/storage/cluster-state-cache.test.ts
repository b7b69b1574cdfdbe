import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClusterRecord } from '../cluster/model.js';
import type { ClusterStore } from '../cluster/repository.js';
import { CLUSTER_STATE_COUNTER, SharedState } from '../core/shared-state.js';
import type { CustomKeyStoreRecord } from '../keystores/model.js';
import { secureRandom } from '../core/random.js';
import { Sealer } from '../core/sealer.js';
import { clusterRepositoriesContract } from './cluster-contract.js';
import { StateCache, withClusterStateCache } from './cluster-state-cache.js';
import { hsmStoreContract } from './hsm-contract.js';
import { keyStoreRepositoryContract } from './keystore-contract.js';
import { clusterRepositoriesOn } from './sqlite/cluster-store.js';
import { changeCountersOn, clusterStateCounterOn } from './sqlite/change-counters.js';
import { type Db, openDatabase } from './sqlite/database.js';
import { hsmStoreOn } from './sqlite/hsm-store.js';
import { keyStoreStoreOn } from './sqlite/keystore-store.js';

const sealer = new Sealer(Buffer.alloc(32, 3), secureRandom);
const SCOPE = { accountId: '111122223333', region: 'us-east-1' };

function keyStore(): CustomKeyStoreRecord {
  return {
    ...SCOPE,
    customKeyStoreId: 'cks-00000000000000002',
    name: 'two',
    type: 'AWS_CLOUDHSM',
    clusterId: 'cluster-1',
    lineageId: 'cluster-1',
    trustAnchor: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    sealedPassword: 'c2VhbGVk',
    connectionState: 'DISCONNECTED',
    createdAt: 1,
    attempt: 0,
  };
}

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

    const scope = SCOPE;
    const store = keyStore();
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

/**
 * Two nodes on one file, as `serve --shared-store` runs them: each its own connection, its own
 * cache, and the counters it reads before each request (the reload the service registers).
 */
async function twoNodes(body: (a: Node, b: Node) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-state-cache-'));
  const dbs = [openDatabase(join(dir, 'keywarden.db')), openDatabase(join(dir, 'keywarden.db'))];
  try {
    await body(node(dbs[0]!), node(dbs[1]!));
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Node = ReturnType<typeof node>;

function node(db: Db) {
  const cluster: ClusterStore = { ...clusterRepositoriesOn(db), ...hsmStoreOn(db, sealer) };
  const keyStores = keyStoreStoreOn(db);
  const counters = changeCountersOn(db);
  clusterStateCounterOn(db);
  const cache = new StateCache();
  const shared = new SharedState(counters, { [CLUSTER_STATE_COUNTER]: async () => cache.forget() });
  return { ...withClusterStateCache(cluster, keyStores, cache), db, cache, refresh: () => shared.refresh() };
}

const kmsSession = (sessionId: string) => ({ sessionId, clusterId: 'cluster-1', username: 'kmsuser', role: 'crypto-user' as const, client: 'kms' as const, openedAt: 1 });

test('state cache, two nodes: what one node changes shows on the other at its next refresh, and only then', () =>
  twoNodes(async (a, b) => {
    await a.refresh();
    await b.refresh();
    await a.cluster.sessions.open(kmsSession('s1'));
    assert.equal((await b.cluster.sessions.list('cluster-1')).length, 1);
    await a.cluster.sessions.close('s1');
    assert.equal((await b.cluster.sessions.list('cluster-1')).length, 1, 'b keeps its copy until it refreshes');
    await b.refresh();
    assert.deepEqual(await b.cluster.sessions.list('cluster-1'), []);

    await b.cluster.contents.put('cluster-1', { users: [], keys: [], nextHandle: 1 });
    assert.equal((await a.cluster.contents.get('cluster-1'))?.nextHandle, 1);
    await b.cluster.contents.update('cluster-1', (c) => ({ ...c, nextHandle: 2 }));
    await a.refresh();
    assert.equal((await a.cluster.contents.get('cluster-1'))?.nextHandle, 2);
  }));

test('state cache, two nodes: every table a custom-key-store call reads moves the counter, in the change\u2019s own transaction', () =>
  twoNodes(async (a, b) => {
    const counter = async () => (await changeCountersOn(a.db).read()).get(CLUSTER_STATE_COUNTER) ?? 0;
    const moved = async (change: () => Promise<unknown>) => {
      const before = await counter();
      await change();
      return (await counter()) > before;
    };
    const cluster = { ...SCOPE, clusterId: 'cluster-1', state: 'ACTIVE', hsms: [] } as unknown as ClusterRecord;
    assert.ok(await moved(() => b.cluster.clusters.insert(cluster)), 'clusters');
    assert.ok(await moved(() => b.cluster.contents.put('cluster-1', { users: [], keys: [], nextHandle: 1 })), 'hsm_contents');
    assert.ok(await moved(() => b.cluster.sessions.open(kmsSession('s2'))), 'hsm_sessions');
    assert.ok(await moved(() => b.keyStores.insert(keyStore(), 10)), 'custom_key_stores');
    assert.ok(await moved(() => b.keyStores.update(SCOPE, keyStore().customKeyStoreId, (s) => ({ ...s, connectionState: 'CONNECTED' }))), 'custom_key_stores, update');
    // Written by hand on another connection, bypassing every repository: the triggers still see it.
    assert.ok(await moved(async () => b.db.prepare('DELETE FROM hsm_sessions').run()), 'a change made outside the repositories');
    // A change that failed (its transaction rolled back) moved nothing.
    assert.equal(
      await moved(() =>
        b.keyStores
          .update(SCOPE, keyStore().customKeyStoreId, () => {
            throw new Error('refused');
          })
          .catch(() => undefined),
      ),
      false,
    );
  }));

