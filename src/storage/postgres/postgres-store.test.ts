import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freshSchema } from '../../../test/support/postgres.js';
import { secureRandom } from '../../core/random.js';
import { Sealer } from '../../core/sealer.js';
import { clusterRepositoriesContract } from '../cluster-contract.js';
import { kmsStoreContract, storedKey } from '../contract.js';
import { faultRepositoryContract } from '../fault-contract.js';
import { hsmStoreContract } from '../hsm-contract.js';
import { keyStoreRepositoryContract } from '../keystore-contract.js';
import { leaseRepositoryContract } from '../lease-contract.js';
import { pgClusterRepositories } from './cluster-store.js';
import { openPgDatabase, type PgDatabase } from './database.js';
import { pgFaultRepository } from './fault-store.js';
import { pgHsmStore } from './hsm-store.js';
import { pgKeyStoreRepository } from './keystore-store.js';
import { pgKmsStore } from './kms-store.js';
import { pgLeaseRepository } from './lease-store.js';
import { pgChangeCounters } from './change-counters.js';
import { pgClockSettingRepository } from './clock-setting-store.js';
import { CLOCK_COUNTER, CLUSTER_STATE_COUNTER, FAULTS_COUNTER } from '../../core/shared-state.js';
import { migrate, SchemaTooNew } from './schema.js';
import { SCHEMA } from './stores.js';

// Every storage contract suite, against PostgreSQL: each case on a schema of its own on this
// process's throwaway server (test/support/postgres.ts), with the whole schema migrated.

const sealer = new Sealer(Buffer.alloc(32, 3), secureRandom);

async function migrated(): Promise<PgDatabase> {
  const db = await openPgDatabase(await freshSchema());
  await migrate(db, SCHEMA);
  return db;
}

/** A factory for one port's store: a fresh database whose pool closes with the store. */
const on = <S extends object>(build: (db: PgDatabase) => S) => async () => {
  const db = await migrated();
  return { ...build(db), close: () => db.close() };
};

kmsStoreContract('postgres', on(pgKmsStore));
clusterRepositoriesContract('postgres', on(pgClusterRepositories));
hsmStoreContract('postgres', on((db) => pgHsmStore(db, sealer)));
keyStoreRepositoryContract('postgres', on((db) => ({ stores: pgKeyStoreRepository(db) })));
faultRepositoryContract('postgres', on((db) => ({ faults: pgFaultRepository(db) })));
// Two pools on one database: two nodes.
leaseRepositoryContract('postgres', async (now) => {
  const url = await freshSchema();
  const [a, b] = await Promise.all([openPgDatabase(url), openPgDatabase(url)]);
  await migrate(a!, SCHEMA);
  return {
    leases: pgLeaseRepository(a!, now),
    other: pgLeaseRepository(b!, now),
    close: async () => void (await Promise.all([a!.close(), b!.close()])),
  };
});

test('postgres: nodes that start at once migrate the schema once, and a later start finds nothing to do', async () => {
  const url = await freshSchema();
  const nodes = await Promise.all(Array.from({ length: 4 }, () => openPgDatabase(url)));
  try {
    await Promise.all(nodes.map((db) => migrate(db, SCHEMA)));
    const { rows } = await nodes[0]!.pool.query<{ part: string; version: number }>('SELECT part, version FROM schema_migrations ORDER BY part');
    assert.deepEqual(rows, SCHEMA.map((p) => ({ part: p.part, version: p.steps.length })).sort((a, b) => a.part.localeCompare(b.part)));
    await migrate(nodes[1]!, SCHEMA);
    // A store written by one node is read by another.
    await pgKmsStore(nodes[2]!).settings.set('x', 'from node 3');
    assert.equal(await pgKmsStore(nodes[3]!).settings.get('x'), 'from node 3');
  } finally {
    await Promise.all(nodes.map((db) => db.close()));
  }
});

test('postgres: custom key stores made before names became bytes keep their names, found and unique as before', async () => {
  const db = await openPgDatabase(await freshSchema());
  try {
    const keystores = SCHEMA.find((p) => p.part === 'keystores')!;
    const before = SCHEMA.map((p) => (p === keystores ? { ...p, steps: keystores.steps.slice(0, 1) } : p));
    await migrate(db, before);
    const repo = pgKeyStoreRepository(db);
    const scope = { accountId: '111122223333', region: 'us-east-1' };
    const made = { ...scope, customKeyStoreId: 'cks-00000000000000001', name: 'déjà vu', type: 'AWS_CLOUDHSM', clusterId: 'cluster-abcdefghij1', lineageId: 'cluster-abcdefghij1', trustAnchor: 'x', sealedPassword: 'x', connectionState: 'DISCONNECTED', createdAt: 1, attempt: 0 } as const;
    await db.pool.query('INSERT INTO custom_key_stores (custom_key_store_id, account_id, region, name, connection_state, doc) VALUES ($1, $2, $3, $4, $5, $6)', [made.customKeyStoreId, scope.accountId, scope.region, made.name, made.connectionState, JSON.stringify(made)]);
    await migrate(db, SCHEMA);
    assert.equal((await repo.findByName(scope, 'déjà vu'))?.customKeyStoreId, made.customKeyStoreId);
    assert.equal(await repo.insert({ ...made, customKeyStoreId: 'cks-00000000000000002' }, 10), 'name-taken');
  } finally {
    await db.close();
  }
});

test('postgres: a node older than the schema refuses to start', async () => {
  const db = await migrated();
  try {
    await db.pool.query("UPDATE schema_migrations SET version = version + 1 WHERE part = 'faults'");
    await assert.rejects(migrate(db, SCHEMA), (err: Error) => err instanceof SchemaTooNew && /schema for faults is at version 2, newer than this Keywarden knows \(1\)/.test(err.message));
  } finally {
    await db.close();
  }
});

