// keywarden doctor against a real Keywarden: every failure `keywarden fault` and the runbooks
// produce is produced here through the public APIs, and doctor's finding for it is checked (its
// code, cause, evidence and fix commands, ids filled in). Most fixes are then followed to the
// letter in a bash session (the AWS CLI, the CloudHSM CLI, cloudhsm_mgmt_util, key_mgmt_util),
// and the store must come back. Each lane lives in a Region of its own; the service's delays are
// short, and waiting means polling the API.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CancelKeyDeletionCommand, CreateKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import type { Report } from '../../src/doctor/diagnose.js';
import type { Finding } from '../../src/doctor/finding.js';
import { DoctorWorld, type QuickCluster } from '../support/doctor-world.js';
import { startServer, type TestServer } from '../support/server.js';

let server: TestServer;
const worlds: DoctorWorld[] = [];

before(async () => {
  server = await startServer({ args: ['--cluster-delay-ms', '50', '--connect-delay-ms', '50'] });
});

after(async () => {
  for (const w of worlds) w.close();
  await server?.dispose();
});

const codes = (r: Report) => r.findings.map((f) => f.code);

function only(r: Report, code: string): Finding {
  const found = r.findings.filter((f) => f.code === code);
  assert.equal(found.length, 1, `one ${code} finding in ${JSON.stringify(codes(r))}`);
  return found[0]!;
}

/** A reader who followed the guide's setup: a cluster, a connected key store, a key, and a message encrypted under it. */
async function ready(name: string, region: string) {
  const w = new DoctorWorld(server.url, region, name);
  worlds.push(w);
  const q = await w.quickstart();
  const storeId = await w.createStore(`Store-${name}`, q, readFileSync(q.TrustAnchorCertificateFile, 'utf8'));
  await w.connect(storeId);
  const key = await w.key(storeId);
  return { w, q, storeId, key };
}

const disconnectCmd = (storeId: string) => `aws kms disconnect-custom-key-store --custom-key-store-id ${storeId}`;
const connectCmd = (storeId: string) => `aws kms connect-custom-key-store --custom-key-store-id ${storeId}`;

