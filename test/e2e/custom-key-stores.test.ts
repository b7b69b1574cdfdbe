// Custom key stores through `aws kms`, `aws cloudhsmv2` and Keywarden's own CLI, against a real
// server: every statement of the troubleshooting guide (seed 000) about key stores, connection
// states, error codes and key states, each failure produced the way it happens and repaired the
// way the guide says, with ciphertexts made before each failure decrypting after the repair.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ConnectCustomKeyStoreCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EncryptCommand,
  KMSClient,
  KMSInternalException,
  KMSServiceException,
} from '@aws-sdk/client-kms';
import { call } from '../../src/cli/client.js';
import { awsAsync, run } from '../support/aws-cli.js';
import { b64, keyArn, kmsCli } from '../support/kms-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { adminApi, b64in, cloudHsmApi, kmsApi } from '../support/wire-api.js';
import { readyCluster } from '../support/sdk-setup.js';

const CANNOT_COMMUNICATE =
  'KMS cannot communicate with your CloudHSM cluster. This might be a transient network issue. If you see this error repeatedly, verify that the Network ACLs and the security group rules for the VPC of your AWS CloudHSM cluster are correct.';
const KMSUSER_LOCKED_OUT =
  'KMS cannot communicate with your AWS CloudHSM cluster because the kmsuser is locked out. If you see this error repeatedly, disconnect the AWS CloudHSM key store and reset the kmsuser account password. Update the kmsuser password for the custom key store and try the request again.';
const LIST_ENTRY_MEMBERS = ['CloudHsmClusterId', 'ConnectionState', 'CreationDate', 'CustomKeyStoreId', 'CustomKeyStoreName', 'CustomKeyStoreType', 'TrustAnchorCertificate'];

let server: TestServer;
let work: string;
let sdk: KMSClient;
const { kms, kmsFails, fileb } = kmsCli(() => server.url, () => work);

before(async () => {
  server = await startServer({ args: ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'], allowClockControl: true });
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-cks-'));
  sdk = new KMSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  sdk?.destroy();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Quickstart {
  ClusterId: string;
  TrustAnchorCertificateFile: string;
  AdminPassword: string;
  KmsuserPassword: string;
}

/** `./bin/keywarden <args> --endpoint URL`, with the tools' sessions kept in `state` (one person at one machine). */
const keywarden = (args: string[], input?: string, state = 'state') =>
  run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: work, input, env: { KEYWARDEN_STATE_DIR: join(work, state) } });

async function quickstart(caFile: string): Promise<Quickstart> {
  const r = await keywarden(['cluster', 'quickstart', '--json', '--trust-anchor-file', caFile]);
  assert.equal(r.status, 0, r.stderr);
  return r.json as Quickstart;
}

/** CloudHSM CLI with one command per line; returns each command's JSON envelope. */
async function cloudhsmCli(clusterId: string, lines: string[], state = 'state'): Promise<Array<{ error_code: number; data: any }>> {
  const r = await keywarden(['cloudhsm-cli', '--cluster-id', clusterId], lines.join('\n') + '\n', state);
  const out: Array<{ error_code: number; data: any }> = [];
  let doc = '';
  for (const line of r.stdout.split('\n')) {
    if (!doc && line !== '{') continue;
    doc += line + '\n';
    if (line === '}') {
      out.push(JSON.parse(doc));
      doc = '';
    }
  }
  return out;
}

/** As admin: the commands between login and logout; every one must succeed. */
async function asAdmin(q: Quickstart, clusterId: string, lines: string[]): Promise<Array<{ error_code: number; data: any }>> {
  const out = await cloudhsmCli(clusterId, [`login --username admin --role admin --password ${q.AdminPassword}`, ...lines, 'logout'], 'admin-state');
  assert.deepEqual(out.map((e) => e.error_code), out.map(() => 0), JSON.stringify(out));
  return out.slice(1, -1);
}

/** Keywarden's admin API, signed with the dev credential whatever the machine's AWS configuration says. */
const admin = (op: string, input: unknown) =>
  call({ endpoint: new URL(server.url), accessKeyId: 'test', secretAccessKey: 'test', region: process.env.AWS_REGION || 'us-east-1' }, `KeywardenAdmin.${op}`, 'keywarden', input);

// The walk-through, connecting (connectCli) and the README run the documented commands: the AWS
// CLI, `keywarden` and the CloudHSM CLI. Elsewhere the CloudHSM CLI carries out each repair, as the
// guide has a person do, while the calls that set up or read state for the checks go through the
// API from this process: the same answers, without a process of most of a second of CPU for each.
const { kms: api, kmsFails: apiFails } = kmsApi(() => server.url);
const { hsm } = cloudHsmApi(() => server.url);
const { admin: keywardenAdmin } = adminApi(() => server.url);

/** A cluster as quickstart leaves it, made from this process (quickstart runs in the walk-through). */
async function quickstartInProcess(caFile: string): Promise<Quickstart> {
  const c = await readyCluster(server.url);
  const file = join(work, caFile);
  writeFileSync(file, c.trustAnchor);
  return { ClusterId: c.clusterId, TrustAnchorCertificateFile: file, AdminPassword: c.adminPassword, KmsuserPassword: c.kmsuserPassword };
}

/** DescribeCustomKeyStores' entry for one store, through the API. */
async function storeEntry(id: string): Promise<Record<string, unknown>> {
  const out = await api('DescribeCustomKeyStores', { CustomKeyStoreId: id });
  assert.equal(out.CustomKeyStores.length, 1);
  return out.CustomKeyStores[0];
}

async function describeStore(id: string): Promise<Record<string, unknown>> {
  const out = await kms('describe-custom-key-stores', '--custom-key-store-id', id);
  assert.equal(out.CustomKeyStores.length, 1);
  return out.CustomKeyStores[0];
}

/** Polls DescribeCustomKeyStores until the connection attempt has ended, as the guide says to. */
async function settled(id: string): Promise<{ ConnectionState?: string; ConnectionErrorCode?: string }> {
  const end = Date.now() + 30_000;
  for (;;) {
    const entry = (await sdk.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }))).CustomKeyStores![0]!;
    if (entry.ConnectionState !== 'CONNECTING') return entry;
    if (Date.now() > end) throw new Error(`${id} is still CONNECTING`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const outcome = (entry: { ConnectionState?: string; ConnectionErrorCode?: string }) => {
  if (entry.ConnectionState !== 'FAILED') assert.equal(entry.ConnectionErrorCode, undefined, 'ConnectionErrorCode appears only while FAILED');
  return entry.ConnectionState === 'FAILED' ? `FAILED ${entry.ConnectionErrorCode}` : String(entry.ConnectionState);
};

/** `aws kms connect-custom-key-store`: it answers at once; then the state (and code) the attempt ended in. */
async function connectCli(id: string): Promise<string> {
  const r = await awsAsync(server.url, ['kms', 'connect-custom-key-store', '--custom-key-store-id', id]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '', 'ConnectCustomKeyStore answers {}');
  const entry = await describeStore(id);
  if (entry.ConnectionState === 'FAILED') assert.deepEqual(Object.keys(entry).sort(), [...LIST_ENTRY_MEMBERS, 'ConnectionErrorCode'].sort());
  return outcome(await settled(id));
}

/** The same through the SDK, for the repair loops. */
async function connect(id: string): Promise<string> {
  await sdk.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  return outcome(await settled(id));
}

const disconnect = (id: string) => sdk.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
const reconnect = async (id: string) => {
  await disconnect(id);
  return connect(id);
};

const CONTEXT = { purpose: 'cks-e2e' };
const keyState = async (keyId: string) => (await sdk.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState;
const encrypt = async (keyId: string, text: string) =>
  Buffer.from((await sdk.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(text), EncryptionContext: CONTEXT }))).CiphertextBlob!);
