// keywarden doctor as a team would point it at an AWS account: a second Keywarden that the
// command finds only through AWS_ENDPOINT_URL and a named profile in its own AWS config and
// credentials files, signing as a principal whose identity policy allows reads only. This
// service takes a minute over every cluster change and connection, as AWS takes minutes, and the
// test moves its clock (`keywarden clock advance`) instead of waiting: so it sees a store while
// CONNECTING, a cluster while MODIFY_IN_PROGRESS refusing a connection, and keys whose waiting
// period ends while their store is disconnected (orphaned key material). Exit statuses and the
// --json shape are checked on the command itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateHsmCommand, CreateClusterCommand, InitializeClusterCommand, ModifyClusterCommand, type ModifyClusterCommandInput } from '@aws-sdk/client-cloudhsm-v2';
import { ConnectCustomKeyStoreCommand, CreateKeyCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { createCertificateAuthority, signClusterCsr } from '../../src/cluster/ca.js';
import type { Report } from '../../src/doctor/diagnose.js';
import { DoctorWorld } from '../support/doctor-world.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

const ACCOUNT = '444455556666';
const ADMIN = { accessKeyId: 'AKIAKWADMIN000000001', secretAccessKey: 'admin-secret-for-the-test' };
const READER = { accessKeyId: 'AKIAKWREADER00000001', secretAccessKey: 'reader-secret-for-the-test' };
const REGION = 'us-west-2';
const ADMIN_PASSWORD = 'AdminPassword2024';
const KMSUSER_PASSWORD = 'KmsuserPassword2024';

let server: TestServer;
let w: DoctorWorld;
let home: string;

/** What the reader may do: read KMS, CloudHSM and CloudTrail, nothing else. */
const READ_ONLY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Describe*', 'kms:List*', 'cloudhsm:Describe*', 'cloudtrail:LookupEvents'], Resource: '*' }],
};

