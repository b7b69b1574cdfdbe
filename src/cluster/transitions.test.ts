import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackupRecord, ClusterRecord, Hsm } from './model.js';
import { nextClusterTransition, settleBackup, settleCluster } from './transitions.js';

const hsm = (id: string, extra: Partial<Hsm>): Hsm => ({
  hsmId: id,
  availabilityZone: 'us-east-1a',
  subnetId: 'subnet-1',
  eniId: 'eni-1',
  eniIp: '10.0.0.4',
  state: 'ACTIVE',
  ...extra,
});

const cluster = (extra: Partial<ClusterRecord>): ClusterRecord => ({
  accountId: '111122223333',
  region: 'us-east-1',
  clusterId: 'cluster-aaaaaaaaaaa',
  createdAt: 0,
  state: 'UNINITIALIZED',
  hsmType: 'hsm2m.medium',
  mode: 'FIPS',
  networkType: 'IPV4',
  vpcId: 'vpc-1',
  securityGroup: 'sg-1',
  subnetMapping: {},
  hsms: [],
  backupRetentionDays: 90,
  certificates: {},
  lineageId: 'cluster-aaaaaaaaaaa',
  tags: [],
  ...extra,
});

describe('cluster transitions', () => {
  const cases: Array<[Partial<ClusterRecord>, string]> = [
    [{ state: 'CREATE_IN_PROGRESS' }, 'UNINITIALIZED'],
    [{ state: 'CREATE_IN_PROGRESS', sourceBackupId: 'backup-aaaaaaaaaaa' }, 'ACTIVE'],
    [{ state: 'INITIALIZE_IN_PROGRESS', stateMessage: 'initializing' }, 'INITIALIZED'],
    [{ state: 'MODIFY_IN_PROGRESS' }, 'ACTIVE'],
    [{ state: 'DELETE_IN_PROGRESS' }, 'DELETED'],
  ];
  for (const [from, to] of cases) {
    it(`${from.state}${from.sourceBackupId ? ' (from a backup)' : ''} → ${to} once due, not before`, () => {
      const c = cluster({ ...from, transitionAt: 100 });
      assert.equal(settleCluster(c, 99).cluster, c);
      const { cluster: next, events } = settleCluster(c, 100);
      assert.equal(next.state, to);
      assert.equal(next.stateMessage, undefined);
      assert.deepEqual(events, [{ kind: 'cluster-state', from: from.state, to }]);
    });
  }

  it('completes HSM creation and deletion and reports both', () => {
    const c = cluster({
      hsms: [hsm('hsm-a', { state: 'CREATE_IN_PROGRESS', transitionAt: 5 }), hsm('hsm-b', { state: 'DELETE_IN_PROGRESS', transitionAt: 6 }), hsm('hsm-c', {})],
    });
    assert.equal(nextClusterTransition(c), 5);
    const { cluster: next, events } = settleCluster(c, 6);
    assert.deepEqual(next.hsms.map((h) => [h.hsmId, h.state]), [['hsm-a', 'ACTIVE'], ['hsm-c', 'ACTIVE']]);
    assert.deepEqual(events.map((e) => e.kind), ['hsm-active', 'hsm-deleted']);
    assert.equal(nextClusterTransition(next), undefined);
    assert.equal(nextClusterTransition(c), 5);
  });
});

describe('backup transitions', () => {
  const backup = (extra: Partial<BackupRecord>): BackupRecord => ({
    accountId: '111122223333',
    region: 'us-east-1',
    backupId: 'backup-aaaaaaaaaaa',
    clusterId: 'cluster-aaaaaaaaaaa',
    state: 'READY',
    createdAt: 0,
    neverExpires: false,
    hsmType: 'hsm2m.medium',
    mode: 'FIPS',
    tags: [],
    lineageId: 'l',
    content: { users: [], keys: [], nextHandle: 9 },
    ...extra,
  });

  it('CREATE_IN_PROGRESS → READY; PENDING_DELETION → DELETED without its content', () => {
    assert.equal(settleBackup(backup({ state: 'CREATE_IN_PROGRESS', transitionAt: 10 }), 10).state, 'READY');
    const b = backup({ state: 'CREATE_IN_PROGRESS', transitionAt: 10 });
    assert.equal(settleBackup(b, 9), b);
    const deleted = settleBackup(backup({ state: 'PENDING_DELETION', transitionAt: 10, deleteTimestamp: 10, resourcePolicy: '{}' }), 11);
    assert.equal(deleted.state, 'DELETED');
    assert.equal(deleted.transitionAt, undefined);
    assert.equal(deleted.resourcePolicy, undefined);
    assert.deepEqual(deleted.content, { users: [], keys: [], nextHandle: 9 });
  });
});