const decrypt = async (blob: Buffer) =>
  Buffer.from((await sdk.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: CONTEXT }))).Plaintext!).toString();

/** The error an SDK call fails with: its AWS error name and message. */
async function sdkError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof KMSServiceException, String(err));
    return `${err.name}: ${err.message}`;
  }
  throw new assert.AssertionError({ message: 'the call should have failed' });
}
const encryptFails = async (type: string, keyId: string) => {
  const e = await sdkError(sdk.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionContext: CONTEXT })));
  assert.ok(e.startsWith(`${type}: `), e);
  return e.slice(type.length + 2);
};

/** The newest READY backup of a cluster. */
async function newestBackup(clusterId: string): Promise<string> {
  const { Backups } = await hsm('DescribeBackups', { Filters: { clusterIds: [clusterId] } });
  const ready = (Backups as Array<{ BackupId: string; BackupState: string }>).filter((b) => b.BackupState === 'READY');
  assert.ok(ready.length > 0, `cluster ${clusterId} has a READY backup`);
  return ready[0]!.BackupId;
}

/** A cluster created from a backup, with two HSMs in different zones (both ACTIVE). */
async function clusterFromBackup(backupId: string): Promise<string> {
  const { Subnets } = (await keywardenAdmin('ListSubnets')) as { Subnets: Array<{ SubnetId: string; AvailabilityZone: string }> };
  const two = Subnets.slice(0, 2);
  const created = await hsm('CreateCluster', { HsmType: 'hsm2m.medium', SourceBackupId: backupId, SubnetIds: two.map((s) => s.SubnetId) });
  const id = created.Cluster.ClusterId as string;
  assert.equal(created.Cluster.SourceBackupId, backupId);
  for (const s of two) await hsm('CreateHsm', { ClusterId: id, AvailabilityZone: s.AvailabilityZone });
  const cluster = (await hsm('DescribeClusters', { Filters: { clusterIds: [id] } })).Clusters[0];
  assert.equal(cluster.State, 'ACTIVE');
  assert.equal(cluster.Hsms.filter((h: { State: string }) => h.State === 'ACTIVE').length, 2);
  return id;
}

async function deleteHsms(clusterId: string): Promise<void> {
  const cluster = (await hsm('DescribeClusters', { Filters: { clusterIds: [clusterId] } })).Clusters[0];
  for (const h of cluster.Hsms) await hsm('DeleteHsm', { ClusterId: clusterId, HsmId: h.HsmId });
}

