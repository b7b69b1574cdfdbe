import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createCertificateAuthority, signClusterCsr } from '../cluster/ca.js';
import { generateClusterCsr } from '../cluster/certificates.js';
import { readFailed, readOk } from './facts.js';
import {
  CLUSTER,
  codes,
  event,
  facts,
  healthyCluster,
  healthyStore,
  key,
  KEY,
  KEY_ARN,
  only,
  run,
  SG,
  STORE,
  SUBNETS,
  T0,
} from '../../test/support/doctor-facts.js';

// The rules, one failure of the guide at a time, on facts built by hand: the code, the cause and
// the fix's commands with the ids filled in.

const disconnect = `aws kms disconnect-custom-key-store --custom-key-store-id ${STORE}`;
const connect = `aws kms connect-custom-key-store --custom-key-store-id ${STORE}`;
const updatePassword = `aws kms update-custom-key-store --custom-key-store-id ${STORE} --key-store-password <new-kmsuser-password>`;
const changePassword = 'aws-cloudhsm > user change-password --username kmsuser --role crypto-user --password <new-kmsuser-password>';
const changePswd = 'aws-cloudhsm>changePswd CU kmsuser <new-kmsuser-password>';

const failed = (code: string, over = {}) => facts({ stores: [healthyStore({ connectionState: 'FAILED', connectionErrorCode: code, keys: readOk([key({ state: 'Unavailable' })]), ...over })] });

describe('a healthy store', () => {
  test('no finding, nothing essential unchecked: exit status 0', () => {
    const r = run(facts());
    assert.deepEqual(r.findings, []);
    assert.deepEqual(r.notChecked, []);
    assert.equal(r.status, 'healthy');
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.customKeyStores, [
      { customKeyStoreId: STORE, customKeyStoreName: 'ExampleKeyStore', cloudHsmClusterId: CLUSTER, connectionState: 'CONNECTED', keys: 1, unavailableKeys: 0 },
    ]);
  });

  test('without --deep, kmsuser is named as a check to make by hand, which does not change the status', () => {
    const store = healthyStore();
    delete store.kmsuser;
    const r = run(facts({ deep: false, stores: [store], faults: undefined }));
    assert.equal(r.exitCode, 0);
    const n = r.notChecked.find((x) => x.check.startsWith('kmsuser'))!;
    assert.equal(n.essential, false);
    assert.ok(n.commands.cloudhsmCli.includes('aws-cloudhsm > user list'));
    assert.ok(n.commands.legacyTools.includes('aws-cloudhsm>listUsers'));
  });

  test('EC2 not answered: subnets and security group are checks by hand, with the commands; still healthy', () => {
    const store = healthyStore({ network: readFailed('the endpoint does not answer EC2 DescribeSubnets'), securityGroup: readFailed('the endpoint does not answer EC2 DescribeSecurityGroups') });
    const r = run(facts({ stores: [store] }));
    assert.equal(r.exitCode, 0);
    const subnets = r.notChecked.find((x) => x.check.includes('subnets'))!;
    assert.match(subnets.commands.awsCli[0]!, new RegExp(`^aws ec2 describe-subnets --subnet-ids ${SUBNETS['us-east-1a']} `));
    assert.equal(subnets.reason, 'the endpoint does not answer EC2 DescribeSubnets');
    const sg = r.notChecked.find((x) => x.check.includes('security group'))!;
    assert.match(sg.commands.awsCli[0]!, new RegExp(`aws ec2 describe-security-groups --group-ids ${SG}`));
  });

  test('a cluster that cannot be read is essential: exit status 2', () => {
    const r = run(facts({ stores: [healthyStore({ cluster: readFailed('CloudHSM v2 DescribeClusters was refused: AccessDeniedException: no') })] }));
    assert.equal(r.status, 'could-not-check');
    assert.equal(r.exitCode, 2);
    assert.ok(r.notChecked.some((n) => n.essential && n.commands.awsCli[0]!.includes(`clusterIds=${CLUSTER}`)));
  });

  test('the printed aws commands carry the options the reader\u2019s environment does not give', () => {
    const r = run(failed('INTERNAL_ERROR', {}));
    assert.equal(r.findings[0]!.fix.awsCli[0], disconnect);
    const f = failed('INTERNAL_ERROR');
    f.awsCliOptions = ['--profile', 'prod', '--region', 'eu-west-1'];
    assert.equal(run(f).findings[0]!.fix.awsCli[0], `aws --profile prod --region eu-west-1 kms disconnect-custom-key-store --custom-key-store-id ${STORE}`);
  });
});

