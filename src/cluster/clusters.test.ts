import assert from 'node:assert/strict';
import { afterEach, before, beforeEach, describe, it } from 'node:test';
import { clusterWorld, rejectsWith, SCOPE, type ClusterWorld } from '../../test/support/cluster-deps.js';
import { createCertificateAuthority, signClusterCsr, type CertificateAuthority } from './ca.js';
import { INITIALIZING_MESSAGE } from './clusters.js';
import type { ClusterRecord } from './model.js';
import { timingsOf } from './transitions.js';

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
before(async () => {
  [ca, otherCa] = await Promise.all([createCertificateAuthority('Test CA'), createCertificateAuthority('Test CA')]);
});

async function subnetIds(w: ClusterWorld, n = 2): Promise<string[]> {
  return (await w.s.network.list(SCOPE)).slice(0, n).map((s) => s.subnetId);
}

/** A new cluster with HSMs in us-east-1a and us-east-1b, settled (so it has its CSR). */
async function uninitialized(w: ClusterWorld): Promise<ClusterRecord> {
  const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w) });
  await w.s.clusters.get(SCOPE, c.clusterId);
  await w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1a' });
  await w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1b' });
  return w.s.clusters.get(SCOPE, c.clusterId);
}

async function initialized(w: ClusterWorld): Promise<ClusterRecord> {
  const c = await uninitialized(w);
  const signed = await signClusterCsr(ca, c.certificates.clusterCsr!, 3650, { now: w.clock.now() });
  await w.s.clusters.initialize(SCOPE, c.clusterId, { signedCert: signed, trustAnchor: ca.certificatePem });
  return w.s.clusters.get(SCOPE, c.clusterId);
}