// The state the tests below share: the newcomer's key store and key, and a ciphertext made at the start.
let qs: Quickstart;
let storeId: string;
let keyId: string;
let clusterId: string;
let before1: Buffer;

test('the walk-through: quickstart, create-custom-key-store, connect, create-key with Origin AWS_CLOUDHSM, cryptography in the cluster', async () => {
  qs = await quickstart('customerCA.crt');
  clusterId = qs.ClusterId;
  const created = await kms(
    'create-custom-key-store',
    '--custom-key-store-name', 'ExampleKeyStore',
    '--cloud-hsm-cluster-id', clusterId,
    '--key-store-password', qs.KmsuserPassword,
    '--trust-anchor-certificate', `file://${qs.TrustAnchorCertificateFile}`,
  );
  storeId = created.CustomKeyStoreId;
  assert.match(storeId, /^cks-[0-9a-f]{17}$/);

  // Exactly the members of a list entry (seed 001); no ConnectionErrorCode unless FAILED; no password.
  const entry = await describeStore(storeId);
  assert.deepEqual(Object.keys(entry).sort(), LIST_ENTRY_MEMBERS);
  assert.equal(entry.ConnectionState, 'DISCONNECTED');
  assert.equal(entry.CustomKeyStoreName, 'ExampleKeyStore');
  assert.equal(entry.CloudHsmClusterId, clusterId);
  assert.equal(entry.CustomKeyStoreType, 'AWS_CLOUDHSM');
  assert.match(String(entry.TrustAnchorCertificate), /^-----BEGIN CERTIFICATE-----/);
  assert.ok(Math.abs(Number(entry.CreationDate) - Date.now() / 1000) < 120);
  assert.ok(!JSON.stringify(await kms('describe-custom-key-stores')).includes(qs.KmsuserPassword));
  assert.ok(!server.output().includes(qs.KmsuserPassword), 'the password is never logged');

  // Creating a key needs a connected store.
  await kmsFails('CreateKey', 'CustomKeyStoreInvalidStateException', 'create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId);
  assert.equal(await connectCli(storeId), 'CONNECTED');

  const md = (await kms('create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId, '--description', 'kept in the cluster')).KeyMetadata;
  keyId = md.KeyId;
  assert.equal(md.KeyState, 'Enabled');
  assert.equal(md.Enabled, true);
  assert.equal(md.Origin, 'AWS_CLOUDHSM');
  assert.equal(md.CustomKeyStoreId, storeId);
  assert.equal(md.CloudHsmClusterId, clusterId);
  assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
  assert.equal(md.KeyManager, 'CUSTOMER');
  assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
  assert.equal(md.MultiRegion, false);
  assert.equal('CurrentKeyMaterialId' in md, false);
  assert.deepEqual((await kms('describe-key', '--key-id', keyId)).KeyMetadata, md);

  // The backing key: in the cluster, owned by kmsuser, labelled with the key ARN.
  const [listed] = await asAdmin(qs, clusterId, [`key list --filter attr.label=${keyArn(keyId)}`]);
  assert.equal(listed!.data.matched_keys.length, 1);
  // While connected the service is logged in as kmsuser: nobody can reset its password.
  const refused = await cloudhsmCli(clusterId, [`login --username admin --role admin --password ${qs.AdminPassword}`, `user change-password --username kmsuser --role crypto-user --password Whatever12`, 'logout'], 'admin-state');
  assert.equal(refused[1]!.error_code, 1);
  assert.match(refused[1]!.data, /logged in.*KMS for a connected custom key store/);

  before1 = b64((await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('made before any failure'), '--encryption-context', 'purpose=cks-e2e')).CiphertextBlob);
  assert.equal(b64((await kms('decrypt', '--ciphertext-blob', fileb(before1), '--encryption-context', 'purpose=cks-e2e')).Plaintext).toString(), 'made before any failure');
  const enc = await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('x'));
  assert.equal(enc.KeyId, keyArn(keyId));
  assert.equal('KeyMaterialId' in enc, false);
  const dk = await kms('generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256', '--encryption-context', 'purpose=cks-e2e');
  assert.equal(b64(dk.Plaintext).length, 32);
  assert.deepEqual(b64((await kms('decrypt', '--ciphertext-blob', fileb(b64(dk.CiphertextBlob)), '--encryption-context', 'purpose=cks-e2e')).Plaintext), b64(dk.Plaintext));
  const dkw = await kms('generate-data-key-without-plaintext', '--key-id', keyId, '--number-of-bytes', '16');
  assert.equal(b64((await kms('decrypt', '--ciphertext-blob', fileb(b64(dkw.CiphertextBlob)))).Plaintext).length, 16);
  const plainKey = (await kms('create-key')).KeyMetadata.KeyId;
  const moved = await kms('re-encrypt', '--ciphertext-blob', fileb(before1), '--source-encryption-context', 'purpose=cks-e2e', '--destination-key-id', plainKey);
  assert.equal(moved.SourceKeyId, keyArn(keyId));
  const back = await kms('re-encrypt', '--ciphertext-blob', fileb(b64(moved.CiphertextBlob)), '--destination-key-id', keyId, '--destination-encryption-context', 'purpose=cks-e2e');
  assert.equal(await decrypt(b64(back.CiphertextBlob)), 'made before any failure');

  const random = await kms('generate-random', '--number-of-bytes', '32', '--custom-key-store-id', storeId);
  assert.equal(b64(random.Plaintext).length, 32);
  await kmsFails('GenerateRandom', 'CustomKeyStoreNotFoundException', 'generate-random', '--number-of-bytes', '8', '--custom-key-store-id', 'cks-00000000000000000');
  await kmsFails('CreateKey', 'UnsupportedOperationException', 'create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId, '--key-spec', 'RSA_2048');
  await kmsFails('CreateKey', 'UnsupportedOperationException', 'create-key', '--custom-key-store-id', storeId);
  await kmsFails('CreateKey', 'UnsupportedOperationException', 'create-key', '--origin', 'AWS_CLOUDHSM');
  await kmsFails('CreateKey', 'UnsupportedOperationException', 'create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', storeId, '--multi-region');
  await kmsFails('CreateKey', 'CustomKeyStoreNotFoundException', 'create-key', '--origin', 'AWS_CLOUDHSM', '--custom-key-store-id', 'cks-00000000000000000');
});

test('disconnected: keys Unavailable (PendingDeletion stays), crypto KMSInvalidStateException; reconnecting restores each previous state', async () => {
  const make = async () => (await api('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })).KeyMetadata.KeyId as string;
  const [disabled, enableLater, pending, cancelled] = [await make(), await make(), await make(), await make()];
  await api('DisableKey', { KeyId: disabled });
  await api('DisableKey', { KeyId: enableLater });
  await api('ScheduleKeyDeletion', { KeyId: pending, PendingWindowInDays: 7 });
  await api('CreateAlias', { AliasName: 'alias/in-the-cluster', TargetKeyId: keyId });

  await kms('disconnect-custom-key-store', '--custom-key-store-id', storeId);
  assert.equal((await describeStore(storeId)).ConnectionState, 'DISCONNECTED');
  const states = async () => Promise.all([keyId, disabled, enableLater, pending, cancelled].map(keyState));
  assert.deepEqual(await states(), ['Unavailable', 'Unavailable', 'Unavailable', 'PendingDeletion', 'Unavailable']);
  const md = (await api('DescribeKey', { KeyId: 'alias/in-the-cluster' })).KeyMetadata;
  assert.equal(md.Enabled, false);
  assert.equal(md.CloudHsmClusterId, clusterId);

  const unavailable = `${keyArn(keyId)} is unavailable.`;
  assert.equal(await apiFails('Encrypt', 'KMSInvalidStateException', { KeyId: keyId, Plaintext: b64in('x') }), unavailable);
  assert.equal(await apiFails('Decrypt', 'KMSInvalidStateException', { CiphertextBlob: b64in(before1), EncryptionContext: CONTEXT }), unavailable);
  await apiFails('GenerateDataKey', 'KMSInvalidStateException', { KeyId: keyId, KeySpec: 'AES_256' });
  await apiFails('ReEncrypt', 'KMSInvalidStateException', { CiphertextBlob: b64in(before1), SourceEncryptionContext: CONTEXT, DestinationKeyId: keyId });
  await apiFails('CreateKey', 'CustomKeyStoreInvalidStateException', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId });
  await apiFails('GenerateRandom', 'CustomKeyStoreInvalidStateException', { NumberOfBytes: 8, CustomKeyStoreId: storeId });
  await apiFails('DisconnectCustomKeyStore', 'CustomKeyStoreInvalidStateException', { CustomKeyStoreId: storeId });

  // Viewing and managing work; EnableKey/DisableKey succeed and take effect once the key is available.
  await api('EnableKey', { KeyId: enableLater });
  await api('DisableKey', { KeyId: keyId });
  await api('EnableKey', { KeyId: keyId });
  await api('TagResource', { KeyId: keyId, Tags: [{ TagKey: 'team', TagValue: 'vault' }] });
  assert.equal((await api('ScheduleKeyDeletion', { KeyId: cancelled, PendingWindowInDays: 7 })).KeyState, 'PendingDeletion');
  await api('CancelKeyDeletion', { KeyId: cancelled });
  await apiFails('CancelKeyDeletion', 'KMSInvalidStateException', { KeyId: keyId });
  assert.deepEqual(await states(), ['Unavailable', 'Unavailable', 'Unavailable', 'PendingDeletion', 'Unavailable']);

  assert.equal(await connectCli(storeId), 'CONNECTED');
  assert.deepEqual(await states(), ['Enabled', 'Disabled', 'Enabled', 'PendingDeletion', 'Disabled']);
  assert.equal(await decrypt(before1), 'made before any failure');
});

describe('create, update, delete: AWS\u2019s checks and exceptions', () => {
  let second: Quickstart;

  test('CreateCustomKeyStore refuses names and clusters in use, unknown and inactive clusters, another trust anchor, too few HSMs', async () => {
    second = await quickstartInProcess('second-CA.crt');
    const create = (name: string, cluster: string, ca: string, password = second.KmsuserPassword) => ({
      CustomKeyStoreName: name,
      CloudHsmClusterId: cluster,
      KeyStorePassword: password,
      TrustAnchorCertificate: readFileSync(ca, 'utf8'),
    });
    const ca = second.TrustAnchorCertificateFile;
    await apiFails('CreateCustomKeyStore', 'CustomKeyStoreNameInUseException', create('ExampleKeyStore', second.ClusterId, ca));
    await apiFails('CreateCustomKeyStore', 'CloudHsmClusterInUseException', create('Other', clusterId, qs.TrustAnchorCertificateFile));
    await apiFails('CreateCustomKeyStore', 'CloudHsmClusterNotFoundException', create('Other', 'cluster-zzzzzzzzzzz', ca));
    await apiFails('CreateCustomKeyStore', 'IncorrectTrustAnchorException', create('Other', second.ClusterId, qs.TrustAnchorCertificateFile));
    const { Subnets } = (await keywardenAdmin('ListSubnets')) as { Subnets: Array<{ SubnetId: string }> };
    const uninitialized = (await hsm('CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: Subnets.map((s) => s.SubnetId) })).Cluster.ClusterId;
    await apiFails('CreateCustomKeyStore', 'CloudHsmClusterNotActiveException', create('Other', uninitialized, ca));
    const cluster = (await hsm('DescribeClusters', { Filters: { clusterIds: [second.ClusterId] } })).Clusters[0];
    const [first] = cluster.Hsms;
    await hsm('DeleteHsm', { ClusterId: second.ClusterId, HsmId: first.HsmId });
    const message = await apiFails('CreateCustomKeyStore', 'CloudHsmClusterInvalidConfigurationException', create('Other', second.ClusterId, ca));
    assert.match(message, /two active HSMs in different Availability Zones/);
    await hsm('CreateHsm', { ClusterId: second.ClusterId, AvailabilityZone: first.AvailabilityZone });

    const id = (await api('CreateCustomKeyStore', create('SecondKeyStore', second.ClusterId, ca))).CustomKeyStoreId;
    assert.equal((await api('CreateCustomKeyStore', create('SecondKeyStore', second.ClusterId, ca))).CustomKeyStoreId, id, 'the same values again: the same store');
    await apiFails('CreateCustomKeyStore', 'CustomKeyStoreNameInUseException', create('SecondKeyStore', second.ClusterId, ca, 'DifferentPassword1'));

    // USER_NOT_FOUND: no kmsuser in the cluster. Repair: create it, tell the store its password.
    await asAdmin(second, second.ClusterId, ['user delete --username kmsuser --role crypto-user']);
    assert.equal(await connectCli(id), 'FAILED USER_NOT_FOUND');
    await apiFails('ConnectCustomKeyStore', 'CustomKeyStoreInvalidStateException', { CustomKeyStoreId: id });
    await asAdmin(second, second.ClusterId, ['user create --username kmsuser --role crypto-user --password NewKmsuser1']);
    await disconnect(id);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: id, KeyStorePassword: 'NewKmsuser1' });
    assert.equal(await connect(id), 'CONNECTED');

    // Renamed while connected; found by its new name.
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: id, NewCustomKeyStoreName: 'RenamedKeyStore' });
    assert.equal((await api('DescribeCustomKeyStores', { CustomKeyStoreName: 'RenamedKeyStore' })).CustomKeyStores[0].CustomKeyStoreId, id);
    await apiFails('DescribeCustomKeyStores', 'CustomKeyStoreNotFoundException', { CustomKeyStoreName: 'SecondKeyStore' });
    await apiFails('UpdateCustomKeyStore', 'CustomKeyStoreNameInUseException', { CustomKeyStoreId: id, NewCustomKeyStoreName: 'ExampleKeyStore' });

    // Deleted only when disconnected (and empty): the cluster keeps kmsuser.
    await apiFails('DeleteCustomKeyStore', 'CustomKeyStoreInvalidStateException', { CustomKeyStoreId: id });
    await disconnect(id);
    await api('DeleteCustomKeyStore', { CustomKeyStoreId: id });
    await apiFails('DescribeCustomKeyStores', 'CustomKeyStoreNotFoundException', { CustomKeyStoreId: id });
    const [users] = await asAdmin(second, second.ClusterId, ['user list']);
    assert.ok(users!.data.users.some((u: { username: string }) => u.username === 'kmsuser'));
  });

  test('UpdateCustomKeyStore: password and cluster only while disconnected; an unrelated cluster is CloudHsmClusterNotRelatedException', async () => {
    await apiFails('UpdateCustomKeyStore', 'CustomKeyStoreInvalidStateException', { CustomKeyStoreId: storeId, KeyStorePassword: 'Whatever123' });
    await apiFails('UpdateCustomKeyStore', 'CustomKeyStoreInvalidStateException', { CustomKeyStoreId: storeId, CloudHsmClusterId: second.ClusterId });
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, NewCustomKeyStoreName: 'ExampleKeyStoreRenamed' });
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, NewCustomKeyStoreName: 'ExampleKeyStore' });
    await apiFails('DeleteCustomKeyStore', 'CustomKeyStoreInvalidStateException', { CustomKeyStoreId: storeId });

    await disconnect(storeId);
    await apiFails('DeleteCustomKeyStore', 'CustomKeyStoreHasCMKsException', { CustomKeyStoreId: storeId });
    const message = await apiFails('UpdateCustomKeyStore', 'CloudHsmClusterNotRelatedException', { CustomKeyStoreId: storeId, CloudHsmClusterId: second.ClusterId });
    assert.match(message, /does not share a backup history/);
    await apiFails('UpdateCustomKeyStore', 'CloudHsmClusterNotFoundException', { CustomKeyStoreId: storeId, CloudHsmClusterId: 'cluster-zzzzzzzzzzz' });
    assert.equal((await storeEntry(storeId)).CloudHsmClusterId, clusterId);
    assert.equal(await connect(storeId), 'CONNECTED');

    const page = await kms('describe-custom-key-stores', '--limit', '1');
    assert.equal(page.CustomKeyStores.length, 1);
    assert.equal(page.Truncated, false, 'the other store was deleted');
    await kmsFails('DescribeCustomKeyStores', 'InvalidMarkerException', 'describe-custom-key-stores', '--marker', 'not-a-marker');
  });
});