test('postgres: a key changed by two nodes at once loses neither change', async () => {
  const url = await freshSchema();
  const first = await openPgDatabase(url);
  await migrate(first, SCHEMA);
  const second = await openPgDatabase(url);
  try {
    const [a, b] = [pgKmsStore(first), pgKmsStore(second)];
    const scope = { accountId: '111122223333', region: 'us-east-1' };
    await a.keys.insert(storedKey(scope, 'k1', { createdAt: 1, materials: [] }));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).keys.update(scope, 'k1', (k) => ({ ...k, tags: [...k.tags, { key: `t${i}`, value: '' }] }))),
    );
    assert.deepEqual((await a.keys.get(scope, 'k1'))?.tags.map((t) => t.key).sort(), Array.from({ length: 10 }, (_, i) => `t${i}`).sort());
  } finally {
    await first.close();
    await second.close();
  }
});

test('postgres: two nodes moving the clock at once each see the other move; fault and clock changes move their counters', async () => {
  const url = await freshSchema();
  const [a, b] = await Promise.all([openPgDatabase(url), openPgDatabase(url)]);
  try {
    await migrate(a!, SCHEMA);
    const [ca, cb] = [pgClockSettingRepository(a!), pgClockSettingRepository(b!)];
    const before = await pgChangeCounters(b!).read();
    await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? cb : ca).changeOffset((o) => o + 1_000)));
    assert.equal(await cb.offset(), 6_000);
    await pgFaultRepository(a!).put({ kind: 'NETWORK_CUT', target: 'cluster-abcdefghijk', createdAt: 0 });
    const after = await pgChangeCounters(b!).read();
    assert.equal((after.get(CLOCK_COUNTER) ?? 0) - (before.get(CLOCK_COUNTER) ?? 0), 6);
    assert.equal((after.get(FAULTS_COUNTER) ?? 0) - (before.get(FAULTS_COUNTER) ?? 0), 1);
    await cb.setStandingAt(12_345);
    assert.equal(await ca.standingAt(), 12_345);
  } finally {
    await Promise.all([a!.close(), b!.close()]);
  }
});

test('postgres: every change of a custom key store, a cluster, its content or its sessions moves the cluster-state counter, in its own transaction', async () => {
  const url = await freshSchema();
  const [a, b] = await Promise.all([openPgDatabase(url), openPgDatabase(url)]);
  try {
    await migrate(a!, SCHEMA);
    const counter = async () => (await pgChangeCounters(b!).read()).get(CLUSTER_STATE_COUNTER) ?? 0;
    const moved = async (change: () => Promise<unknown>) => {
      const before = await counter();
      await change();
      return (await counter()) > before;
    };
    const scope = { accountId: '111122223333', region: 'us-east-1' };
    const hsm = pgHsmStore(a!, sealer);
    const session = { sessionId: 's1', clusterId: 'cluster-1', username: 'kmsuser', role: 'crypto-user' as const, client: 'kms' as const, openedAt: 1 };
    assert.ok(await moved(() => hsm.contents.put('cluster-1', { users: [], keys: [], nextHandle: 1 })), 'hsm_contents');
    assert.ok(await moved(() => hsm.sessions.open(session)), 'hsm_sessions');
    assert.ok(await moved(() => hsm.sessions.closeAll('cluster-1')), 'hsm_sessions, closed');
    const stores = pgKeyStoreRepository(a!);
    const store = {
      ...scope,
      customKeyStoreId: 'cks-00000000000000001',
      name: 'one',
      type: 'AWS_CLOUDHSM' as const,
      clusterId: 'cluster-1',
      lineageId: 'cluster-1',
      trustAnchor: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
      sealedPassword: 'c2VhbGVk',
      connectionState: 'DISCONNECTED' as const,
      createdAt: 1,
      attempt: 0,
    };
    assert.ok(await moved(() => stores.insert(store, 10)), 'custom_key_stores');
    const refused = () => {
      throw new Error('refused');
    };
    assert.equal(await moved(() => stores.update(scope, store.customKeyStoreId, refused).catch(() => undefined)), false, 'a change rolled back moves nothing');
    // Written by hand, bypassing every repository: the trigger still sees it.
    assert.ok(await moved(() => a!.pool.query('DELETE FROM custom_key_stores')), 'a change made outside the repositories');
  } finally {
    await Promise.all([a!.close(), b!.close()]);
  }
});

test('postgres: a key read with the version a node holds comes back without its record; any write gives a new version', async () => {
  const db = await migrated();
  try {
    const keys = pgKmsStore(db).keys;
    const scope = { accountId: '111122223333', region: 'us-east-1' };
    await keys.insert({ ...scope, keyId: 'k1', createdAt: 1, description: '', keyUsage: 'ENCRYPT_DECRYPT', keySpec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS', state: 'Enabled', policy: '{}', tags: [], rotation: { enabled: false }, materials: [] });
    const first = await keys.findVersioned('k1', scope.region);
    assert.equal(first?.key?.keyId, 'k1');
    assert.deepEqual(await keys.findVersioned('k1', scope.region, first!.version), { version: first!.version });
    await keys.update(scope, 'k1', (k) => ({ ...k, description: 'changed' }));
    const second = await keys.findVersioned('k1', scope.region, first!.version);
    assert.ok(second!.version > first!.version);
    assert.equal(second?.key?.description, 'changed');
    assert.equal(await keys.findVersioned('k2', scope.region), undefined);
  } finally {
    await db.close();
  }
});
