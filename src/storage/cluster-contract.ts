import assert from 'node:assert/strict';
import type { BackupRecord, ClusterRecord, Hsm, Scope, Subnet } from '../cluster/model.js';
import type { ClusterStore } from '../cluster/repository.js';
import { storeCase } from './contract-harness.js';

export type ClusterRepositoryUnderTest = Pick<ClusterStore, 'subnets' | 'clusters' | 'backups'> & { close(): Promise<void> };

/**
 * The contract every implementation of SubnetRepository, ClusterRepository and BackupRepository
 * keeps. Each implementation's test file calls this with a factory for empty repositories.
 */
export function clusterRepositoriesContract(name: string, open: () => Promise<ClusterRepositoryUnderTest>): void {
  const A: Scope = { accountId: '111122223333', region: 'us-east-1' };
  const B: Scope = { accountId: '444455556666', region: 'us-east-1' };
  const WEST: Scope = { accountId: '111122223333', region: 'us-west-2' };

  const subnet = (scope: Scope, subnetId: string, az: string, extra: Partial<Subnet> = {}): Subnet => ({
    ...scope,
    subnetId,
    vpcId: 'vpc-1',
    availabilityZone: az,
    cidrBlock: '10.0.0.0/24',
    freeAddresses: 250,
    ...extra,
  });

  const hsm = (hsmId: string, extra: Partial<Hsm> = {}): Hsm => ({
    hsmId,
    availabilityZone: 'us-east-1a',
    subnetId: 'subnet-a',
    eniId: `eni-${hsmId}`,
    eniIp: '10.0.0.4',
    state: 'ACTIVE',
    ...extra,
  });

  const cluster = (scope: Scope, clusterId: string, extra: Partial<ClusterRecord> = {}): ClusterRecord => ({
    ...scope,
    clusterId,
    createdAt: 1_000,
    state: 'UNINITIALIZED',
    hsmType: 'hsm2m.medium',
    mode: 'FIPS',
    networkType: 'IPV4',
    vpcId: 'vpc-1',
    securityGroup: 'sg-1',
    subnetMapping: { 'us-east-1a': 'subnet-a' },
    hsms: [],
    backupRetentionDays: 90,
    certificates: {},
    lineageId: clusterId,
    tags: [],
    ...extra,
  });

  const backup = (scope: Scope, backupId: string, createdAt: number, extra: Partial<BackupRecord> = {}): BackupRecord => ({
    ...scope,
    backupId,
    clusterId: 'cluster-1',
    state: 'READY',
    createdAt,
    neverExpires: false,
    hsmType: 'hsm2m.medium',
    mode: 'FIPS',
    tags: [],
    lineageId: 'cluster-1',
    content: { users: [], keys: [], nextHandle: 1 },
    ...extra,
  });

  const withRepos = storeCase(name, open);

  withRepos('initNetwork stores the VPC and its subnets once per scope', async (r) => {
    let calls = 0;
    const setup = (vpcId: string) => () => {
      calls++;
      return { vpcId, subnets: [subnet(A, 'subnet-b', 'us-east-1b', { vpcId }), subnet(A, 'subnet-a', 'us-east-1a', { vpcId })] };
    };
    assert.equal(await r.subnets.initNetwork(A, setup('vpc-first')), 'vpc-first');
    assert.equal(await r.subnets.initNetwork(A, setup('vpc-second')), 'vpc-first');
    assert.equal(calls, 1);
    assert.deepEqual((await r.subnets.list(A)).map((s) => s.subnetId), ['subnet-a', 'subnet-b']);
    for (const s of await r.subnets.list(A)) await r.subnets.remove(A, s.subnetId);
    assert.equal(await r.subnets.initNetwork(A, setup('vpc-third')), 'vpc-first', 'an emptied network stays');
    assert.deepEqual(await r.subnets.list(A), []);
    assert.equal(await r.subnets.initNetwork(WEST, () => ({ vpcId: 'vpc-west', subnets: [] })), 'vpc-west');
  });

  withRepos('initNetwork called at once for one scope creates one network', async (r) => {
    let calls = 0;
    const vpcs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        r.subnets.initNetwork(A, () => {
          calls++;
          return { vpcId: `vpc-${i}`, subnets: [subnet(A, `subnet-${i}`, 'us-east-1a', { vpcId: `vpc-${i}` })] };
        }),
      ),
    );
    assert.equal(calls, 1);
    assert.equal(new Set(vpcs).size, 1);
    assert.equal((await r.subnets.list(A)).length, 1);
  });

  withRepos('subnets are scoped; update is atomic; remove says whether it removed', async (r) => {
    await r.subnets.insert(subnet(A, 'subnet-a', 'us-east-1a'));
    assert.equal((await r.subnets.get(A, 'subnet-a'))?.availabilityZone, 'us-east-1a');
    assert.equal(await r.subnets.get(B, 'subnet-a'), undefined);
    assert.deepEqual(await r.subnets.list(WEST), []);
    assert.equal((await r.subnets.update(A, 'subnet-a', (s) => ({ ...s, freeAddresses: 3 })))?.freeAddresses, 3);
    await assert.rejects(
      r.subnets.update(A, 'subnet-a', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal((await r.subnets.get(A, 'subnet-a'))?.freeAddresses, 3);
    assert.equal(await r.subnets.update(B, 'subnet-a', (s) => s), undefined);
    assert.equal(await r.subnets.remove(B, 'subnet-a'), false);
    assert.equal(await r.subnets.remove(A, 'subnet-a'), true);
    assert.equal(await r.subnets.get(A, 'subnet-a'), undefined);
  });

  withRepos('an id with a NUL character finds nothing and changes nothing', async (r) => {
    await r.subnets.insert(subnet(A, 'subnet-a', 'us-east-1a'));
    await r.clusters.insert(cluster(A, 'cluster-a'));
    assert.equal(await r.subnets.get(A, 'subnet-a\u0000'), undefined);
    assert.equal(await r.subnets.update(A, '\u0000', (s) => ({ ...s, freeAddresses: 0 })), undefined);
    assert.equal(await r.subnets.remove(A, 'subnet-a\u0000'), false);
    assert.equal(await r.clusters.get(A, 'cluster-a\u0000'), undefined);
    assert.equal(await r.clusters.update(A, 'cluster-a\u0000', (c) => ({ ...c, state: 'DELETED' })), undefined);
    await r.clusters.remove(A, 'cluster-a\u0000');
    assert.equal(await r.backups.get(A, 'backup-\u0000'), undefined);
    assert.equal((await r.subnets.get(A, 'subnet-a'))?.availabilityZone, 'us-east-1a');
    assert.equal((await r.clusters.get(A, 'cluster-a'))?.clusterId, 'cluster-a');
  });

  withRepos('clusters are scoped, updated atomically, paged in a stable order, removed', async (r) => {
    for (const id of ['cluster-c', 'cluster-a', 'cluster-b']) await r.clusters.insert(cluster(A, id));
    await r.clusters.insert(cluster(B, 'cluster-0'));
    assert.equal((await r.clusters.get(A, 'cluster-a'))?.clusterId, 'cluster-a');
    assert.equal(await r.clusters.get(B, 'cluster-a'), undefined);
    const first = await r.clusters.list(A, 2);
    assert.deepEqual(first.items.map((c) => c.clusterId), ['cluster-a', 'cluster-b']);
    const second = await r.clusters.list(A, 2, first.next);
    assert.deepEqual(second.items.map((c) => c.clusterId), ['cluster-c']);
    assert.equal(second.next, undefined);
    assert.equal((await r.clusters.update(A, 'cluster-a', (c) => ({ ...c, state: 'ACTIVE' })))?.state, 'ACTIVE');
    await assert.rejects(
      r.clusters.update(A, 'cluster-a', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal((await r.clusters.get(A, 'cluster-a'))?.state, 'ACTIVE');
    assert.equal(await r.clusters.update(WEST, 'cluster-a', (c) => c), undefined);
    assert.deepEqual((await r.clusters.all()).map((c) => c.clusterId).sort(), ['cluster-0', 'cluster-a', 'cluster-b', 'cluster-c']);
    await r.clusters.remove(A, 'cluster-a');
    assert.equal(await r.clusters.get(A, 'cluster-a'), undefined);
  });

  withRepos('due cluster transitions include those of their HSMs, in every scope', async (r) => {
    await r.clusters.insert(cluster(A, 'cluster-own', { state: 'CREATE_IN_PROGRESS', transitionAt: 5_000 }));
    await r.clusters.insert(cluster(B, 'cluster-hsm', { hsms: [hsm('hsm-1'), hsm('hsm-2', { state: 'CREATE_IN_PROGRESS', transitionAt: 3_000 })] }));
    await r.clusters.insert(cluster(A, 'cluster-idle'));
    assert.deepEqual((await r.clusters.dueForTransition(2_999)).map((c) => c.clusterId), []);
    assert.deepEqual((await r.clusters.dueForTransition(3_000)).map((c) => c.clusterId), ['cluster-hsm']);
    assert.deepEqual((await r.clusters.dueForTransition(9_000)).map((c) => c.clusterId).sort(), ['cluster-hsm', 'cluster-own']);
    await r.clusters.update(B, 'cluster-hsm', (c) => ({ ...c, hsms: c.hsms.map((h) => ({ ...h, state: 'ACTIVE', transitionAt: undefined })) }));
    assert.deepEqual((await r.clusters.dueForTransition(9_000)).map((c) => c.clusterId), ['cluster-own']);
  });

  withRepos('backups are scoped, listed oldest first, updated atomically, due across scopes', async (r) => {
    await r.backups.insert(backup(A, 'backup-late', 3_000));
    await r.backups.insert(backup(A, 'backup-early', 1_000, { state: 'CREATE_IN_PROGRESS', transitionAt: 1_500 }));
    await r.backups.insert(backup(WEST, 'backup-west', 2_000, { state: 'PENDING_DELETION', transitionAt: 4_000, deleteTimestamp: 4_000 }));
    assert.deepEqual((await r.backups.list(A)).map((b) => b.backupId), ['backup-early', 'backup-late']);
    assert.equal(await r.backups.get(WEST, 'backup-late'), undefined);
    assert.equal((await r.backups.get(WEST, 'backup-west'))?.deleteTimestamp, 4_000);
    assert.deepEqual((await r.backups.dueForTransition(1_500)).map((b) => b.backupId), ['backup-early']);
    assert.deepEqual((await r.backups.dueForTransition(5_000)).map((b) => b.backupId), ['backup-early', 'backup-west']);
    await r.backups.update(A, 'backup-early', (b) => ({ ...b, state: 'READY', transitionAt: undefined }));
    assert.deepEqual((await r.backups.dueForTransition(5_000)).map((b) => b.backupId), ['backup-west']);
    await assert.rejects(
      r.backups.update(A, 'backup-late', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(await r.backups.update(B, 'backup-late', (b) => b), undefined);
    const content = { users: [{ userId: 3, username: 'kmsuser', role: 'crypto-user' as const, passwordHash: 'x', failedLogins: 0, locked: false }], keys: [], nextHandle: 9 };
    await r.backups.update(A, 'backup-late', (b) => ({ ...b, content }));
    assert.deepEqual((await r.backups.get(A, 'backup-late'))?.content, content);
  });
}