describe('connection failures and the troubleshooting guide\u2019s repairs (ciphertexts made before still decrypt)', () => {
  const repaired = async () => assert.equal(await decrypt(before1), 'made before any failure');

  test('network path cut: crypto says KMS cannot communicate; connecting ends in NETWORK_ERRORS', async () => {
    await admin('SetFault', { Fault: 'NETWORK_CUT', ClusterId: clusterId });
    assert.equal(await encryptFails('KMSInvalidStateException', keyId), CANNOT_COMMUNICATE);
    assert.equal(await reconnect(storeId), 'FAILED NETWORK_ERRORS');
    await admin('ClearFault', { Fault: 'NETWORK_CUT', ClusterId: clusterId });
    assert.equal(await reconnect(storeId), 'CONNECTED');
    await repaired();
  });

  test('INTERNAL_ERROR: disconnect and connect again', async () => {
    await disconnect(storeId);
    await admin('SetFault', { Fault: 'CONNECT_INTERNAL_ERROR', CustomKeyStoreId: storeId });
    assert.deepEqual((await admin('ListFaults', {})).Faults.map((f: { Fault: string }) => f.Fault), ['CONNECT_INTERNAL_ERROR']);
    assert.equal(await connect(storeId), 'FAILED INTERNAL_ERROR');
    assert.equal(await reconnect(storeId), 'CONNECTED');
    await repaired();
  });

  test('INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: one free address is needed in every subnet of the cluster', async () => {
    const cluster = (await hsm('DescribeClusters', { Filters: { clusterIds: [clusterId] } })).Clusters[0];
    const subnet = Object.values(cluster.SubnetMapping as Record<string, string>)[0]!;
    await keywardenAdmin('SetFreeAddresses', { SubnetId: subnet, FreeAddresses: 0 });
    assert.equal(await reconnect(storeId), 'FAILED INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET');
    await keywardenAdmin('SetFreeAddresses', { SubnetId: subnet, FreeAddresses: 200 });
    assert.equal(await reconnect(storeId), 'CONNECTED');
    await repaired();
  });

  test('kmsuser locked out while connected: its own message; reset the password, update the store, reconnect', async () => {
    const wrong = Array.from({ length: 5 }, () => 'login --username kmsuser --role crypto-user --password WrongPassword1');
    const tries = await cloudhsmCli(clusterId, wrong, 'intruder');
    assert.deepEqual(tries.map((t) => t.error_code), [1, 1, 1, 1, 1]);
    assert.equal(await encryptFails('KMSInvalidStateException', keyId), KMSUSER_LOCKED_OUT);
    await disconnect(storeId);
    await asAdmin(qs, clusterId, ['user change-password --username kmsuser --role crypto-user --password Unlocked123']);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, KeyStorePassword: 'Unlocked123' });
    assert.equal(await connect(storeId), 'CONNECTED');
    await repaired();
  });

  test('PKCS #11 sessions exhausted: KMSInternalException naming them, so clients back off and retry', async () => {
    // One session per HSM, two HSMs: the service holds one, an admin left logged in the other.
    await admin('SetFault', { Fault: 'SESSION_LIMIT', ClusterId: clusterId, SessionsPerHsm: 1 });
    const login = await cloudhsmCli(clusterId, [`login --username admin --role admin --password ${qs.AdminPassword}`], 'busy');
    assert.equal(login[0]!.error_code, 0);
    const message = await encryptFails('KMSInternalException', keyId);
    assert.match(message, /no available PKCS #11 sessions.*Back off and retry/);
    await assert.rejects(sdk.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), KMSInternalException);
    await cloudhsmCli(clusterId, ['logout'], 'busy');
    await admin('ClearFault', { Fault: 'SESSION_LIMIT', ClusterId: clusterId });
    await Promise.all(Array.from({ length: 10 }, () => sdk.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('burst') }))));
    await repaired();
  });

  test('USER_LOGGED_IN: a person left logged in as kmsuser; log out and reconnect', async () => {
    await disconnect(storeId);
    await asAdmin(qs, clusterId, ['user change-password --username kmsuser --role crypto-user --password TempPassword1']);
    const me = await cloudhsmCli(clusterId, ['login --username kmsuser --role crypto-user --password TempPassword1', 'key list'], 'kmsuser-desk');
    assert.deepEqual(me.map((e) => e.error_code), [0, 0]);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, KeyStorePassword: 'TempPassword1' });
    assert.equal(await connect(storeId), 'FAILED USER_LOGGED_IN');
    assert.equal((await cloudhsmCli(clusterId, ['logout'], 'kmsuser-desk'))[0]!.data, 'Logout successful');
    assert.equal(await reconnect(storeId), 'CONNECTED');
    await repaired();
  });

  test('INVALID_CREDENTIALS, each attempt counting toward the lockout, then USER_LOCKED_OUT; the seed\u2019s repair', async () => {
    await disconnect(storeId);
    await asAdmin(qs, clusterId, ['user change-password --username kmsuser --role crypto-user --password ChangedBehindKms1']);
    const outcomes = [await connectCli(storeId)];
    for (let i = 0; i < 5; i++) outcomes.push(await reconnect(storeId));
    assert.deepEqual(outcomes, [...Array(5).fill('FAILED INVALID_CREDENTIALS'), 'FAILED USER_LOCKED_OUT']);
    // The seed's example response, member for member.
    const entry = (await api('DescribeCustomKeyStores', { CustomKeyStoreName: 'ExampleKeyStore' })).CustomKeyStores[0];
    assert.equal(entry.ConnectionState, 'FAILED');
    assert.equal(entry.ConnectionErrorCode, 'USER_LOCKED_OUT');
    const [users] = await asAdmin(qs, clusterId, ['user list']);
    assert.equal(users!.data.users.find((u: { username: string }) => u.username === 'kmsuser').locked, 'true');

    await disconnect(storeId);
    await asAdmin(qs, clusterId, ['user change-password --username kmsuser --role crypto-user --password KnownAgain1']);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, KeyStorePassword: 'KnownAgain1' });
    assert.equal(await connect(storeId), 'CONNECTED');
    await repaired();
  });

  test('all HSMs deleted: crypto cannot communicate; connecting ends in INSUFFICIENT_CLOUDHSM_HSMS; add HSMs', async () => {
    const cluster = (await hsm('DescribeClusters', { Filters: { clusterIds: [clusterId] } })).Clusters[0];
    await deleteHsms(clusterId);
    assert.equal(await encryptFails('KMSInvalidStateException', keyId), CANNOT_COMMUNICATE);
    assert.equal(await reconnect(storeId), 'FAILED INSUFFICIENT_CLOUDHSM_HSMS');
    for (const h of cluster.Hsms) await hsm('CreateHsm', { ClusterId: clusterId, AvailabilityZone: h.AvailabilityZone });
    assert.equal(await reconnect(storeId), 'CONNECTED');
    await repaired();
  });

  test('SUBNET_NOT_FOUND: a cluster from the most recent backup (in existing subnets), the store pointed at it', async () => {
    const cluster = (await hsm('DescribeClusters', { Filters: { clusterIds: [clusterId] } })).Clusters[0];
    const used = new Set(cluster.Hsms.map((h: { SubnetId: string }) => h.SubnetId));
    const unused = Object.values(cluster.SubnetMapping as Record<string, string>).find((s) => !used.has(s))!;
    await keywardenAdmin('DeleteSubnet', { SubnetId: unused });
    await disconnect(storeId);
    assert.equal(await connect(storeId), 'FAILED SUBNET_NOT_FOUND');
    await disconnect(storeId);
    // Tip: the most recent backup still has the kmsuser password the service knows.
    const backup = (await keywardenAdmin('BackupCluster', { ClusterId: clusterId })).Backup.BackupId;
    assert.equal(await newestBackup(clusterId), backup);
    const restored = await clusterFromBackup(backup);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, CloudHsmClusterId: restored });
    assert.equal(await connect(storeId), 'CONNECTED');
    assert.equal((await api('DescribeKey', { KeyId: keyId })).KeyMetadata.CloudHsmClusterId, restored);
    clusterId = restored;
    await repaired();
  });

  test('cluster deleted: crypto cannot communicate; CLUSTER_NOT_FOUND; a cluster from its backup, the cluster id updated', async () => {
    await deleteHsms(clusterId);
    await hsm('DeleteCluster', { ClusterId: clusterId });
    assert.equal(await encryptFails('KMSInvalidStateException', keyId), CANNOT_COMMUNICATE);
    assert.equal(await reconnect(storeId), 'FAILED CLUSTER_NOT_FOUND');
    // Removing the HSMs took backups of the cluster as it was, with the service's password.
    const restored = await clusterFromBackup(await newestBackup(clusterId));
    await disconnect(storeId);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, CloudHsmClusterId: restored });
    assert.equal(await connect(storeId), 'CONNECTED');
    clusterId = restored;
    await repaired();
  });

  test('key material deleted by hand: the key becomes Unavailable; recovered from a backup that holds it', async () => {
    const backup = (await keywardenAdmin('BackupCluster', { ClusterId: clusterId })).Backup.BackupId;
    // How to delete key material (seed 000): disconnect, reset kmsuser, log in as kmsuser, key delete, log out.
    await disconnect(storeId);
    await asAdmin(qs, clusterId, ['user change-password --username kmsuser --role crypto-user --password ByHand12345']);
    const found = await cloudhsmCli(clusterId, ['login --username kmsuser --role crypto-user --password ByHand12345', `key list --filter attr.label=${keyArn(keyId)} --verbose`], 'kmsuser-desk');
    const backingKeyId = String(found[1]!.data.matched_keys[0].attributes.id).slice(2);
    const deleted = await cloudhsmCli(clusterId, [`key delete --filter attr.id="0x${backingKeyId}"`, 'logout'], 'kmsuser-desk');
    assert.deepEqual(deleted.map((d) => d.data), [{ message: 'Key deleted successfully' }, 'Logout successful']);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, KeyStorePassword: 'ByHand12345' });
    assert.equal(await connect(storeId), 'CONNECTED');
    assert.equal(await keyState(keyId), 'Unavailable');
    assert.equal(await encryptFails('KMSInvalidStateException', keyId), `${keyArn(keyId)} is unavailable.`);
    assert.match(await sdkError(sdk.send(new DecryptCommand({ CiphertextBlob: before1, EncryptionContext: CONTEXT }))), /^KMSInvalidStateException: .* is unavailable\.$/);

    // How to recover deleted key material: a cluster from a backup made while the key existed.
    const restored = await clusterFromBackup(backup);
    await disconnect(storeId);
    // The backup holds the password the service had then; set a known one in the new cluster.
    await asAdmin(qs, restored, ['user change-password --username kmsuser --role crypto-user --password Recovered123']);
    await api('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, CloudHsmClusterId: restored, KeyStorePassword: 'Recovered123' });
    assert.equal(await connect(storeId), 'CONNECTED');
    assert.equal(await keyState(keyId), 'Enabled');
    clusterId = restored;
    await repaired();
  });
});

