import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DAY_MS } from '../core/clock.js';
import { clusterWorld, rejectsWith, SCOPE, type ClusterWorld } from '../../test/support/cluster-deps.js';
import type { ClusterContent, ClusterRecord } from './model.js';
import { timingsOf } from './transitions.js';

const content = (nextHandle: number): ClusterContent => ({ users: [], keys: [], nextHandle });

/** An ACTIVE cluster with one ACTIVE HSM, as activation leaves it (put straight into the store). */
async function activeCluster(w: ClusterWorld, clusterId = 'cluster-aaaaaaaaaab', extra: Partial<ClusterRecord> = {}): Promise<ClusterRecord> {
  const [a] = await w.s.network.list(SCOPE);
  const c: ClusterRecord = {
    ...SCOPE,
    clusterId,
    createdAt: w.clock.now(),
    state: 'ACTIVE',
    hsmType: 'hsm2m.medium',
    mode: 'FIPS',
    networkType: 'IPV4',
    vpcId: a!.vpcId,
    securityGroup: 'sg-00000000000000000',
    subnetMapping: { 'us-east-1a': a!.subnetId },
    hsms: [{ hsmId: 'hsm-aaaaaaaaaaa', availabilityZone: 'us-east-1a', subnetId: a!.subnetId, eniId: 'eni-00000000000000000', eniIp: '10.0.0.4', state: 'ACTIVE' }],
    backupRetentionDays: 90,
    certificates: { clusterCertificate: 'CERT' },
    trustAnchor: 'ANCHOR',
    lineageId: 'lineage-1',
    tags: [],
    ...extra,
  };
  await w.store.clusters.insert(c);
  await w.store.contents.put(clusterId, content(1));
  return c;
}

