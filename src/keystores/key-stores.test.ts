import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { rejectsWith } from '../../test/support/cluster-deps.js';
import { CALLER, KMSUSER_PASSWORD, readyWorld, SCOPE, testCa, type KeyStoreWorld } from '../../test/support/keystore-world.js';
import { createCertificateAuthority } from '../cluster/ca.js';
import type { ClusterRecord } from '../cluster/model.js';
import { MAX_STORES_PER_SCOPE } from './context.js';

describe('custom key store operations', () => {
  let w: KeyStoreWorld;
  let cluster: ClusterRecord;
  let anchor: string;
  let foreignAnchor: string;

  const create = (extra: Partial<{ name: string; clusterId: string; trustAnchor: string; password: string; type: string }> = {}) =>
    w.ks.stores.create(SCOPE, { name: 'ExampleKeyStore', clusterId: cluster.clusterId, trustAnchor: anchor, password: KMSUSER_PASSWORD, ...extra });

  /** A cluster created from a backup of `source`, with two ACTIVE HSMs: it shares the source's backup history. */
  async function restored(source: ClusterRecord, hsms = 2): Promise<ClusterRecord> {
    const backup = await w.cluster.s.clusters.backupNow(SCOPE, source.clusterId);
    const subnets = await w.cluster.s.network.list(SCOPE);
    const c = await w.cluster.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: subnets.slice(0, 2).map((s) => s.subnetId), sourceBackupId: backup.backupId });
    const zones = Object.keys(c.subnetMapping).sort();
    for (let i = 0; i < hsms; i++) await w.cluster.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: zones[i]! });
    return w.cluster.s.clusters.get(SCOPE, c.clusterId);
  }

  before(async () => {
    anchor = (await testCa()).certificatePem;
    foreignAnchor = (await createCertificateAuthority('Someone Else')).certificatePem;
  });
  beforeEach(async () => {
    ({ w, cluster } = await readyWorld());
  });
  afterEach(() => w.close());

  describe('CreateCustomKeyStore', () => {
    it('makes a DISCONNECTED store with a cks- id; the password is kept sealed', async () => {
      const id = await create();
      assert.match(id, /^cks-[0-9a-f]{17}$/);
      const s = await w.ks.stores.get(SCOPE, id);
      assert.equal(s.connectionState, 'DISCONNECTED');
      assert.equal(s.connectionErrorCode, undefined);
      assert.equal(s.type, 'AWS_CLOUDHSM');
      assert.equal(s.lineageId, cluster.lineageId);
      assert.ok(!JSON.stringify(s).includes(KMSUSER_PASSWORD), 'no plaintext password in the record');
    });

    it('is idempotent for the same values; the same name with other values is CustomKeyStoreNameInUseException', async () => {
      const id = await create();
      assert.equal(await create(), id);
      await rejectsWith(create({ password: 'OtherPassword1' }), 'CustomKeyStoreNameInUseException', /ExampleKeyStore already exists/);
    });

    it('CloudHsmClusterNotFoundException for an unknown cluster', async () => {
      await rejectsWith(create({ clusterId: 'cluster-zzzzzzzzzzz' }), 'CloudHsmClusterNotFoundException', /cluster-zzzzzzzzzzz does not exist/);
    });

    it('CloudHsmClusterInUseException for a cluster that backs a store, or that shares its backup history', async () => {
      await create();
      await rejectsWith(create({ name: 'Second' }), 'CloudHsmClusterInUseException', /already associated/);
      const related = await restored(cluster);
      await rejectsWith(create({ name: 'Third', clusterId: related.clusterId }), 'CloudHsmClusterInUseException', /shares a backup history/);
    });

    it('CloudHsmClusterNotActiveException for a cluster that is not ACTIVE', async () => {
      await w.cluster.store.clusters.update(SCOPE, cluster.clusterId, (c) => ({ ...c, state: 'INITIALIZED' }));
      await rejectsWith(create(), 'CloudHsmClusterNotActiveException', /is INITIALIZED, not ACTIVE/);
    });

    it('IncorrectTrustAnchorException for another certificate; line breaks do not matter', async () => {
      await rejectsWith(create({ trustAnchor: foreignAnchor }), 'IncorrectTrustAnchorException', /does not match/);
      const id = await create({ trustAnchor: anchor.replace(/\n/g, '\r\n') });
      assert.match(id, /^cks-/);
    });

    it('CloudHsmClusterInvalidConfigurationException without two active HSMs in different zones', async () => {
      const oneHsm = await w.activeCluster({ zones: 2, hsms: 1 });
      await rejectsWith(create({ clusterId: oneHsm.clusterId }), 'CloudHsmClusterInvalidConfigurationException', /1 active HSM in 1 Availability Zone/);
    });

    it('LimitExceededException beyond ten stores; other types are not supported', async () => {
      for (let i = 0; i < MAX_STORES_PER_SCOPE; i++) {
        const n = String(i).padStart(17, '0');
        await w.repo.insert(
          { ...SCOPE, customKeyStoreId: `cks-${n}`, name: `s${i}`, type: 'AWS_CLOUDHSM', clusterId: `cluster-other${i}aaaaaa`, lineageId: `x${i}`, trustAnchor: anchor, sealedPassword: 'x', connectionState: 'DISCONNECTED', createdAt: 0, attempt: 0 },
          MAX_STORES_PER_SCOPE,
        );
      }
      await rejectsWith(create(), 'LimitExceededException', /already has 10 custom key stores/);
      await rejectsWith(create({ type: 'EXTERNAL_KEY_STORE' }), 'UnsupportedOperationException', /AWS_CLOUDHSM only/);
    });
  });

  describe('DescribeCustomKeyStores', () => {
    it('by id, by name, or all of them a page at a time', async () => {
      const id = await create();
      const other = await w.activeCluster();
      const second = await create({ name: 'Second', clusterId: other.clusterId });
      assert.deepEqual((await w.ks.stores.describe(SCOPE, { customKeyStoreId: id })).items.map((s) => s.name), ['ExampleKeyStore']);
      assert.deepEqual((await w.ks.stores.describe(SCOPE, { name: 'Second' })).items.map((s) => s.customKeyStoreId), [second]);
      const first = await w.ks.stores.describe(SCOPE, { limit: 1 });
      assert.equal(first.items.length, 1);
      const rest = await w.ks.stores.describe(SCOPE, { limit: 1, after: first.next });
      assert.deepEqual([...first.items, ...rest.items].map((s) => s.customKeyStoreId).sort(), [id, second].sort());
      assert.equal(rest.next, undefined);
      await rejectsWith(w.ks.stores.describe(SCOPE, { customKeyStoreId: 'cks-00000000000000000' }), 'CustomKeyStoreNotFoundException');
      await rejectsWith(w.ks.stores.describe(SCOPE, { name: 'Nope' }), 'CustomKeyStoreNotFoundException', /named Nope/);
      await rejectsWith(w.ks.stores.describe(SCOPE, { customKeyStoreId: id, name: 'Second' }), 'ValidationException');
    });
  });

  describe('UpdateCustomKeyStore', () => {
    let id: string;
    beforeEach(async () => (id = await create()));

    it('renames while CONNECTED; password and cluster only while DISCONNECTED', async () => {
      await w.ks.stores.connect(SCOPE, id);
      await rejectsWith(w.ks.stores.update(SCOPE, id, { newName: 'Renamed' }), 'CustomKeyStoreInvalidStateException', /is CONNECTING/);
      await w.settle(id);
      await w.ks.stores.update(SCOPE, id, { newName: 'Renamed' });
      assert.equal((await w.ks.stores.get(SCOPE, id)).name, 'Renamed');
      await rejectsWith(w.ks.stores.update(SCOPE, id, { password: 'Whatever1' }), 'CustomKeyStoreInvalidStateException', /only when it is DISCONNECTED/);
      await rejectsWith(w.ks.stores.update(SCOPE, id, { clusterId: cluster.clusterId }), 'CustomKeyStoreInvalidStateException');
    });

    it('CustomKeyStoreNameInUseException for a name another store has', async () => {
      const other = await w.activeCluster();
      await create({ name: 'Taken', clusterId: other.clusterId });
      await rejectsWith(w.ks.stores.update(SCOPE, id, { newName: 'Taken' }), 'CustomKeyStoreNameInUseException');
      await w.ks.stores.update(SCOPE, id, { newName: 'ExampleKeyStore' });
    });

    it('a new password tells the service the current one and changes nothing in the cluster', async () => {
      await w.ks.stores.update(SCOPE, id, { password: 'NotTheRealOne1' });
      await w.ks.stores.connect(SCOPE, id);
      assert.equal(await w.settle(id), 'FAILED');
      assert.equal((await w.ks.stores.get(SCOPE, id)).connectionErrorCode, 'INVALID_CREDENTIALS');
      await w.ks.stores.disconnect(SCOPE, id);
      await w.ks.stores.update(SCOPE, id, { password: KMSUSER_PASSWORD });
      await w.ks.stores.connect(SCOPE, id);
      assert.equal(await w.settle(id), 'CONNECTED');
    });

    it('a cluster restored from a backup of the original is accepted, even once the original is gone', async () => {
      const related = await restored(cluster);
      for (const h of cluster.hsms) await w.cluster.s.clusters.deleteHsm(SCOPE, cluster.clusterId, { hsmId: h.hsmId });
      await w.cluster.s.clusters.get(SCOPE, cluster.clusterId);
      await w.cluster.s.clusters.delete(SCOPE, cluster.clusterId);
      await w.ks.stores.update(SCOPE, id, { clusterId: related.clusterId });
      assert.equal((await w.ks.stores.get(SCOPE, id)).clusterId, related.clusterId);
    });

    it('CloudHsmClusterNotRelatedException for a cluster of another backup history; NotFound, NotActive and InvalidConfiguration as for create', async () => {
      const unrelated = await w.activeCluster();
      await rejectsWith(w.ks.stores.update(SCOPE, id, { clusterId: unrelated.clusterId }), 'CloudHsmClusterNotRelatedException', /does not share a backup history/);
      await rejectsWith(w.ks.stores.update(SCOPE, id, { clusterId: 'cluster-zzzzzzzzzzz' }), 'CloudHsmClusterNotFoundException');
      const bare = await restored(cluster, 1);
      await rejectsWith(w.ks.stores.update(SCOPE, id, { clusterId: bare.clusterId }), 'CloudHsmClusterInvalidConfigurationException');
      await w.cluster.store.clusters.update(SCOPE, bare.clusterId, (c) => ({ ...c, state: 'DEGRADED' }));
      await rejectsWith(w.ks.stores.update(SCOPE, id, { clusterId: bare.clusterId }), 'CloudHsmClusterNotActiveException');
      assert.equal((await w.ks.stores.get(SCOPE, id)).clusterId, cluster.clusterId);
    });
  });

  describe('DeleteCustomKeyStore', () => {
    it('only a DISCONNECTED store without keys; the cluster keeps its users and key objects', async () => {
      const id = await create();
      await w.ks.stores.connect(SCOPE, id);
      await w.settle(id);
      const key = await w.kms.keys.create(CALLER, { origin: 'AWS_CLOUDHSM', customKeyStoreId: id });
      await rejectsWith(w.ks.stores.delete(SCOPE, id), 'CustomKeyStoreInvalidStateException', /is CONNECTED/);
      await w.ks.stores.disconnect(SCOPE, id);
      await w.kms.keys.scheduleDeletion(CALLER, key.key.keyId, 7);
      await rejectsWith(w.ks.stores.delete(SCOPE, id), 'CustomKeyStoreHasCMKsException', /contains 1 KMS key/);
      await w.kmsStore.keys.remove(CALLER, key.key.keyId);
      await w.ks.stores.delete(SCOPE, id);
      await rejectsWith(w.ks.stores.get(SCOPE, id), 'CustomKeyStoreNotFoundException');
      const users = (await w.hsm.users.list(SCOPE, cluster.clusterId)).map((u) => u.username);
      assert.ok(users.includes('kmsuser'));
      // The cluster can back a new store.
      assert.match(await create({ name: 'Again', password: 'unknown-now' }), /^cks-/);
    });
  });
});