test('at the end of the waiting period: metadata deleted, backing key deleted when connected, left in the cluster when disconnected', async () => {
  const other = await quickstartInProcess('third-CA.crt');
  const otherStore = (
    await api('CreateCustomKeyStore', {
      CustomKeyStoreName: 'DisconnectedKeyStore',
      CloudHsmClusterId: other.ClusterId,
      KeyStorePassword: other.KmsuserPassword,
      TrustAnchorCertificate: readFileSync(other.TrustAnchorCertificateFile, 'utf8'),
    })
  ).CustomKeyStoreId;
  assert.equal(await connect(otherStore), 'CONNECTED');
  const orphan = (await api('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: otherStore })).KeyMetadata.KeyId;
  const gone = (await api('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })).KeyMetadata.KeyId;
  for (const k of [orphan, gone]) await api('ScheduleKeyDeletion', { KeyId: k, PendingWindowInDays: 7 });
  await disconnect(otherStore);
  assert.equal(await keyState(orphan), 'PendingDeletion');

  await keywardenAdmin('AdvanceClock', { Duration: '8d' });
  for (const k of [orphan, gone]) await apiFails('DescribeKey', 'NotFoundException', { KeyId: k });

  const labels = async (q: Quickstart, cluster: string) =>
    (await asAdmin(q, cluster, ['key list --max-items 100']))[0]!.data.matched_keys.map((k: { attributes: { label: string } }) => k.attributes.label);
  assert.ok(!(await labels(qs, clusterId)).includes(keyArn(gone)), 'deleted from the connected store\u2019s cluster');
  assert.ok((await labels(other, other.ClusterId)).includes(keyArn(orphan)), 'orphaned in the disconnected store\u2019s cluster');

  // Its only key gone, the disconnected store can be deleted.
  await kms('delete-custom-key-store', '--custom-key-store-id', otherStore);
});

test('a restart keeps the store connected (the service\u2019s kmsuser session with it), its keys usable, and the faults set', async () => {
  await admin('SetFault', { Fault: 'SESSION_LIMIT', ClusterId: clusterId, SessionsPerHsm: 64 });
  await server.restart();
  assert.equal((await describeStore(storeId)).ConnectionState, 'CONNECTED');
  assert.equal(await decrypt(before1), 'made before any failure');
  assert.deepEqual((await admin('ListFaults', {})).Faults.map((f: { Fault: string; ClusterId: string; SessionsPerHsm: number }) => [f.Fault, f.ClusterId, f.SessionsPerHsm]), [['SESSION_LIMIT', clusterId, 64]]);
  await admin('ClearFault', { Fault: 'SESSION_LIMIT', ClusterId: clusterId });
});

test('the README\u2019s custom key store walk-through runs as written', async () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- custom-key-store-walkthrough[^\n]*-->\n```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'the README has the marked walk-through');
  const dir = join(work, 'readme');
  mkdirSync(dir);
  symlinkSync(join(ROOT, 'bin'), join(dir, 'bin'));
  // A service of its own, as a newcomer has: the names the README uses are taken on the other one.
  const fresh = await startServer({ args: ['--cluster-delay-ms', '0'] });
  try {
    const script = m[1]!.replaceAll('http://127.0.0.1:4599', fresh.url);
    const r = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { KEYWARDEN_ENDPOINT: fresh.url, KEYWARDEN_STATE_DIR: join(dir, 'state') } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /hello from the cluster/);
    assert.match(r.stdout, /"Plaintext": "[A-Za-z0-9+/]{22}=="/);
  } finally {
    await fresh.dispose();
  }
});