describe('a FAILED store: one cause and repair per ConnectionErrorCode, starting with disconnect', () => {
  const common = (code: string, over = {}) => {
    const r = run(failed(code, over));
    const f = r.findings.find((x) => x.code === code)!;
    assert.ok(f, `a ${code} finding in ${JSON.stringify(codes(r))}`);
    assert.equal(f.severity, 'error');
    assert.equal(f.customKeyStoreId, STORE);
    assert.equal(f.fix.awsCli[0], disconnect, 'the first command disconnects');
    assert.ok(f.fix.awsCli.includes(connect), 'it connects again');
    assert.equal(f.evidence['DescribeCustomKeyStores.ConnectionErrorCode'], code);
    assert.equal(r.exitCode, 1);
    return f;
  };

  test('CLUSTER_NOT_FOUND: a cluster from the newest backup, the store pointed at it', () => {
    const f = common('CLUSTER_NOT_FOUND', { cluster: readOk(undefined), network: readOk({ source: 'EC2 DescribeSubnets', subnets: [{ id: SUBNETS['us-east-1a'], availabilityZone: 'us-east-1a', freeAddresses: 9 }, { id: SUBNETS['us-east-1b'], availabilityZone: 'us-east-1b', freeAddresses: 9 }] }) });
    assert.match(f.cause, /cannot find an AWS CloudHSM cluster with id cluster-1a23b4cdefg/);
    assert.ok(f.fix.awsCli.includes(`aws cloudhsmv2 create-cluster --hsm-type hsm2m.medium --source-backup-id backup-new0000000 --subnet-ids ${SUBNETS['us-east-1a']} ${SUBNETS['us-east-1b']} --query 'Cluster.ClusterId' --output text`));
    assert.ok(f.fix.awsCli.includes(`aws kms update-custom-key-store --custom-key-store-id ${STORE} --cloud-hsm-cluster-id <new-cluster-id>`));
    assert.ok(f.fix.awsCli.some((c) => c.startsWith('aws cloudhsmv2 create-hsm --cluster-id <new-cluster-id> --availability-zone us-east-1a')));
    assert.equal(f.evidence['DescribeClusters.Clusters'], `none with id ${CLUSTER}`);
    // The cluster's own rule leaves it to this finding.
    assert.deepEqual(codes(run(failed('CLUSTER_NOT_FOUND', { cluster: readOk(undefined) }))).filter((c) => c === 'CLUSTER_DELETED'), []);
  });

  test('INSUFFICIENT_CLOUDHSM_HSMS: HSMs in two Availability Zones', () => {
    const f = common('INSUFFICIENT_CLOUDHSM_HSMS', { cluster: readOk({ ...healthyCluster(), hsms: [] }) });
    assert.match(f.cause, /does not contain any active HSM/);
    assert.ok(f.fix.awsCli.includes(`aws cloudhsmv2 create-hsm --cluster-id ${CLUSTER} --availability-zone us-east-1a --query 'Hsm.State' --output text`));
    assert.ok(f.fix.awsCli.includes(`aws cloudhsmv2 create-hsm --cluster-id ${CLUSTER} --availability-zone us-east-1b --query 'Hsm.State' --output text`));
    assert.equal(f.evidence['DescribeClusters.Hsms'], 'none');
  });

  test('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: the full subnet named, and how to free addresses', () => {
    const subnets = Object.entries(SUBNETS).map(([availabilityZone, id]) => ({ id, availabilityZone, freeAddresses: id === SUBNETS['us-east-1c'] ? 0 : 50 }));
    const f = common('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET', { network: readOk({ source: 'EC2 DescribeSubnets', subnets }) });
    assert.match(f.title, new RegExp(`subnet ${SUBNETS['us-east-1c']} has no free IP address`));
    assert.match(f.cause, /one free IP address in each private subnet/);
    assert.ok(f.fix.awsCli.includes(`aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=${SUBNETS['us-east-1c']} --query 'NetworkInterfaces[].[NetworkInterfaceId,Status,Description]' --output text`));
    assert.equal(f.evidence[`EC2 DescribeSubnets.${SUBNETS['us-east-1c']}.AvailableIpAddressCount`], 0);
    assert.deepEqual(f.fix.keywarden, [`keywarden network set-free-addresses --subnet-id ${SUBNETS['us-east-1c']} --count 2`]);
  });

  test('INTERNAL_ERROR: retry, disconnecting first', () => {
    const f = common('INTERNAL_ERROR');
    assert.match(f.cause, /internal error\. Retry: disconnect the key store, then connect it again/);
    assert.deepEqual(f.fix.awsCli, [disconnect, connect, `aws kms describe-custom-key-stores --custom-key-store-id ${STORE} --query 'CustomKeyStores[0].[ConnectionState,ConnectionErrorCode]' --output text`]);
  });

  test('INVALID_CREDENTIALS: set a known password as an admin, tell the store, before five failures lock kmsuser', () => {
    const f = common('INVALID_CREDENTIALS', { kmsuser: readOk({ username: 'kmsuser', role: 'crypto-user', locked: false, failedLogins: 2 }) });
    assert.match(f.cause, /does not have kmsuser's password/);
    assert.match(f.cause, /after five in a row the cluster locks kmsuser \(USER_LOCKED_OUT\)/);
    assert.ok(f.fix.cloudhsmCli.includes(changePassword));
    assert.ok(f.fix.legacyTools.includes(changePswd));
    assert.ok(f.fix.awsCli.indexOf(updatePassword) < f.fix.awsCli.indexOf(connect));
    assert.equal(f.evidence['KeywardenHsm.ListUsers.kmsuser.LoginFailureCount'], 2);
    assert.equal(f.guide, 'How to fix invalid kmsuser credentials');
  });

  test('NETWORK_ERRORS: wait, check the security group and network ACLs; with --deep a network cut is named', () => {
    const f = common('NETWORK_ERRORS', {});
    assert.match(f.cause, /usually passes/);
    assert.ok(f.fix.awsCli.some((c) => c.startsWith(`aws ec2 describe-security-groups --group-ids ${SG}`)));
    assert.ok(f.fix.awsCli.some((c) => c.startsWith('aws ec2 describe-network-acls --filters Name=association.subnet-id,Values=')));
    const r = run({ ...failed('NETWORK_ERRORS'), faults: readOk([{ fault: 'NETWORK_CUT', clusterId: CLUSTER }]) });
    const deep = only(r, 'NETWORK_ERRORS');
    assert.deepEqual(deep.fix.keywarden, [`keywarden fault restore-network --cluster-id ${CLUSTER}`]);
    assert.equal(deep.evidence['KeywardenAdmin.ListFaults'], `NETWORK_CUT on ${CLUSTER}`);
    assert.equal(only(r, 'KEYWARDEN_FAULT').severity, 'info');
  });

  test('SUBNET_NOT_FOUND: the deleted subnet named, a cluster from a recent backup in subnets that exist', () => {
    const subnets = [SUBNETS['us-east-1a'], SUBNETS['us-east-1b']].map((id, i) => ({ id, availabilityZone: `us-east-1${'ab'[i]}`, freeAddresses: 9 }));
    const f = common('SUBNET_NOT_FOUND', { network: readOk({ source: 'EC2 DescribeSubnets', subnets }) });
    assert.match(f.title, new RegExp(`subnet ${SUBNETS['us-east-1c']} of the cluster was deleted`));
    // Against Keywarden (--deep) a backup is taken first, and the newest one used.
    assert.deepEqual(f.fix.keywarden, [`keywarden cluster backup --cluster-id ${CLUSTER}`]);
    const newest = `aws cloudhsmv2 describe-backups --filters clusterIds=${CLUSTER} --query 'sort_by(Backups,&CreateTimestamp)[-1].BackupId' --output text`;
    assert.ok(f.fix.awsCli.some((c) => c.includes(`create-cluster --hsm-type hsm2m.medium --source-backup-id "$(${newest})" --subnet-ids ${SUBNETS['us-east-1a']} ${SUBNETS['us-east-1b']} `)));
    // Against AWS the newest backup there is, and a word about keys made after it.
    const aws = failed('SUBNET_NOT_FOUND', { network: readOk({ source: 'EC2 DescribeSubnets', subnets }), keys: readOk([key({ state: 'Unavailable', createdAt: T0 + 7_000_000 })]) });
    const g = only(run({ ...aws, deep: false }), 'SUBNET_NOT_FOUND');
    assert.equal(g.fix.keywarden, undefined);
    assert.ok(g.fix.awsCli.some((c) => c.includes(`create-cluster --hsm-type hsm2m.medium --source-backup-id backup-new0000000 --subnet-ids ${SUBNETS['us-east-1a']} ${SUBNETS['us-east-1b']} `)));
    assert.ok(g.fix.steps.some((st) => /1 of the store's keys were made after it/.test(st.say)));
    assert.deepEqual(codes(run(failed('SUBNET_NOT_FOUND', { network: readOk({ source: 'EC2 DescribeSubnets', subnets }) }))).filter((c) => c === 'SUBNET_DELETED'), []);
  });

  test('USER_LOCKED_OUT: a new password unlocks kmsuser; the store is told it', () => {
    const f = common('USER_LOCKED_OUT');
    assert.match(f.cause, /locked out of cluster cluster-1a23b4cdefg after too many failed password attempts/);
    assert.ok(f.fix.cloudhsmCli.includes(changePassword));
    assert.ok(f.fix.legacyTools.includes(changePswd));
    assert.ok(f.fix.awsCli.includes(updatePassword));
  });

  test('USER_LOGGED_IN: log kmsuser out in its session, then reconnect', () => {
    const f = common('USER_LOGGED_IN', { kmsuser: readOk({ username: 'kmsuser', role: 'crypto-user', locked: false, failedLogins: 0, sessions: [{ client: 'cli', openedAt: T0 }] }) });
    assert.match(f.cause, /keeps KMS from rotating kmsuser's password/);
    assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > logout'));
    assert.ok(f.fix.legacyTools.includes('Command: logoutHSM'));
    assert.equal(f.fix.steps[1]!.cloudhsmCli![0], '/opt/cloudhsm/bin/cloudhsm-cli interactive');
    assert.equal(f.evidence['KeywardenHsm.ListUsers.kmsuser.Sessions'], 'cli since 2026-12-01T10:00:00Z');
  });

  test('USER_NOT_FOUND: create kmsuser, tell the store its password', () => {
    const f = common('USER_NOT_FOUND', { kmsuser: readOk(undefined) });
    assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > user create --username kmsuser --role crypto-user --password <new-kmsuser-password>'));
    assert.ok(f.fix.legacyTools.includes('aws-cloudhsm>createUser CU kmsuser <new-kmsuser-password>'));
    assert.ok(f.fix.awsCli.includes(updatePassword));
    assert.deepEqual(codes(run(failed('USER_NOT_FOUND', { kmsuser: readOk(undefined) }))), ['USER_NOT_FOUND']);
  });

  test('the attempt\u2019s CloudTrail event is evidence', () => {
    const trail = readOk([event('ConnectCustomKeyStore', T0, { service: true, customKeyStoreId: STORE, connectionState: 'FAILED', connectionErrorCode: 'INTERNAL_ERROR', errorCode: 'INTERNAL_ERROR', errorMessage: 'The connection attempt failed: boom.' })]);
    const f = only(run({ ...failed('INTERNAL_ERROR'), trail }), 'INTERNAL_ERROR');
    assert.equal(f.evidence['CloudTrail.ConnectCustomKeyStore'], 'ConnectCustomKeyStore (by KMS) at 2026-12-01T10:00:00Z: The connection attempt failed: boom.');
  });
});

describe('a store that is not connected', () => {
  test('DISCONNECTED with keys: an error naming the Unavailable keys and who disconnected; connect', () => {
    const trail = readOk([event('DisconnectCustomKeyStore', T0, { customKeyStoreId: STORE, username: 'alice' })]);
    const r = run(facts({ trail, stores: [healthyStore({ connectionState: 'DISCONNECTED', keys: readOk([key({ state: 'Unavailable' })]) })] }));
    const f = only(r, 'STORE_DISCONNECTED');
    assert.equal(f.severity, 'error');
    assert.match(f.cause, /its 1 key is Unavailable/);
    assert.equal(f.evidence['DescribeKey.KeyId (Unavailable)'], KEY);
    assert.equal(f.evidence['CloudTrail.DisconnectCustomKeyStore'], 'DisconnectCustomKeyStore by alice at 2026-12-01T10:00:00Z');
    assert.equal(f.fix.awsCli[0], connect);
    assert.equal(f.guide, 'How to fix unavailable KMS keys');
  });

  test('DISCONNECTED without keys is a warning', () => {
    const r = run(facts({ stores: [healthyStore({ connectionState: 'DISCONNECTED', keys: readOk([]) })] }));
    assert.equal(only(r, 'STORE_DISCONNECTED').severity, 'warning');
  });

  test('a refused connect after the disconnect is told, and the cluster that is not ACTIVE says why', () => {
    const trail = readOk([
      event('ConnectCustomKeyStore', T0 + 1000, { customKeyStoreId: STORE, errorCode: 'CloudHsmClusterNotActiveException', errorMessage: `AWS CloudHSM cluster ${CLUSTER} is MODIFY_IN_PROGRESS, not ACTIVE.` }),
      event('DisconnectCustomKeyStore', T0, { customKeyStoreId: STORE }),
    ]);
    const store = healthyStore({ connectionState: 'DISCONNECTED', cluster: readOk({ ...healthyCluster(), state: 'MODIFY_IN_PROGRESS' }) });
    const r = run(facts({ trail, stores: [store] }));
    assert.match(only(r, 'STORE_DISCONNECTED').cause, /refused at once with CloudHsmClusterNotActiveException/);
    const f = only(r, 'CLUSTER_NOT_ACTIVE');
    assert.equal(f.severity, 'error');
    assert.match(f.cause, /refused at once with CloudHsmClusterNotActiveException while cluster cluster-1a23b4cdefg is MODIFY_IN_PROGRESS/);
    assert.deepEqual(f.fix.awsCli.slice(0, 2), [`aws cloudhsmv2 describe-clusters --filters clusterIds=${CLUSTER} --query 'Clusters[0].State' --output text`, connect]);
  });

  test('CONNECTING is a note, not a finding: exit status 0', () => {
    const r = run(facts({ stores: [healthyStore({ connectionState: 'CONNECTING' })] }));
    assert.equal(only(r, 'STORE_CONNECTING').severity, 'info');
    assert.equal(r.exitCode, 0);
  });

  test('keys pending deletion while disconnected: their material would be orphaned; connect first, or cancel', () => {
    const deletionDate = T0 + 7 * 86_400_000;
    const r = run(facts({ stores: [healthyStore({ connectionState: 'DISCONNECTED', keys: readOk([key({ state: 'PendingDeletion', deletionDate })]) })] }));
    const f = only(r, 'PENDING_DELETION_WILL_ORPHAN');
    assert.equal(f.severity, 'warning');
    assert.match(f.cause, /The first waiting period ends at 2026-12-08T10:00:00Z/);
    assert.ok(f.fix.awsCli.includes(`aws kms cancel-key-deletion --key-id ${KEY}`));
    assert.equal(f.fix.awsCli[0], connect);
  });

  test('predictions from the facts: a deleted subnet, a full subnet, a locked or logged-in or missing kmsuser', () => {
    const subnets = [
      { id: SUBNETS['us-east-1a'], availabilityZone: 'us-east-1a', freeAddresses: 0 },
      { id: SUBNETS['us-east-1b'], availabilityZone: 'us-east-1b', freeAddresses: 5 },
    ];
    const base = { connectionState: 'DISCONNECTED', network: readOk({ source: 'KeywardenAdmin.ListSubnets' as const, subnets }) };
    let r = run(facts({ stores: [healthyStore(base)] }));
    assert.match(only(r, 'SUBNET_DELETED').cause, /Connecting will fail with SUBNET_NOT_FOUND/);
    assert.match(only(r, 'NO_FREE_ADDRESSES').cause, /Connecting will fail with INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET/);
    const user = { username: 'kmsuser', role: 'crypto-user', failedLogins: 0 };
    r = run(facts({ stores: [healthyStore({ connectionState: 'DISCONNECTED', kmsuser: readOk({ ...user, locked: true }) })] }));
    assert.match(only(r, 'KMSUSER_LOCKED').cause, /connecting will fail with USER_LOCKED_OUT/);
    assert.ok(only(r, 'KMSUSER_LOCKED').fix.cloudhsmCli.includes(changePassword));
    r = run(facts({ stores: [healthyStore({ connectionState: 'DISCONNECTED', kmsuser: readOk({ ...user, locked: false, sessions: [{ client: 'cli', openedAt: T0 }] }) })] }));
    assert.match(only(r, 'KMSUSER_LOGGED_IN').cause, /USER_LOGGED_IN/);
    r = run(facts({ stores: [healthyStore({ connectionState: 'DISCONNECTED', kmsuser: readOk(undefined) })] }));
    assert.match(only(r, 'KMSUSER_MISSING').cause, /connecting will fail with USER_NOT_FOUND/);
    r = run(facts({ stores: [healthyStore({ kmsuser: readOk({ ...user, locked: false, failedLogins: 3 }) })] }));
    assert.match(only(r, 'KMSUSER_FAILED_LOGINS').cause, /at 5 the cluster locks kmsuser/);
  });
});

describe('a connected store whose keys fail', () => {
  test('the cluster was deleted: recover it from its newest backup and repoint the store', () => {
    const r = run(facts({ stores: [healthyStore({ cluster: readOk(undefined) })] }));
    const f = only(r, 'CLUSTER_DELETED');
    assert.match(f.cause, /still shows CONNECTED, but every cryptographic operation with its keys fails/);
    assert.ok(f.fix.awsCli.some((c) => c.includes('--source-backup-id backup-new0000000')));
    assert.ok(f.fix.awsCli.includes(disconnect));
    assert.equal(f.guide, 'How to fix a failing KMS key');
  });

  test('a cluster being deleted counts as deleted: a cluster from its newest backup, not a wait for ACTIVE', () => {
    for (const state of ['DELETE_IN_PROGRESS', 'DELETED'] as const) {
      const r = run(facts({ stores: [healthyStore({ cluster: readOk({ ...healthyCluster(), state }) })] }));
      const f = only(r, 'CLUSTER_DELETED');
      assert.match(f.cause, /still shows CONNECTED/, state);
      assert.ok(!r.findings.some((x) => x.code === 'CLUSTER_NOT_ACTIVE'), `${state}: no CLUSTER_NOT_ACTIVE`);
      assert.ok(!f.fix.awsCli.some((c) => c.includes("'Clusters[0].State'")), `${state}: nothing waits for ACTIVE`);
      assert.ok(f.fix.awsCli.some((c) => c.includes('--source-backup-id backup-new0000000')), state);
    }
  });

  test('all HSMs were deleted: add HSMs; the store need not reconnect', () => {
    const r = run(facts({ stores: [healthyStore({ cluster: readOk({ ...healthyCluster(), hsms: [] }) })] }));
    const f = only(r, 'NO_ACTIVE_HSMS');
    assert.match(f.cause, /All HSMs were deleted/);
    assert.ok(!f.fix.awsCli.includes(connect));
    assert.equal(f.fix.awsCli.filter((c) => c.includes('create-hsm')).length, 2);
  });

  test('HSMs in one Availability Zone: a warning, add one in another zone', () => {
    const c = healthyCluster();
    c.hsms = [c.hsms[0]!];
    const f = only(run(facts({ stores: [healthyStore({ cluster: readOk(c) })] })), 'HSMS_IN_ONE_ZONE');
    assert.equal(f.severity, 'warning');
    assert.equal(f.fix.awsCli[0], `aws cloudhsmv2 create-hsm --cluster-id ${CLUSTER} --availability-zone us-east-1b --query 'Hsm.State' --output text`);
  });

  test('KMS cannot communicate: the newest call failed and nothing succeeded after', () => {
    const fail = event('Decrypt', T0, { errorCode: 'KMSInvalidStateException', errorMessage: 'KMS cannot communicate with your CloudHSM cluster. This might be a transient network issue.' });
    const r = run(facts({ trail: readOk([fail, event('Encrypt', T0 - 5000, { customKeyStoreId: STORE })]) }));
    const f = only(r, 'CRYPTO_CANNOT_COMMUNICATE');
    assert.match(f.cause, /a networking component blocks the traffic/);
    assert.equal(f.evidence['CloudTrail.attribution'], 'the failed call names no key; this is the only CONNECTED store');
    // A later success, in a later second, clears it.
    const ok = event('Encrypt', T0 + 2000, { customKeyStoreId: STORE });
    assert.deepEqual(codes(run(facts({ trail: readOk([fail, ok]) }))), []);
    // So does a newer call of the same operation, whatever the second.
    const same = event('Decrypt', T0, { customKeyStoreId: STORE, rank: 0 });
    assert.deepEqual(codes(run(facts({ trail: readOk([{ ...fail, rank: 1 }, same]) }))), []);
    // Another store's failure is not this one's.
    assert.deepEqual(codes(run(facts({ trail: readOk([{ ...fail, customKeyStoreId: 'cks-00000000000000000' }]) }))), []);
  });

  test('kmsuser locked out while connected: disconnect, reset, update, connect', () => {
    const fail = event('Encrypt', T0, { keyRefs: [KEY], errorCode: 'KMSInvalidStateException', errorMessage: 'KMS cannot communicate with your AWS CloudHSM cluster because the kmsuser is locked out.' });
    const store = healthyStore({ kmsuser: readOk({ username: 'kmsuser', role: 'crypto-user', locked: true, failedLogins: 5 }) });
    const r = run(facts({ stores: [store], trail: readOk([fail]) }));
    const f = only(r, 'CRYPTO_KMSUSER_LOCKED_OUT');
    assert.deepEqual(f.fix.awsCli.slice(0, 3), [disconnect, updatePassword, connect]);
    assert.ok(f.fix.cloudhsmCli.includes(changePassword));
    assert.ok(!codes(r).includes('KMSUSER_LOCKED'), 'one finding for one cause');
  });

  test('no PKCS #11 sessions: back off and retry; only this cluster\u2019s message counts', () => {
    const msg = (c: string) => `The AWS CloudHSM cluster ${c} has no available PKCS #11 sessions to serve this request. Back off and retry the request.`;
    const fail = event('Decrypt', T0, { errorCode: 'KMSInternalException', errorMessage: msg(CLUSTER) });
    const f = only(run(facts({ trail: readOk([fail]), faults: readOk([{ fault: 'SESSION_LIMIT', clusterId: CLUSTER, sessionsPerHsm: 1 }]) })), 'CRYPTO_NO_PKCS11_SESSIONS');
    assert.equal(f.severity, 'warning');
    assert.match(f.cause, /Back off and retry the request/);
    assert.deepEqual(f.fix.keywarden, [`keywarden fault clear --cluster-id ${CLUSTER} --fault SESSION_LIMIT`]);
    assert.deepEqual(codes(run(facts({ trail: readOk([{ ...fail, errorMessage: msg('cluster-zzzzzzzzzzz') }]) }))), []);
  });

  test('a key Unavailable in a connected store lost its material: the backing key id from CloudTrail, a backup taken while it existed', () => {
    const created = event('CreateKey', T0, { customKeyStoreId: STORE, keyRefs: [KEY_ARN], backingKeys: [{ backingKeyId: '3f2a9c0d1e4b5a6c' }] });
    const used = event('Encrypt', T0 + 1000, { customKeyStoreId: STORE, keyRefs: [KEY], backingKeys: [{ backingKeyId: '3f2a9c0d1e4b5a6c' }] });
    const store = healthyStore({ keys: readOk([key({ state: 'Unavailable' })]) });
    const f = only(run(facts({ stores: [store], trail: readOk([used, created]) })), 'KEY_MATERIAL_MISSING');
    assert.equal(f.keyId, KEY);
    assert.equal(f.evidence['CloudTrail.backingKeyId'], '3f2a9c0d1e4b5a6c');
    assert.match(f.cause, /backing key 0x3f2a9c0d1e4b5a6c\) was deleted from the cluster/);
    assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > key list --filter attr.id=0x3f2a9c0d1e4b5a6c'));
    assert.ok(f.fix.cloudhsmCli.includes(`aws-cloudhsm > key list --filter attr.label=${KEY_ARN}`));
    // The only backup after the key was made is newer than its last successful use.
    assert.match(f.cause, /backup-new0000000 .* check that it holds the key/);
    assert.ok(f.fix.awsCli.some((c) => c.includes('--source-backup-id backup-new0000000')));
    assert.ok(f.fix.awsCli.includes(`aws kms update-custom-key-store --custom-key-store-id ${STORE} --cloud-hsm-cluster-id <new-cluster-id>`));
  });

  test('a wrong trust anchor: the cluster certificate was signed by another CA', async () => {
    const [mine, other, csr] = await Promise.all([createCertificateAuthority('Mine'), createCertificateAuthority('Other'), generateClusterCsr(CLUSTER)]);
    const cert = await signClusterCsr(mine, csr.csrPem);
    const withCert = (anchor: string) => facts({ stores: [healthyStore({ trustAnchor: anchor, cluster: readOk({ ...healthyCluster(), clusterCertificate: cert }) })] });
    assert.deepEqual(codes(run(withCert(mine.certificatePem))), []);
    const f = only(run(withCert(other.certificatePem)), 'TRUST_ANCHOR_MISMATCH');
    assert.match(f.cause, /was not signed by it/);
    assert.ok(f.fix.awsCli.includes('openssl verify -CAfile customerCA.crt cluster.crt'));
    assert.equal(only(run(withCert('not a certificate')), 'TRUST_ANCHOR_UNREADABLE').severity, 'warning');
  });

  test('the security group does not let 2223-2225 through: the rules to add', () => {
    const store = healthyStore({ securityGroup: readOk({ id: SG, inbound: [{ protocol: 'tcp', fromPort: 443, toPort: 443, groupIds: [], cidrs: ['10.0.0.0/8'] }], outbound: [{ protocol: '-1', groupIds: [], cidrs: ['0.0.0.0/0'] }] }) });
    const f = only(run(facts({ stores: [store] })), 'SECURITY_GROUP_BLOCKS_HSM_PORTS');
    assert.deepEqual(f.fix.awsCli, [`aws ec2 authorize-security-group-ingress --group-id ${SG} --protocol tcp --port 2223-2225 --source-group ${SG}`]);
    assert.equal(only(run(facts({ stores: [healthyStore({ securityGroup: readOk(undefined) })] })), 'SECURITY_GROUP_MISSING').severity, 'error');
  });

  test('a subnet with one free address left is a warning', () => {
    const subnets = Object.entries(SUBNETS).map(([availabilityZone, id]) => ({ id, availabilityZone, freeAddresses: 1 }));
    const r = run(facts({ stores: [healthyStore({ network: readOk({ source: 'EC2 DescribeSubnets', subnets }) })] }));
    assert.equal(only(r, 'FEW_FREE_ADDRESSES').severity, 'warning');
  });
});

describe('orphaned key material', () => {
  const deleted = (status: string) =>
    event('DeleteKey', T0, {
      service: true,
      customKeyStoreId: STORE,
      clusterId: CLUSTER,
      keyRefs: [KEY_ARN],
      backingKeys: [{ backingKeyId: '00aa11bb22cc33dd', keyHandle: '262162', deletionStatus: status }],
    });

  test('a DeleteKey event with deletionStatus FAILURE: delete it by id (CloudHSM CLI) or handle (key_mgmt_util) as kmsuser', () => {
    const r = run(facts({ trail: readOk([deleted('FAILURE')]) }));
    const f = only(r, 'ORPHANED_KEY_MATERIAL');
    assert.equal(f.severity, 'warning');
    assert.match(f.cause, /deletionStatus FAILURE for backing key 0x00aa11bb22cc33dd/);
    assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > key delete --filter attr.id="0x00aa11bb22cc33dd"'));
    assert.ok(f.fix.legacyTools.includes('Command: deleteKey -k 262162'));
    assert.ok(f.fix.legacyTools.includes('Command: loginHSM -u CU -s kmsuser -p <new-kmsuser-password>'));
    assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > login --username kmsuser --role crypto-user'));
    // The store is connected: disconnect first, log out, tell the store the password, reconnect.
    const order = [disconnect, updatePassword, connect].map((c) => f.fix.awsCli.indexOf(c));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.ok(order[0]! >= 0);
    assert.equal(f.guide, 'How to delete orphaned key material');
  });

  test('SUCCESS is not an orphan; --key-id leaves the store\u2019s orphans out', () => {
    assert.deepEqual(codes(run(facts({ trail: readOk([deleted('SUCCESS')]) }))), []);
    assert.deepEqual(codes(run(facts({ focusKeyId: KEY, trail: readOk([deleted('FAILURE')]) }))), []);
  });
});