describe('BackupService', () => {
  let w: ClusterWorld;
  beforeEach(() => (w = clusterWorld()));
  afterEach(() => w.close());

  it('snapshots the content at the moment it is taken, with the cluster identity', async () => {
    const c = await activeCluster(w);
    const b = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    assert.match(b.backupId, /^backup-[a-z2-7]{11}$/);
    await w.store.contents.put(c.clusterId, content(99));
    const ready = await w.s.backups.get(SCOPE, b.backupId);
    assert.equal(ready.state, 'READY');
    assert.equal(ready.content.nextHandle, 1);
    assert.equal(ready.lineageId, 'lineage-1');
    assert.equal(ready.clusterCertificate, 'CERT');
    assert.equal(ready.trustAnchor, 'ANCHOR');
    assert.equal(ready.hsmType, 'hsm2m.medium');
    await rejectsWith(w.s.clusters.backupNow(SCOPE, 'cluster-aaaaaaaaaaz'), 'CloudHsmResourceNotFoundException');
  });

  it('is CREATE_IN_PROGRESS until the backup delay has passed', async () => {
    w.close();
    w = clusterWorld(timingsOf(1_000));
    const c = await activeCluster(w);
    const b = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    assert.equal((await w.s.backups.get(SCOPE, b.backupId)).state, 'CREATE_IN_PROGRESS');
    w.clock.advance(1_000);
    assert.equal(await w.s.backups.settleDue(), 1);
    assert.equal((await w.s.backups.get(SCOPE, b.backupId)).state, 'READY');
  });

  it('DeleteBackup → PENDING_DELETION for 7 days, RestoreBackup → READY, then DELETED', async () => {
    const c = await activeCluster(w);
    const b = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    await rejectsWith(w.s.backups.restore(SCOPE, b.backupId), 'CloudHsmInvalidRequestException', /PENDING_DELETION/);
    const pending = await w.s.backups.delete(SCOPE, b.backupId);
    assert.equal(pending.state, 'PENDING_DELETION');
    assert.equal(pending.deleteTimestamp, w.clock.now() + 7 * DAY_MS);
    await rejectsWith(w.s.backups.delete(SCOPE, b.backupId), 'CloudHsmInvalidRequestException', /only a backup in state READY/);
    const restored = await w.s.backups.restore(SCOPE, b.backupId);
    assert.equal(restored.state, 'READY');
    assert.equal(restored.deleteTimestamp, undefined);
    await w.s.backups.delete(SCOPE, b.backupId);
    w.clock.advance(7 * DAY_MS - 1);
    assert.equal((await w.s.backups.get(SCOPE, b.backupId)).state, 'PENDING_DELETION');
    w.clock.advance(1);
    const gone = await w.s.backups.get(SCOPE, b.backupId);
    assert.equal(gone.state, 'DELETED');
    assert.deepEqual(gone.content.users, []);
    await rejectsWith(w.s.backups.restore(SCOPE, b.backupId), 'CloudHsmInvalidRequestException', /state DELETED/);
    await rejectsWith(w.s.backups.delete(SCOPE, 'backup-aaaaaaaaaaa'), 'CloudHsmResourceNotFoundException', 'Backup backup-aaaaaaaaaaa not found.');
  });

  it('describes with filters, newest first unless SortAscending, in pages', async () => {
    const c1 = await activeCluster(w, 'cluster-aaaaaaaaaab');
    const c2 = await activeCluster(w, 'cluster-aaaaaaaaaac');
    const b1 = await w.s.clusters.backupNow(SCOPE, c1.clusterId);
    w.clock.advance(1000);
    const b2 = await w.s.clusters.backupNow(SCOPE, c2.clusterId);
    w.clock.advance(1000);
    const b3 = await w.s.clusters.backupNow(SCOPE, c1.clusterId);
    await w.s.backups.setNeverExpires(SCOPE, b2.backupId, true);
    await w.s.backups.delete(SCOPE, b3.backupId);
    const ids = async (input: Parameters<typeof w.s.backups.describe>[1]) => (await w.s.backups.describe(SCOPE, input)).items.map((b) => b.backupId);
    assert.deepEqual(await ids({}), [b3.backupId, b2.backupId, b1.backupId]);
    assert.deepEqual(await ids({ sortAscending: true }), [b1.backupId, b2.backupId, b3.backupId]);
    assert.deepEqual(await ids({ filters: { clusterIds: [c1.clusterId] } }), [b3.backupId, b1.backupId]);
    assert.deepEqual(await ids({ filters: { backupIds: [b2.backupId] } }), [b2.backupId]);
    assert.deepEqual(await ids({ filters: { states: ['PENDING_DELETION'] } }), [b3.backupId]);
    assert.deepEqual(await ids({ filters: { neverExpires: ['true'] } }), [b2.backupId]);
    assert.deepEqual(await ids({ filters: { neverExpires: ['False'] } }), [b3.backupId, b1.backupId]);
    const first = await w.s.backups.describe(SCOPE, { maxResults: 2, sortAscending: true });
    assert.deepEqual(first.items.map((b) => b.backupId), [b1.backupId, b2.backupId]);
    const rest = await w.s.backups.describe(SCOPE, { maxResults: 2, sortAscending: true, nextToken: first.next });
    assert.deepEqual(rest.items.map((b) => b.backupId), [b3.backupId]);
    assert.equal(rest.next, undefined);
    await rejectsWith(w.s.backups.describe(SCOPE, { filters: { bogus: ['1'] } }), 'CloudHsmInvalidRequestException', /Invalid filter key: bogus/);
    await rejectsWith(w.s.backups.describe(SCOPE, { filters: { neverExpires: ['maybe'] } }), 'CloudHsmInvalidRequestException');
  });

  it('takes a daily backup of ACTIVE clusters with an ACTIVE HSM', async () => {
    await activeCluster(w, 'cluster-aaaaaaaaaab');
    await activeCluster(w, 'cluster-aaaaaaaaaac', { hsms: [] });
    await activeCluster(w, 'cluster-aaaaaaaaaad', { state: 'INITIALIZED' });
    assert.equal(await w.s.backups.takeDaily(), 1);
    assert.equal(await w.s.backups.takeDaily(), 0);
    w.clock.advance(DAY_MS - 1);
    assert.equal(await w.s.backups.takeDaily(), 0);
    w.clock.advance(1);
    assert.equal(await w.s.backups.takeDaily(), 1);
    const backups = (await w.s.backups.describe(SCOPE, {})).items;
    assert.deepEqual([...new Set(backups.map((b) => b.clusterId))], ['cluster-aaaaaaaaaab']);
  });

  it('purges backups past the retention period, except the newest and NeverExpires ones', async () => {
    const c = await activeCluster(w, 'cluster-aaaaaaaaaab', { backupRetentionDays: 7 });
    const old = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    const kept = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    await w.s.backups.setNeverExpires(SCOPE, kept.backupId, true);
    w.clock.advance(DAY_MS);
    const newest = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    w.clock.advance(7 * DAY_MS);
    assert.equal(await w.s.backups.purgeExpired(), 1);
    assert.equal((await w.s.backups.get(SCOPE, old.backupId)).state, 'PENDING_DELETION');
    assert.equal((await w.s.backups.get(SCOPE, kept.backupId)).state, 'READY');
    assert.equal((await w.s.backups.get(SCOPE, newest.backupId)).state, 'READY');
    // Purged like a manual delete: restorable for 7 days.
    assert.equal((await w.s.backups.restore(SCOPE, old.backupId)).state, 'READY');
  });

  it('copies a READY backup to another region: same content and lineage, source recorded', async () => {
    const c = await activeCluster(w);
    const b = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    const west = { ...SCOPE, region: 'us-west-2' };
    const copy = await w.s.backups.copyToRegion(SCOPE, b.backupId, 'us-west-2', [{ key: 'dr', value: 'yes' }]);
    assert.equal(copy.sourceRegion, 'us-east-1');
    assert.equal(copy.sourceBackup, b.backupId);
    assert.equal(copy.sourceCluster, c.clusterId);
    assert.equal(copy.copyTimestamp, w.clock.now());
    const there = (await w.s.backups.describe(west, { filters: { sourceBackupIds: [b.backupId] } })).items;
    assert.deepEqual(there.map((x) => x.backupId), [copy.backupId]);
    assert.equal(there[0]!.state, 'READY');
    assert.equal(there[0]!.lineageId, 'lineage-1');
    assert.deepEqual(there[0]!.tags, [{ key: 'dr', value: 'yes' }]);
    const [sw] = await w.s.network.list(west);
    const restored = await w.s.clusters.create(west, { hsmType: 'hsm2m.medium', subnetIds: [sw!.subnetId], sourceBackupId: copy.backupId });
    assert.equal(restored.lineageId, 'lineage-1');
    await rejectsWith(w.s.backups.copyToRegion(SCOPE, b.backupId, 'us-east-1'), 'CloudHsmInvalidRequestException', /must differ/);
    await w.s.backups.delete(SCOPE, b.backupId);
    await rejectsWith(w.s.backups.copyToRegion(SCOPE, b.backupId, 'eu-west-1'), 'CloudHsmInvalidRequestException', /READY/);
  });

  it('puts, gets and deletes a resource policy on a READY backup only', async () => {
    const c = await activeCluster(w);
    const b = await w.s.clusters.backupNow(SCOPE, c.clusterId);
    const arn = `arn:aws:cloudhsm:us-east-1:111122223333:backup/${b.backupId}`;
    assert.equal((await w.s.backups.getPolicy(SCOPE, arn)).resourcePolicy, undefined);
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    assert.equal((await w.s.backups.putPolicy(SCOPE, arn, policy)).resourcePolicy, policy);
    assert.equal((await w.s.backups.getPolicy(SCOPE, arn)).resourcePolicy, policy);
    assert.equal((await w.s.backups.deletePolicy(SCOPE, arn)).resourcePolicy, policy);
    assert.equal((await w.s.backups.getPolicy(SCOPE, arn)).resourcePolicy, undefined);
    await rejectsWith(w.s.backups.putPolicy(SCOPE, arn, 'not json'), 'CloudHsmInvalidRequestException', /JSON/);
    await rejectsWith(
      w.s.backups.putPolicy(SCOPE, `arn:aws:cloudhsm:us-east-1:111122223333:cluster/${c.clusterId}`, policy),
      'CloudHsmInvalidRequestException',
      /Only backups/,
    );
    await rejectsWith(w.s.backups.putPolicy(SCOPE, undefined, policy), 'CloudHsmInvalidRequestException', /ResourceArn/);
    await rejectsWith(
      w.s.backups.getPolicy(SCOPE, 'arn:aws:cloudhsm:us-east-1:111122223333:backup/backup-aaaaaaaaaaa'),
      'CloudHsmResourceNotFoundException',
    );
    await w.s.backups.delete(SCOPE, b.backupId);
    await rejectsWith(w.s.backups.putPolicy(SCOPE, arn, policy), 'CloudHsmInvalidRequestException', /READY/);
  });
});