before(async () => {
  home = mkdtempSync(join(tmpdir(), 'keywarden-doctor-profile-'));
  const credentials = join(home, 'keywarden-credentials.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      credentials: [
        { ...ADMIN, accountId: ACCOUNT },
        { ...READER, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/doctor`, identityPolicies: { ReadOnly: READ_ONLY } },
      ],
    }),
  );
  // The AWS side of the reader's machine: a named profile and its keys, nothing in the environment.
  writeFileSync(join(home, 'config'), `[profile prod-readonly]\nregion = ${REGION}\noutput = json\n\n[profile wrong-secret]\nregion = ${REGION}\n`);
  writeFileSync(
    join(home, 'credentials'),
    `[prod-readonly]\naws_access_key_id = ${READER.accessKeyId}\naws_secret_access_key = ${READER.secretAccessKey}\n\n[wrong-secret]\naws_access_key_id = ${READER.accessKeyId}\naws_secret_access_key = not-the-secret\n`,
  );
  server = await startServer({ args: ['--cluster-delay-ms', '60000', '--connect-delay-ms', '60000', '--credentials', credentials], allowClockControl: true });
  w = new DoctorWorld(server.url, REGION, 'profile', ADMIN);
});

after(async () => {
  w?.close();
  await server?.dispose();
  rmSync(home, { recursive: true, force: true });
});

/** `keywarden doctor` with nothing but the AWS config files, the endpoint and `extra` in its environment. */
function doctor(args: string[], extra: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_ENDPOINT_URL: server.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'doctor', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const asReport = (out: { stdout: string }) => JSON.parse(out.stdout) as Report;
const codes = (r: Report) => r.findings.map((f) => f.code);

/** The service's clock, moved with the command a reader would use. */
async function advance(duration: string): Promise<void> {
  const r = await w.keywarden(['clock', 'advance', duration]);
  assert.equal(r.status, 0, r.stderr);
}

async function activeCluster(hsmType: string): Promise<{ clusterId: string; trustAnchor: string }> {
  const subnets: { Subnets: Array<{ SubnetId: string; AvailabilityZone: string }> } = await w.admin('ListSubnets');
  const created = await w.cloudhsm.send(new CreateClusterCommand({ HsmType: hsmType, SubnetIds: subnets.Subnets.map((s) => s.SubnetId) }));
  const clusterId = created.Cluster!.ClusterId!;
  await advance('1m');
  for (const az of [`${REGION}a`, `${REGION}b`]) await w.cloudhsm.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: az }));
  await advance('1m');
  const csr = (await w.cluster(clusterId))!.Certificates!.ClusterCsr!;
  const ca = await createCertificateAuthority('Profile Test CA');
  await w.cloudhsm.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: await signClusterCsr(ca, csr), TrustAnchor: ca.certificatePem }));
  await advance('1m');
  await w.hsm('ActivateCluster', { ClusterId: clusterId, Password: ADMIN_PASSWORD });
  const token = await w.login(clusterId, 'admin', ADMIN_PASSWORD, 'admin');
  await w.hsm('CreateUser', { ClusterId: clusterId, SessionToken: token, Username: 'kmsuser', Role: 'crypto-user', Password: KMSUSER_PASSWORD });
  await w.hsm('Logout', { ClusterId: clusterId, SessionToken: token });
  assert.equal((await w.cluster(clusterId))!.State, 'ACTIVE');
  return { clusterId, trustAnchor: ca.certificatePem };
}

test('doctor through AWS_ENDPOINT_URL and a named profile only: CONNECTING, a cluster MODIFY_IN_PROGRESS, orphaned key material', async (t) => {
  const { clusterId, trustAnchor } = await activeCluster('hsm1.medium');
  const storeId = await w.createStore('ProdKeyStore', { ClusterId: clusterId, AdminPassword: ADMIN_PASSWORD, KmsuserPassword: KMSUSER_PASSWORD, TrustAnchorCertificateFile: '' }, trustAnchor);
  await w.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));

  await t.test('while the connection attempt runs: a note, exit status 0; the read-only principal is enough', async () => {
    const out = await doctor(['--profile', 'prod-readonly', '--json']);
    assert.equal(out.status, 0, out.stderr);
    const r = asReport(out);
    assert.equal(r.region, REGION);
    assert.equal(r.endpoint, server.url);
    assert.deepEqual(codes(r), ['STORE_CONNECTING']);
    assert.equal(r.findings[0]!.severity, 'info');
    assert.equal(r.status, 'healthy');
    await advance('1m');
    await w.waitFor(storeId, 'CONNECTED');
  });

  const keys: string[] = [];
  await t.test('connected, with keys: healthy through AWS_PROFILE as through --profile', async () => {
    for (let i = 0; i < 2; i++) keys.push((await w.kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).KeyMetadata!.KeyId!);
    const viaEnv = await doctor([], { AWS_PROFILE: 'prod-readonly' });
    assert.equal(viaEnv.status, 0, viaEnv.stdout + viaEnv.stderr);
    assert.match(viaEnv.stdout, new RegExp(`^keywarden doctor: 1 AWS CloudHSM key store in ${REGION} at ${server.url}\\n`));
    assert.match(viaEnv.stdout, /ProdKeyStore .*: CONNECTED, 2 keys\n  no problem found\n/);
    const viaFlag = asReport(await doctor(['--profile', 'prod-readonly', '--json', '--custom-key-store-id', storeId]));
    assert.equal(viaFlag.exitCode, 0);
    assert.equal(viaFlag.customKeyStores[0]!.keys, 2);
  });

  await t.test('a cluster MODIFY_IN_PROGRESS refuses a connection at once (CloudHsmClusterNotActiveException): doctor says why and what to wait for', async () => {
    await w.disconnect(storeId);
    // This client's model predates HsmType in ModifyCluster; it sends the member all the same.
    await w.cloudhsm.send(new ModifyClusterCommand({ ClusterId: clusterId, HsmType: 'hsm2m.medium' } as unknown as ModifyClusterCommandInput));
    await assert.rejects(w.kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId })), { name: 'CloudHsmClusterNotActiveException' });
    const out = await doctor(['--profile', 'prod-readonly', '--json']);
    assert.equal(out.status, 1);
    const r = asReport(out);
    const notActive = r.findings.find((f) => f.code === 'CLUSTER_NOT_ACTIVE')!;
    assert.equal(notActive.severity, 'error');
    assert.match(notActive.cause, new RegExp(`refused at once with CloudHsmClusterNotActiveException while cluster ${clusterId} is MODIFY_IN_PROGRESS`));
    assert.equal(notActive.evidence['DescribeClusters.State'], 'MODIFY_IN_PROGRESS');
    assert.match(String(notActive.evidence['CloudTrail.ConnectCustomKeyStore']), /CloudHsmClusterNotActiveException$/);
    // The printed commands carry the profile: the reader's AWS CLI finds the endpoint in AWS_ENDPOINT_URL.
    assert.deepEqual(notActive.fix.awsCli, [
      `aws --profile prod-readonly cloudhsmv2 describe-clusters --filters clusterIds=${clusterId} --query 'Clusters[0].State' --output text`,
      `aws --profile prod-readonly kms connect-custom-key-store --custom-key-store-id ${storeId}`,
      `aws --profile prod-readonly kms describe-custom-key-stores --custom-key-store-id ${storeId} --query 'CustomKeyStores[0].[ConnectionState,ConnectionErrorCode]' --output text`,
    ]);
    const disconnected = r.findings.find((f) => f.code === 'STORE_DISCONNECTED')!;
    assert.match(disconnected.cause, /refused at once with CloudHsmClusterNotActiveException/);
    assert.equal(disconnected.severity, 'error');
    await advance('1m');
    assert.equal((await w.cluster(clusterId))!.State, 'ACTIVE');
  });

  await t.test('keys whose waiting period ends while the store is disconnected: predicted, then orphaned material found in CloudTrail and deleted as kmsuser', async () => {
    for (const k of keys) await w.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k, PendingWindowInDays: 7 }));
    const before = asReport(await doctor(['--profile', 'prod-readonly', '--json']));
    assert.deepEqual(codes(before).sort(), ['PENDING_DELETION_WILL_ORPHAN', 'STORE_DISCONNECTED']);
    await advance('8d');
    const out = await doctor(['--profile', 'prod-readonly', '--json']);
    assert.equal(out.status, 1);
    const r = asReport(out);
    const f = r.findings.find((x) => x.code === 'ORPHANED_KEY_MATERIAL')!;
    assert.ok(f, JSON.stringify(codes(r)));
    const orphans = Object.entries(f.evidence).filter(([k]) => k.startsWith('CloudTrail.DeleteKey'));
    assert.equal(orphans.length, 2);
    const ids = orphans.map(([, v]) => /backingKeyId ([0-9a-f]+), keyHandle (\d+)/.exec(String(v))!);
    for (const [, id, handle] of ids) {
      assert.ok(f.fix.cloudhsmCli.includes(`aws-cloudhsm > key delete --filter attr.id="0x${id}"`));
      assert.ok(f.fix.legacyTools.includes(`Command: deleteKey -k ${handle}`));
    }
    assert.equal(f.guide, 'How to delete orphaned key material');
    // The store has no keys left: disconnected is only a warning now.
    assert.equal(r.findings.find((x) => x.code === 'STORE_DISCONNECTED')!.severity, 'warning');
    // Followed by someone with the rights to repair (the reader may only read), in the runbooks'
    // shell: the same finding, its commands without the reader's profile.
    const admins = (await w.report({ deep: false })).findings.find((x) => x.code === 'ORPHANED_KEY_MATERIAL')!;
    // (The reader's endpoint and Region came from AWS settings, which `keywarden` does not read: its commands name them.)
    assert.deepEqual(admins.fix.cloudhsmCli, f.fix.cloudhsmCli.map((l) => l.replace(` --endpoint ${server.url} --region ${REGION}`, '')));
    assert.deepEqual(await w.runFix(admins, { adminPassword: ADMIN_PASSWORD, newPassword: 'TempPassword1' }, ['awsCli', 'cloudhsmCli']), [
      'cloudhsmCli',
      'cloudhsmCli',
      'cloudhsmCli',
      'awsCli',
      'awsCli',
    ]);
    await advance('1m');
    await w.waitFor(storeId, 'CONNECTED');
    const token = await w.login(clusterId, 'admin', ADMIN_PASSWORD, 'admin');
    for (const [, id] of ids) {
      const left: { Keys: unknown[] } = await w.hsm('ListKeys', { ClusterId: clusterId, SessionToken: token, Filters: [`attr.id=0x${id}`] });
      assert.deepEqual(left.Keys, [], `0x${id} is gone from the cluster`);
    }
    await w.hsm('Logout', { ClusterId: clusterId, SessionToken: token });
  });
});

test('could not check: exit status 2 with the reason; usage errors', async () => {
  const wrong = await doctor(['--profile', 'wrong-secret']);
  assert.equal(wrong.status, 2);
  assert.match(wrong.stdout, /^keywarden doctor: could not check the custom key stores in us-west-2 at http:\/\/127\.0\.0\.1:\d+\.\n  DescribeCustomKeyStores was refused: the credentials are not accepted \(InvalidSignatureException/);

  const closed = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
  const unreachable = asReport(await doctor(['--profile', 'prod-readonly', '--json', '--endpoint', `http://127.0.0.1:${closed}`]));
  assert.equal(unreachable.exitCode, 2);
  assert.equal(unreachable.status, 'could-not-check');
  assert.match(unreachable.problem!, /^DescribeCustomKeyStores could not reach the endpoint \(ECONNREFUSED/);

  const unknown = asReport(await doctor(['--profile', 'prod-readonly', '--json', '--custom-key-store-id', 'cks-00000000000000000']));
  assert.equal(unknown.exitCode, 2);
  assert.match(unknown.problem!, /CustomKeyStoreNotFoundException/);

  const plainKey = (await w.kms.send(new CreateKeyCommand({ Description: 'not in a key store' }))).KeyMetadata!.KeyId!;
  const notInStore = asReport(await doctor(['--profile', 'prod-readonly', '--json', '--key-id', plainKey]));
  assert.equal(notInStore.exitCode, 2);
  assert.equal(notInStore.keyId, plainKey);
  assert.equal(notInStore.problem, `key ${plainKey} is not in a custom key store (origin AWS_KMS); doctor checks keys in AWS CloudHSM key stores.`);

  const noRegion = await doctor(['--json'], { AWS_ACCESS_KEY_ID: READER.accessKeyId, AWS_SECRET_ACCESS_KEY: READER.secretAccessKey });
  assert.equal(noRegion.status, 2);
  assert.match(asReport(noRegion).problem!, /^no Region: pass --region/);

  const usage = await doctor(['--profile', 'prod-readonly', '--color']);
  assert.equal(usage.status, 2);
  assert.equal(usage.stdout, '');
  assert.match(usage.stderr, /^keywarden: unknown option '--color'\nUsage: keywarden doctor /);
  assert.doesNotMatch(usage.stderr, /NodeVersionSupportWarning/);
  const deepAtAws = await doctor(['--profile', 'prod-readonly', '--deep'], { AWS_ENDPOINT_URL: '' });
  assert.equal(deepAtAws.status, 2);
  assert.match(deepAtAws.stderr, /--deep reads Keywarden's own API, so it needs Keywarden's endpoint/);
});