describe('ClusterService', () => {
  let w: ClusterWorld;
  beforeEach(() => (w = clusterWorld()));
  afterEach(() => w.close());

  describe('CreateCluster', () => {
    it('starts CREATE_IN_PROGRESS with AWS-shaped ids, then becomes UNINITIALIZED', async () => {
      const ids = await subnetIds(w, 3);
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: ids, tags: [{ key: 'team', value: 'kms' }] });
      assert.match(c.clusterId, /^cluster-[a-z2-7]{11}$/);
      assert.match(c.securityGroup, /^sg-[0-9a-f]{17}$/);
      assert.equal(c.state, 'CREATE_IN_PROGRESS');
      assert.equal(c.mode, 'FIPS');
      assert.equal(c.backupRetentionDays, 90);
      assert.equal(c.lineageId, c.clusterId);
      assert.deepEqual(Object.keys(c.subnetMapping).sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
      assert.deepEqual(c.certificates, {});
      assert.equal((await w.s.clusters.get(SCOPE, c.clusterId)).state, 'UNINITIALIZED');
    });

    it('waits for the configured delay before the state changes', async () => {
      w.close();
      w = clusterWorld(timingsOf(2_000));
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w) });
      w.clock.advance(1_999);
      assert.equal((await w.s.clusters.get(SCOPE, c.clusterId)).state, 'CREATE_IN_PROGRESS');
      w.clock.advance(1);
      assert.equal(await w.s.clusters.settleDue(), 1);
      assert.equal((await w.s.clusters.get(SCOPE, c.clusterId)).state, 'UNINITIALIZED');
    });

    it('rejects what AWS rejects', async () => {
      const [a, b] = await subnetIds(w);
      const create = (input: Partial<Parameters<typeof w.s.clusters.create>[1]>) =>
        w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: [a!, b!], ...input });
      await rejectsWith(create({ hsmType: 'hsm9.huge' }), 'CloudHsmInvalidRequestException', 'Provided HsmType is not supported.');
      await rejectsWith(create({ hsmType: 'hsm1.medium', mode: 'NON_FIPS' }), 'CloudHsmInvalidRequestException', /FIPS/);
      await rejectsWith(create({ subnetIds: ['subnet-0123456789abcdef0'] }), 'CloudHsmResourceNotFoundException', /subnet-0123456789abcdef0/);
      await rejectsWith(create({ subnetIds: [a!, a!] }), 'CloudHsmInvalidRequestException', /more than once/);
      const d = await w.s.network.createSubnet(SCOPE, { availabilityZone: 'us-east-1a' });
      await rejectsWith(create({ subnetIds: [a!, d.subnetId] }), 'CloudHsmInvalidRequestException', /both in Availability Zone us-east-1a/);
      for (const value of ['6', '380', 'x', undefined]) {
        await rejectsWith(create({ backupRetentionPolicy: { type: 'DAYS', value } }), 'CloudHsmInvalidRequestException', /7 to 379/);
      }
      assert.equal((await create({ backupRetentionPolicy: { type: 'DAYS', value: '379' } })).backupRetentionDays, 379);
      await rejectsWith(create({ tags: [{ key: 'aws:x', value: '' }] }), 'CloudHsmTagException');
      await rejectsWith(create({ sourceBackupId: 'backup-aaaaaaaaaaa' }), 'CloudHsmResourceNotFoundException', /backup-aaaaaaaaaaa/);
    });
  });

  describe('HSMs', () => {
    it('takes an address from the subnet of its AZ, and the first active HSM issues the CSR', async () => {
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w) });
      await w.s.clusters.get(SCOPE, c.clusterId);
      const [a] = await w.s.network.list(SCOPE);
      const { hsm } = await w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1a', ipAddress: '10.0.0.10' });
      assert.match(hsm.hsmId, /^hsm-[a-z2-7]{11}$/);
      assert.match(hsm.eniId, /^eni-[0-9a-f]{17}$/);
      assert.equal(hsm.eniIp, '10.0.0.10');
      assert.equal(hsm.subnetId, a!.subnetId);
      assert.equal(hsm.state, 'CREATE_IN_PROGRESS');
      assert.equal((await w.s.network.get(SCOPE, a!.subnetId))?.freeAddresses, a!.freeAddresses - 1);
      const settled = await w.s.clusters.get(SCOPE, c.clusterId);
      assert.equal(settled.hsms[0]!.state, 'ACTIVE');
      assert.match(settled.certificates.clusterCsr!, /^-----BEGIN CERTIFICATE REQUEST-----/);
      assert.match(settled.certificates.hsmCertificate!, /^-----BEGIN CERTIFICATE-----/);
      assert.ok(settled.certificates.awsHardwareCertificate && settled.certificates.manufacturerHardwareCertificate);
      assert.ok(settled.csrKey, 'the CSR key is kept, sealed');
      assert.ok(!settled.csrKey!.includes('PRIVATE KEY'));
      await rejectsWith(
        w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1b', ipAddress: '10.0.0.10' }),
        'CloudHsmInvalidRequestException',
        /not a usable address/,
      );
    });

    it('refuses an AZ outside the mapping, a cluster in the wrong state, and a subnet with no free address', async () => {
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w) });
      await rejectsWith(
        w.s.clusters.createHsm(SCOPE, 'cluster-aaaaaaaaaaa', { availabilityZone: 'us-east-1a' }),
        'CloudHsmResourceNotFoundException',
      );
      await w.s.clusters.get(SCOPE, c.clusterId);
      await rejectsWith(w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1c' }), 'CloudHsmInvalidRequestException', /subnet mapping/);
      const [a] = await w.s.network.list(SCOPE);
      await w.s.network.setFreeAddresses(SCOPE, a!.subnetId, 0);
      await rejectsWith(w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1a' }), 'CloudHsmInvalidRequestException', /no free IP/);
      assert.equal((await w.s.clusters.get(SCOPE, c.clusterId)).hsms.length, 0);
    });

    it('deletes an HSM by id, ENI id or ENI IP, and gives its address back', async () => {
      const c = await uninitialized(w);
      const [h1, h2] = c.hsms;
      const before = (await w.s.network.get(SCOPE, h1!.subnetId))!.freeAddresses;
      assert.equal(await w.s.clusters.deleteHsm(SCOPE, c.clusterId, { eniIp: h1!.eniIp }), h1!.hsmId);
      assert.equal((await w.s.clusters.get(SCOPE, c.clusterId)).hsms.length, 1);
      assert.equal((await w.s.network.get(SCOPE, h1!.subnetId))!.freeAddresses, before + 1);
      assert.equal(await w.s.clusters.deleteHsm(SCOPE, c.clusterId, { eniId: h2!.eniId }), h2!.hsmId);
      await rejectsWith(w.s.clusters.deleteHsm(SCOPE, c.clusterId, { hsmId: h2!.hsmId }), 'CloudHsmResourceNotFoundException');
      await rejectsWith(w.s.clusters.deleteHsm(SCOPE, c.clusterId, {}), 'CloudHsmInvalidRequestException', /HsmId, EniId or EniIp/);
    });
  });

  describe('InitializeCluster and activation', () => {
    it('accepts the CSR signed by the trust anchor, keeps both certificates and drops the CSR', async () => {
      const c = await uninitialized(w);
      const signed = await signClusterCsr(ca, c.certificates.clusterCsr!, 3650, { now: w.clock.now() });
      const r = await w.s.clusters.initialize(SCOPE, c.clusterId, { signedCert: signed, trustAnchor: ca.certificatePem });
      assert.equal(r.state, 'INITIALIZE_IN_PROGRESS');
      assert.equal(r.stateMessage, INITIALIZING_MESSAGE);
      const done = await w.s.clusters.get(SCOPE, c.clusterId);
      assert.equal(done.state, 'INITIALIZED');
      assert.equal(done.stateMessage, undefined);
      assert.deepEqual(done.certificates, { clusterCertificate: signed });
      assert.equal(done.trustAnchor, ca.certificatePem);
      assert.equal(done.csrKey, undefined);
      assert.match(done.preCoPassword!, /^[A-Za-z0-9]{7,32}$/);
      await rejectsWith(
        w.s.clusters.initialize(SCOPE, c.clusterId, { signedCert: signed, trustAnchor: ca.certificatePem }),
        'CloudHsmInvalidRequestException',
        /state INITIALIZED/,
      );
    });

    it('rejects a certificate from another CA, and one for another CSR, saying why', async () => {
      const c = await uninitialized(w);
      const foreign = await signClusterCsr(otherCa, c.certificates.clusterCsr!, 3650, { now: w.clock.now() });
      await rejectsWith(
        w.s.clusters.initialize(SCOPE, c.clusterId, { signedCert: foreign, trustAnchor: ca.certificatePem }),
        'CloudHsmInvalidRequestException',
        /not signed by the trust anchor/,
      );
      // Another cluster's CSR carries a key of its own (the world otherwise reuses one for speed).
      w.deps.csrKeyPairs = undefined;
      const other = await uninitialized(w);
      const wrongCsr = await signClusterCsr(ca, other.certificates.clusterCsr!, 3650, { now: w.clock.now() });
      await rejectsWith(
        w.s.clusters.initialize(SCOPE, c.clusterId, { signedCert: wrongCsr, trustAnchor: ca.certificatePem }),
        'CloudHsmInvalidRequestException',
        /public key/,
      );
      assert.equal((await w.s.clusters.get(SCOPE, c.clusterId)).state, 'UNINITIALIZED');
    });

    it('refuses a cluster without an active HSM (no CSR yet)', async () => {
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w) });
      await w.s.clusters.get(SCOPE, c.clusterId);
      await rejectsWith(
        w.s.clusters.initialize(SCOPE, c.clusterId, { signedCert: ca.certificatePem, trustAnchor: ca.certificatePem }),
        'CloudHsmInvalidRequestException',
        /no active HSM/,
      );
    });

    it('activate: INITIALIZED → ACTIVE, PreCoPassword gone, first backup taken', async () => {
      const c = await initialized(w);
      await rejectsWith(w.s.clusters.backupNow(SCOPE, c.clusterId), 'CloudHsmInvalidRequestException', /state INITIALIZED/);
      const active = await w.s.clusters.activate(SCOPE, c.clusterId);
      assert.equal(active.state, 'ACTIVE');
      assert.equal(active.preCoPassword, undefined);
      const backups = (await w.s.backups.describe(SCOPE, {})).items;
      assert.equal(backups.length, 1);
      assert.equal(backups[0]!.clusterId, c.clusterId);
      assert.equal(backups[0]!.state, 'READY');
      assert.equal(backups[0]!.clusterCertificate, c.certificates.clusterCertificate);
      await rejectsWith(w.s.clusters.activate(SCOPE, c.clusterId), 'CloudHsmInvalidRequestException', /state ACTIVE/);
    });

    it('adding or removing an HSM of an active cluster takes a backup; an uninitialized one does not', async () => {
      const c = await initialized(w);
      await w.s.clusters.deleteHsm(SCOPE, c.clusterId, { hsmId: c.hsms[1]!.hsmId });
      assert.equal((await w.s.backups.describe(SCOPE, {})).items.length, 0);
      await w.s.clusters.activate(SCOPE, c.clusterId);
      await w.s.clusters.createHsm(SCOPE, c.clusterId, { availabilityZone: 'us-east-1b' });
      await w.s.clusters.deleteHsm(SCOPE, c.clusterId, { hsmId: c.hsms[0]!.hsmId });
      assert.equal((await w.s.backups.describe(SCOPE, {})).items.length, 3);
    });
  });

  describe('restoring from a backup', () => {
    it('creates an ACTIVE cluster holding the backup content with the same lineage and certificates', async () => {
      const c = await initialized(w);
      await w.store.contents.put(c.clusterId, { users: [], keys: [], nextHandle: 7 });
      await w.s.clusters.activate(SCOPE, c.clusterId);
      const [backup] = (await w.s.backups.describe(SCOPE, {})).items;
      const restored = await w.s.clusters.create(SCOPE, {
        hsmType: 'hsm2m.medium',
        subnetIds: await subnetIds(w, 3),
        sourceBackupId: `arn:aws:cloudhsm:us-east-1:111122223333:backup/${backup!.backupId}`,
      });
      assert.equal(restored.sourceBackupId, backup!.backupId);
      assert.equal(restored.lineageId, c.lineageId);
      assert.deepEqual(restored.certificates, { clusterCertificate: c.certificates.clusterCertificate });
      assert.equal(restored.trustAnchor, ca.certificatePem);
      assert.equal((await w.s.clusters.get(SCOPE, restored.clusterId)).state, 'ACTIVE');
      assert.equal((await w.store.contents.get(restored.clusterId))?.nextHandle, 7);
      await rejectsWith(
        w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w), sourceBackupId: backup!.backupId, mode: 'NON_FIPS' }),
        'CloudHsmInvalidRequestException',
        /FIPS mode/,
      );
      await w.s.backups.delete(SCOPE, backup!.backupId);
      await rejectsWith(
        w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w), sourceBackupId: backup!.backupId }),
        'CloudHsmInvalidRequestException',
        /PENDING_DELETION/,
      );
    });
  });

  describe('DeleteCluster, ModifyCluster, DescribeClusters', () => {
    it('refuses while HSMs exist, then goes DELETE_IN_PROGRESS and is gone with its content', async () => {
      const c = await uninitialized(w);
      await rejectsWith(w.s.clusters.delete(SCOPE, c.clusterId), 'CloudHsmInvalidRequestException', /still has HSMs/);
      for (const h of c.hsms) await w.s.clusters.deleteHsm(SCOPE, c.clusterId, { hsmId: h.hsmId });
      await w.store.contents.put(c.clusterId, { users: [], keys: [], nextHandle: 1 });
      const deleting = await w.s.clusters.delete(SCOPE, c.clusterId);
      assert.equal(deleting.state, 'DELETE_IN_PROGRESS');
      assert.equal(await w.s.clusters.find(SCOPE, c.clusterId), undefined);
      assert.equal(await w.store.contents.get(c.clusterId), undefined);
      await rejectsWith(w.s.clusters.delete(SCOPE, c.clusterId), 'CloudHsmResourceNotFoundException', `Cluster ${c.clusterId} not found.`);
    });

    it('modifies the retention period and migrates hsm1.medium to hsm2m.medium only when ACTIVE', async () => {
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm1.medium', subnetIds: await subnetIds(w) });
      assert.equal((await w.s.clusters.modify(SCOPE, c.clusterId, { backupRetentionPolicy: { type: 'DAYS', value: '30' } })).backupRetentionDays, 30);
      await rejectsWith(w.s.clusters.modify(SCOPE, c.clusterId, { hsmType: 'hsm2m.medium' }), 'CloudHsmInvalidRequestException', /only an ACTIVE/);
      await rejectsWith(w.s.clusters.modify(SCOPE, c.clusterId, { backupRetentionPolicy: { value: '1000' } }), 'CloudHsmInvalidRequestException');
    });

    it('filters by clusterIds, states and vpcIds, pages with NextToken, and rejects unknown filters', async () => {
      const ids = await subnetIds(w);
      const made = [];
      for (let i = 0; i < 3; i++) {
        made.push(await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: ids }));
        w.clock.advance(1);
      }
      const first = await w.s.clusters.describe(SCOPE, { maxResults: 2 });
      assert.deepEqual(first.items.map((c) => c.clusterId), made.slice(0, 2).map((c) => c.clusterId));
      assert.ok(first.next);
      const second = await w.s.clusters.describe(SCOPE, { maxResults: 2, nextToken: first.next });
      assert.deepEqual(second.items.map((c) => c.clusterId), [made[2]!.clusterId]);
      assert.equal(second.next, undefined);
      const one = await w.s.clusters.describe(SCOPE, { filters: { clusterIds: [made[1]!.clusterId] } });
      assert.deepEqual(one.items.map((c) => c.clusterId), [made[1]!.clusterId]);
      assert.equal((await w.s.clusters.describe(SCOPE, { filters: { states: ['ACTIVE'] } })).items.length, 0);
      assert.equal((await w.s.clusters.describe(SCOPE, { filters: { states: ['UNINITIALIZED'] } })).items.length, 3);
      assert.equal((await w.s.clusters.describe(SCOPE, { filters: { vpcIds: [made[0]!.vpcId] } })).items.length, 3);
      assert.equal((await w.s.clusters.describe({ ...SCOPE, region: 'us-west-2' }, {})).items.length, 0);
      await rejectsWith(w.s.clusters.describe(SCOPE, { filters: { names: ['x'] } }), 'CloudHsmInvalidRequestException', /Invalid filter key: names/);
      await rejectsWith(w.s.clusters.describe(SCOPE, { nextToken: '!!' }), 'CloudHsmInvalidRequestException', /NextToken/);
    });
  });

  describe('tags', () => {
    it('tags, untags and lists tags of clusters and backups', async () => {
      const c = await w.s.clusters.create(SCOPE, { hsmType: 'hsm2m.medium', subnetIds: await subnetIds(w), tags: [{ key: 'b', value: '1' }] });
      await w.s.tags.tag(SCOPE, c.clusterId, [
        { key: 'a', value: '2' },
        { key: 'b', value: '3' },
      ]);
      assert.deepEqual((await w.s.tags.list(SCOPE, c.clusterId)).items, [
        { key: 'a', value: '2' },
        { key: 'b', value: '3' },
      ]);
      const page = await w.s.tags.list(SCOPE, c.clusterId, 1);
      assert.deepEqual((await w.s.tags.list(SCOPE, c.clusterId, 1, page.next)).items, [{ key: 'b', value: '3' }]);
      await w.s.tags.untag(SCOPE, c.clusterId, ['a', 'zz']);
      assert.deepEqual((await w.s.tags.list(SCOPE, c.clusterId)).items, [{ key: 'b', value: '3' }]);
      const many = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: '' }));
      await rejectsWith(w.s.tags.tag(SCOPE, c.clusterId, many), 'CloudHsmResourceLimitExceededException');
      await rejectsWith(w.s.tags.tag(SCOPE, 'cluster-aaaaaaaaaaa', [{ key: 'x', value: '' }]), 'CloudHsmResourceNotFoundException');
      await rejectsWith(w.s.tags.tag(SCOPE, 'backup-aaaaaaaaaaa', [{ key: 'x', value: '' }]), 'CloudHsmResourceNotFoundException');
    });
  });
});