describe('keywarden doctor', { concurrency: true }, () => {
  test('one store, connected: healthy; then a cut network, no free sessions, a locked kmsuser; then each kmsuser and connection failure', async (t) => {
    const { w, q, storeId, key } = await ready('one', 'us-east-1');
    const C = q.ClusterId;
    const values = { adminPassword: q.AdminPassword, newPassword: 'KnownToMe2024' };

    await t.test('healthy: no finding, exit status 0; text and --json agree', async () => {
      const r = await w.report();
      assert.deepEqual(r.findings, []);
      assert.equal(r.exitCode, 0);
      assert.deepEqual(r.customKeyStores, [{ customKeyStoreId: storeId, customKeyStoreName: 'Store-one', cloudHsmClusterId: C, connectionState: 'CONNECTED', keys: 1, unavailableKeys: 0 }]);
      const text = await w.doctor([]);
      assert.equal(text.status, 0, text.stderr);
      assert.equal(text.stderr, '');
      assert.match(text.stdout, new RegExp(`Store-one \\(${storeId}\\), cluster ${C}: CONNECTED, 1 key\\n  no problem found\\n`));
      assert.match(text.stdout, /Exit status 0: healthy\.\n$/);
      assert.doesNotMatch(text.stdout, /\x1b\[/, 'no colour when stdout is not a terminal');
      const json = await w.doctor(['--json', '--deep']);
      assert.equal(json.status, 0);
      const report = JSON.parse(json.stdout) as Report;
      assert.deepEqual(Object.keys(report), ['checkedAt', 'region', 'endpoint', 'deep', 'status', 'exitCode', 'customKeyStores', 'findings', 'notChecked']);
      assert.equal(report.status, 'healthy');
      assert.equal(report.endpoint, server.url);
      assert.equal(report.region, 'us-east-1');
      assert.equal(report.deep, true);
      assert.deepEqual(report.customKeyStores, r.customKeyStores);
      // Keywarden serves no EC2: the security group is a check to make by hand, with the command.
      assert.deepEqual(report.notChecked.map((n) => [n.check.split(':')[0], n.reason, n.essential]), [
        [`security group ${(await w.cluster(C))!.SecurityGroup} of cluster ${C}`, 'the endpoint does not answer EC2 DescribeSecurityGroups', false],
      ]);
    });

    await t.test('fault cut-network on a connected store: "KMS cannot communicate", seen in CloudTrail; restoring the path clears it', async () => {
      await w.keywarden(['fault', 'cut-network', '--cluster-id', C]);
      assert.match(await w.decrypt(key.blob), /^KMSInvalidStateException: KMS cannot communicate with your CloudHSM cluster/);
      const r = await w.report();
      const f = only(r, 'CRYPTO_CANNOT_COMMUNICATE');
      assert.equal(f.severity, 'error');
      assert.match(f.cause, /a networking component blocks the traffic between KMS and the HSMs/);
      assert.match(String(f.evidence['CloudTrail.Decrypt']), /KMSInvalidStateException: KMS cannot communicate/);
      assert.equal(f.evidence['KeywardenAdmin.ListFaults'], `NETWORK_CUT on ${C}`);
      assert.ok(f.fix.awsCli.some((c) => c.startsWith('aws ec2 describe-security-groups --group-ids sg-')));
      assert.deepEqual(f.fix.keywarden, [`keywarden fault restore-network --cluster-id ${C}`]);
      assert.equal(r.exitCode, 1);
      assert.deepEqual(await w.runFix(f, values), ['skipped', 'skipped', 'keywarden']);
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });

    await t.test('fault limit-sessions and a burst: KMSInternalException about PKCS #11 sessions; back off, end idle sessions', async () => {
      await w.keywarden(['fault', 'limit-sessions', '--cluster-id', C, '--per-hsm', '1']);
      // An admin's CloudHSM CLI session holds the place KMS's own session leaves.
      const held = await w.shell.run(`keywarden cloudhsm-cli --cluster-id ${C}`, ['login --username admin --role admin', q.AdminPassword, 'quit']);
      assert.equal(held.status, 0, held.output);
      assert.match(await w.decrypt(key.blob), /^KMSInternalException: The AWS CloudHSM cluster .* has no available PKCS #11 sessions/);
      const f = only(await w.report(), 'CRYPTO_NO_PKCS11_SESSIONS');
      assert.equal(f.severity, 'warning');
      assert.match(f.cause, /Back off and retry the request/);
      assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > logout'));
      assert.deepEqual(f.fix.keywarden, [`keywarden fault clear --cluster-id ${C} --fault SESSION_LIMIT`]);
      assert.deepEqual(await w.runFix(f, values), ['skipped', 'cloudhsmCli', 'keywarden']);
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });

    await t.test('kmsuser locked out while connected: disconnect, a new password as admin, update, connect (CloudHSM CLI)', async () => {
      await w.lockKmsuser(C);
      assert.match(await w.decrypt(key.blob), /because the kmsuser is locked out/);
      const f = only(await w.report(), 'CRYPTO_KMSUSER_LOCKED_OUT');
      assert.match(f.cause, /a locked user cannot use its keys even through the session KMS holds/);
      assert.deepEqual(f.fix.awsCli.slice(0, 2), [disconnectCmd(storeId), `aws kms update-custom-key-store --custom-key-store-id ${storeId} --key-store-password <new-kmsuser-password>`]);
      assert.deepEqual(await w.runFix(f, values, ['awsCli', 'cloudhsmCli']), ['awsCli', 'cloudhsmCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });

    await t.test('disconnected: its keys Unavailable, and a key pending deletion would leave orphaned material', async () => {
      const doomed = (await w.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).KeyMetadata!.KeyId!;
      await w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
      await w.disconnect(storeId);
      const r = await w.report();
      const f = only(r, 'STORE_DISCONNECTED');
      assert.equal(f.severity, 'error');
      assert.match(f.cause, /its 1 key is Unavailable/);
      assert.equal(f.evidence['DescribeKey.KeyId (Unavailable)'], key.keyId);
      assert.match(String(f.evidence['CloudTrail.DisconnectCustomKeyStore']), /^DisconnectCustomKeyStore by \S+ at /);
      const p = only(r, 'PENDING_DELETION_WILL_ORPHAN');
      assert.ok(p.fix.awsCli.includes(`aws kms cancel-key-deletion --key-id ${doomed}`));
      assert.equal(p.fix.awsCli[0], connectCmd(storeId));
      assert.deepEqual(await w.runFix(f, values), ['awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      await w.kms.send(new CancelKeyDeletionCommand({ KeyId: doomed }));
      assert.deepEqual(codes(await w.report()), []);
    });

    await t.test('INTERNAL_ERROR (fault fail-next-connect): disconnect and connect again', async () => {
      await w.disconnect(storeId);
      await w.keywarden(['fault', 'fail-next-connect', '--custom-key-store-id', storeId]);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'INTERNAL_ERROR');
      const f = only(await w.report(), 'INTERNAL_ERROR');
      assert.match(f.cause, /internal error\. Retry/);
      assert.match(String(f.evidence['CloudTrail.ConnectCustomKeyStore']), /The connection attempt failed: the CONNECT_INTERNAL_ERROR fault/);
      assert.deepEqual(await w.runFix(f, values), ['awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
    });

    await t.test('NETWORK_ERRORS (fault cut-network, then connect): the fault named with --deep; restore and connect', async () => {
      await w.disconnect(storeId);
      await w.keywarden(['fault', 'cut-network', '--cluster-id', C]);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'NETWORK_ERRORS');
      const plain = only(await w.report({ deep: false }), 'NETWORK_ERRORS');
      assert.equal(plain.fix.keywarden, undefined);
      const f = only(await w.report(), 'NETWORK_ERRORS');
      assert.match(f.cause, /Keywarden has the network path to this cluster cut/);
      assert.deepEqual(await w.runFix(f, values), ['awsCli', 'skipped', 'keywarden', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
    });

    await t.test('INVALID_CREDENTIALS (password changed behind KMS): a known password with cloudhsm_mgmt_util, told to the store', async () => {
      await w.disconnect(storeId);
      await w.setKmsuserPassword(C, q.AdminPassword, 'ChangedBehindKms1');
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'INVALID_CREDENTIALS');
      const f = only(await w.report(), 'INVALID_CREDENTIALS');
      assert.match(f.cause, /every connection attempt with the wrong password is a failed login/i);
      assert.equal(f.evidence['KeywardenHsm.ListUsers.kmsuser.LoginFailureCount'], 1);
      assert.ok(f.fix.legacyTools.includes('aws-cloudhsm>changePswd CU kmsuser <new-kmsuser-password>'));
      assert.deepEqual(await w.runFix(f, values, ['legacyTools', 'awsCli']), ['awsCli', 'legacyTools', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
    });

    await t.test('USER_LOCKED_OUT (five wrong passwords while disconnected): predicted, then repaired with the CloudHSM CLI', async () => {
      await w.disconnect(storeId);
      await w.lockKmsuser(C);
      assert.match(only(await w.report(), 'KMSUSER_LOCKED').cause, /connecting will fail with USER_LOCKED_OUT/);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'USER_LOCKED_OUT');
      const r = await w.report();
      const f = only(r, 'USER_LOCKED_OUT');
      assert.ok(!codes(r).includes('KMSUSER_LOCKED'), 'one finding for one cause');
      assert.equal(f.evidence['KeywardenHsm.ListUsers.kmsuser.Locked'], true);
      assert.deepEqual(await w.runFix(f, values, ['awsCli', 'cloudhsmCli']), ['awsCli', 'cloudhsmCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      assert.equal(await w.decrypt(key.blob), 'ok');
    });

    await t.test('USER_LOGGED_IN (a kmsuser session left open): seen in ListUsers, predicted, then logged out and reconnected', async () => {
      await w.disconnect(storeId);
      const login = await w.shell.run(`keywarden cloudhsm-cli --cluster-id ${C}`, [
        'login --username admin --role admin', q.AdminPassword,
        'user change-password --username kmsuser --role crypto-user --password TempPassword2',
        'logout',
        'login --username kmsuser --role crypto-user', 'TempPassword2',
        'quit',
      ]);
      assert.equal(login.status, 0, login.output);
      await w.updatePassword(storeId, 'TempPassword2');
      const users: { Users: Array<{ Username: string; Sessions: Array<{ Client: string; OpenedAt: number }> }> } = await w.hsm('ListUsers', { ClusterId: C });
      assert.deepEqual(users.Users.find((u) => u.Username === 'kmsuser')!.Sessions.map((s) => s.Client), ['cli']);
      assert.match(only(await w.report(), 'KMSUSER_LOGGED_IN').cause, /connecting will fail with USER_LOGGED_IN/);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'USER_LOGGED_IN');
      const f = only(await w.report(), 'USER_LOGGED_IN');
      assert.match(String(f.evidence['KeywardenHsm.ListUsers.kmsuser.Sessions']), /^cli since /);
      assert.ok(f.fix.cloudhsmCli.includes('aws-cloudhsm > logout'));
      assert.ok(f.fix.legacyTools.includes('Command: logoutHSM'));
      assert.deepEqual(await w.runFix(f, { ...values, newPassword: 'TempPassword2' }, ['awsCli', 'cloudhsmCli']), ['awsCli', 'cloudhsmCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });
  });

  test('the cluster: key material deleted and recovered from a backup; its HSMs deleted; then the cluster itself', async (t) => {
    const { w, q, storeId, key } = await ready('two', 'eu-west-1');
    const values = { adminPassword: q.AdminPassword, newPassword: 'KnownToMe2024' };
    let cluster = q.ClusterId;

    await t.test('fault delete-backing-key: the key is Unavailable in a CONNECTED store; CloudTrail gives the backing key; a backup brings it back', async () => {
      const backup = await w.keywarden(['cluster', 'backup', '--cluster-id', cluster, '--json']);
      const backupId: string = JSON.parse(backup.stdout).Backup.BackupId;
      const removed = await w.keywarden(['fault', 'delete-backing-key', '--key-id', key.keyId, '--json']);
      const backingKeyId: string = JSON.parse(removed.stdout).BackingKeyId;
      assert.match(await w.decrypt(key.blob), /^KMSInvalidStateException: .* is unavailable/);
      assert.equal(await w.keyState(key.keyId), 'Unavailable');
      const r = await w.report();
      const f = only(r, 'KEY_MATERIAL_MISSING');
      assert.equal(f.keyId, key.keyId);
      assert.equal(f.evidence['CloudTrail.backingKeyId'], backingKeyId);
      assert.match(f.cause, new RegExp(`backing key 0x${backingKeyId}\\) was deleted from the cluster`));
      assert.ok(f.fix.cloudhsmCli.includes(`aws-cloudhsm > key list --filter attr.id=0x${backingKeyId}`));
      assert.ok(f.fix.awsCli.some((c) => c.startsWith(`aws cloudhsmv2 create-cluster --hsm-type hsm2m.medium --source-backup-id ${backupId} --subnet-ids subnet-`)));
      assert.equal(f.guide, 'How to recover deleted key material for a KMS key');
      // Asked about the key alone, doctor says the same of it.
      assert.deepEqual(codes(await w.report({ keyId: key.keyId })), ['KEY_MATERIAL_MISSING']);
      assert.deepEqual(await w.runFix(f, values, ['awsCli', 'cloudhsmCli']), ['cloudhsmCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      cluster = (await w.store(storeId)).CloudHsmClusterId!;
      assert.notEqual(cluster, q.ClusterId);
      assert.equal(await w.keyState(key.keyId), 'Enabled');
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });

    await t.test('all HSMs deleted: the store still CONNECTED, its keys fail; reconnecting then fails with INSUFFICIENT_CLOUDHSM_HSMS', async () => {
      await w.deleteHsms(cluster);
      assert.match(await w.decrypt(key.blob), /KMS cannot communicate with your CloudHSM cluster/);
      const r = await w.report();
      assert.deepEqual(codes(r), ['NO_ACTIVE_HSMS'], 'the failed Decrypt is explained by the missing HSMs');
      assert.match(only(r, 'NO_ACTIVE_HSMS').cause, /still shows CONNECTED, but every cryptographic operation/);
      await w.disconnect(storeId);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'INSUFFICIENT_CLOUDHSM_HSMS');
      const failed = await w.report();
      const f = only(failed, 'INSUFFICIENT_CLOUDHSM_HSMS');
      assert.deepEqual(codes(failed), ['INSUFFICIENT_CLOUDHSM_HSMS']);
      assert.equal(f.evidence['DescribeClusters.Hsms'], 'none');
      assert.deepEqual(f.fix.awsCli.filter((c) => c.includes('create-hsm')).map((c) => /--availability-zone (\S+)/.exec(c)![1]), ['eu-west-1a', 'eu-west-1b']);
      assert.deepEqual(await w.runFix(f, values), ['awsCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      assert.equal(await w.decrypt(key.blob), 'ok');
    });

    await t.test('the cluster deleted: CLUSTER_DELETED while connected, CLUSTER_NOT_FOUND once it reconnects; a cluster from its newest backup', async () => {
      await w.deleteCluster(cluster);
      const r = await w.report();
      const deleted = only(r, 'CLUSTER_DELETED');
      assert.match(deleted.cause, /The store still shows CONNECTED/);
      assert.equal(deleted.evidence['DescribeClusters.Clusters'], `none with id ${cluster}`);
      await w.disconnect(storeId);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'CLUSTER_NOT_FOUND');
      const f = only(await w.report(), 'CLUSTER_NOT_FOUND');
      assert.match(f.cause, new RegExp(`cannot find an AWS CloudHSM cluster with id ${cluster}`));
      assert.ok(f.fix.awsCli.some((c) => /create-cluster --hsm-type hsm2m\.medium --source-backup-id backup-\w+ --subnet-ids subnet-\w+ subnet-\w+/.test(c)), f.fix.awsCli.join('\n'));
      assert.deepEqual(await w.runFix(f, values), ['awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });
  });

  test('the network: no free address in a subnet, then a subnet deleted', async (t) => {
    const { w, q, storeId, key } = await ready('three', 'eu-central-1');
    const values = { adminPassword: q.AdminPassword, newPassword: 'KnownToMe2024' };
    const subnetC = (await w.cluster(q.ClusterId))!.SubnetMapping!['eu-central-1c']!;

    await t.test('fault exhaust-addresses: predicted with --deep, then INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET naming the subnet', async () => {
      await w.disconnect(storeId);
      await w.keywarden(['fault', 'exhaust-addresses', '--subnet-id', subnetC]);
      const plain = await w.report({ deep: false });
      assert.deepEqual(codes(plain), ['STORE_DISCONNECTED']);
      assert.ok(plain.notChecked.some((n) => n.check.startsWith(`the subnets of cluster ${q.ClusterId}`) && n.reason === 'the endpoint does not answer EC2 DescribeSubnets'));
      const predicted = only(await w.report(), 'NO_FREE_ADDRESSES');
      assert.match(predicted.title, new RegExp(`subnet ${subnetC} of cluster ${q.ClusterId} has no free IP address`));
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET');
      const f = only(await w.report(), 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET');
      assert.equal(f.evidence[`KeywardenAdmin.ListSubnets.${subnetC}.AvailableIpAddressCount`], 0);
      assert.ok(f.fix.awsCli.includes(`aws ec2 describe-network-interfaces --filters Name=subnet-id,Values=${subnetC} --query 'NetworkInterfaces[].[NetworkInterfaceId,Status,Description]' --output text`));
      assert.deepEqual(await w.runFix(f, values), ['awsCli', 'keywarden', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
    });

    await t.test('fault delete-subnet: predicted, then SUBNET_NOT_FOUND; a cluster from a fresh backup in subnets that exist', async () => {
      await w.disconnect(storeId);
      await w.keywarden(['fault', 'delete-subnet', '--subnet-id', subnetC]);
      assert.match(only(await w.report(), 'SUBNET_DELETED').cause, /Connecting will fail with SUBNET_NOT_FOUND/);
      assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'SUBNET_NOT_FOUND');
      const f = only(await w.report(), 'SUBNET_NOT_FOUND');
      assert.match(f.title, new RegExp(`subnet ${subnetC} of the cluster was deleted`));
      const mapping = (await w.cluster(q.ClusterId))!.SubnetMapping!;
      assert.ok(f.fix.awsCli.some((c) => c.includes(`--subnet-ids ${mapping['eu-central-1a']} ${mapping['eu-central-1b']} `)));
      assert.deepEqual(await w.runFix(f, values), ['awsCli', 'keywarden', 'awsCli', 'awsCli', 'awsCli', 'awsCli', 'awsCli']);
      await w.waitFor(storeId, 'CONNECTED');
      assert.notEqual((await w.store(storeId)).CloudHsmClusterId, q.ClusterId);
      assert.equal(await w.decrypt(key.blob), 'ok');
      assert.deepEqual(codes(await w.report()), []);
    });
  });

  test('a store without keys: kmsuser deleted, USER_NOT_FOUND; created again with cloudhsm_mgmt_util', async () => {
    const w = new DoctorWorld(server.url, 'ap-southeast-2', 'four');
    worlds.push(w);
    const q: QuickCluster = await w.quickstart();
    const storeId = await w.createStore('EmptyKeyStore', q, readFileSync(q.TrustAnchorCertificateFile, 'utf8'));
    await w.connect(storeId);
    await w.disconnect(storeId);
    const token = await w.login(q.ClusterId, 'admin', q.AdminPassword, 'admin');
    await w.hsm('DeleteUser', { ClusterId: q.ClusterId, SessionToken: token, Username: 'kmsuser', Role: 'crypto-user' });
    await w.hsm('Logout', { ClusterId: q.ClusterId, SessionToken: token });
    const predicted = await w.report();
    assert.match(only(predicted, 'KMSUSER_MISSING').cause, /connecting will fail with USER_NOT_FOUND/);
    assert.equal(only(predicted, 'STORE_DISCONNECTED').severity, 'warning', 'no key is Unavailable');
    assert.equal((await w.connect(storeId, 'FAILED')).ConnectionErrorCode, 'USER_NOT_FOUND');
    const f = only(await w.report(), 'USER_NOT_FOUND');
    assert.ok(f.fix.legacyTools.includes('aws-cloudhsm>createUser CU kmsuser <new-kmsuser-password>'));
    assert.deepEqual(await w.runFix(f, { adminPassword: q.AdminPassword, newPassword: 'KmsUser2024' }, ['legacyTools', 'awsCli']), ['awsCli', 'legacyTools', 'awsCli', 'awsCli']);
    await w.waitFor(storeId, 'CONNECTED');
    assert.deepEqual(codes(await w.report()), []);
  });
});
