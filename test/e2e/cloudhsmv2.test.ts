// Black-box tests of the CloudHSM v2 API on Keywarden's endpoint, driven by `aws cloudhsmv2`, the
// AWS SDK for JavaScript v3 (@aws-sdk/client-cloudhsm-v2) and `keywarden network|cluster`: the
// steps the seed pages point to (create a cluster and HSMs, initialise, activate, back up, create
// a cluster from a backup) and the errors AWS gives for what it refuses.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CloudHSMV2Client,
  CloudHSMV2ServiceException,
  CloudHsmInvalidRequestException,
  CloudHsmResourceNotFoundException,
  CopyBackupToRegionCommand,
  CreateClusterCommand,
  CreateHsmCommand,
  DeleteClusterCommand,
  DeleteHsmCommand,
  DescribeBackupsCommand,
  DescribeClustersCommand,
  InitializeClusterCommand,
  ListTagsCommand,
  TagResourceCommand,
  type Cluster,
} from '@aws-sdk/client-cloudhsm-v2';
import { createCertificateAuthority, signClusterCsr, type CertificateAuthority } from '../../src/cluster/ca.js';
import { call } from '../../src/cli/client.js';
import { aws, TEST_ENV, type CliResult } from '../support/aws-cli.js';
import { BIN, startServer, type TestServer } from '../support/server.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const CLUSTER_ID = /^cluster-[a-z2-7]{11}$/;
const HSM_ID = /^hsm-[a-z2-7]{11}$/;
const BACKUP_ID = /^backup-[a-z2-7]{11}$/;

let server: TestServer;
let sdk: CloudHSMV2Client;
let work: string;
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;

before(async () => {
  [server, ca, otherCa] = await Promise.all([
    startServer({ args: ['--cluster-delay-ms', '0'] }),
    createCertificateAuthority('Keywarden Test CA'),
    createCertificateAuthority('Keywarden Test CA'),
  ]);
  sdk = client(REGION);
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-hsm-'));
});

after(async () => {
  sdk?.destroy();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

function client(region: string): CloudHSMV2Client {
  return new CloudHSMV2Client({ endpoint: server.url, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** `aws cloudhsmv2 …` that must succeed; its JSON output. */
function hsm(...args: string[]): any {
  const r = aws(server.url, ['cloudhsmv2', ...args]);
  assert.equal(r.status, 0, `aws cloudhsmv2 ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.json ?? {};
}

/** `aws cloudhsmv2 …` that must fail with `type` from `operation`; the error message. */
function hsmFails(operation: string, type: string, ...args: string[]): string {
  const r = aws(server.url, ['cloudhsmv2', ...args]);
  assert.notEqual(r.status, 0, `aws cloudhsmv2 ${args.join(' ')} should have failed:\n${r.stdout}`);
  const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?(.*)$/s.exec(r.stderr.trim());
  assert.ok(m, `not an AWS service error:\n${r.stderr}`);
  assert.equal(m[2], operation, r.stderr);
  assert.equal(m[1], type, r.stderr);
  return m[3]!.trim();
}

/** `keywarden <args> --endpoint URL`. */
function keywarden(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args, '--endpoint', server.url], { env: { ...process.env, ...TEST_ENV }, encoding: 'utf8' });
  let json: unknown;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

function file(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return `file://${path}`;
}

async function rejects<T extends CloudHSMV2ServiceException>(p: Promise<unknown>, cls: new (...a: any[]) => T, message?: RegExp): Promise<T> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${(err as Error).name}: ${(err as Error).message}`);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected ${cls.name}`);
}

interface WireSubnet {
  SubnetId: string;
  AvailabilityZone: string;
  FreeAddresses: number;
  CidrBlock: string;
  VpcId: string;
}

function subnets(region = REGION): WireSubnet[] {
  const r = keywarden('network', 'list', '--json', '--region', region);
  assert.equal(r.status, 0, r.stderr);
  return (r.json as { Subnets: WireSubnet[] }).Subnets;
}

const subnetIn = (az: string, region = REGION) => subnets(region).find((s) => s.AvailabilityZone === az)!.SubnetId;

async function describeCluster(clusterId: string): Promise<Cluster> {
  const out = await sdk.send(new DescribeClustersCommand({ Filters: { clusterIds: [clusterId] } }));
  assert.equal(out.Clusters?.length, 1, `cluster ${clusterId} should be described`);
  return out.Clusters[0]!;
}

/** `cluster activate` through the HSM client API, as the CloudHSM CLI does it. */
async function activate(clusterId: string, password: string): Promise<void> {
  const cfg = { endpoint: new URL(server.url), accessKeyId: 'test', secretAccessKey: 'test', region: REGION };
  await call(cfg, 'KeywardenHsm.ActivateCluster', 'keywarden', { ClusterId: clusterId, Password: password });
}

describe('keywarden network', () => {
  test('list shows the default VPC: one subnet in each of three AZs with free addresses', () => {
    const r = keywarden('network', 'list');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^VPC vpc-[0-9a-f]{17}\n/);
    const list = subnets();
    assert.deepEqual(
      list.map((s) => s.AvailabilityZone),
      ['us-east-1a', 'us-east-1b', 'us-east-1c'],
    );
    for (const s of list) {
      assert.match(s.SubnetId, /^subnet-[0-9a-f]{17}$/);
      assert.equal(s.FreeAddresses, 250);
    }
  });

  test('create-subnet, set-free-addresses, delete-subnet; errors are one line on stderr', () => {
    const created = keywarden('network', 'create-subnet', '--availability-zone', 'us-east-1d', '--free-addresses', '5', '--json');
    assert.equal(created.status, 0, created.stderr);
    const s = (created.json as { Subnet: WireSubnet }).Subnet;
    assert.equal(s.AvailabilityZone, 'us-east-1d');
    assert.equal(s.FreeAddresses, 5);
    const set = keywarden('network', 'set-free-addresses', '--subnet-id', s.SubnetId, '--count', '0');
    assert.equal(set.status, 0, set.stderr);
    assert.equal(set.stdout.trim(), `subnet ${s.SubnetId} now has 0 free addresses`);
    const deleted = keywarden('network', 'delete-subnet', '--subnet-id', s.SubnetId);
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.ok(!subnets().some((x) => x.SubnetId === s.SubnetId));

    const missing = keywarden('network', 'delete-subnet', '--subnet-id', s.SubnetId);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^keywarden: SubnetNotFoundException: Subnet subnet-[0-9a-f]{17} does not exist\. .*\n$/);
    const usage = keywarden('network', 'set-free-addresses', '--subnet-id', s.SubnetId);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--count/);
    const badAz = keywarden('network', 'create-subnet', '--availability-zone', 'eu-west-1a');
    assert.equal(badAz.status, 1);
    assert.match(badAz.stderr, /ValidationException: .*not in region us-east-1/);
  });
});

describe('aws cloudhsmv2: the cluster life cycle', () => {
  let clusterId: string;
  let hsmIds: string[];
  let clusterCert: string;
  let firstBackup: string;
  let restoredId: string;

  test('create-cluster answers CREATE_IN_PROGRESS; the cluster becomes UNINITIALIZED', () => {
    const ids = [subnetIn('us-east-1a'), subnetIn('us-east-1b')];
    const out = hsm('create-cluster', '--hsm-type', 'hsm2m.medium', '--subnet-ids', ...ids, '--tag-list', 'Key=team,Value=kms');
    const c = out.Cluster;
    assert.deepEqual(
      Object.keys(c).sort(),
      [
        'BackupPolicy', 'BackupRetentionPolicy', 'Certificates', 'ClusterId', 'CreateTimestamp', 'HsmType', 'Hsms', 'Mode',
        'NetworkType', 'SecurityGroup', 'State', 'SubnetMapping', 'TagList', 'VpcId',
      ],
    );
    assert.match(c.ClusterId, CLUSTER_ID);
    assert.equal(c.State, 'CREATE_IN_PROGRESS');
    assert.equal(c.BackupPolicy, 'DEFAULT');
    assert.deepEqual(c.BackupRetentionPolicy, { Type: 'DAYS', Value: '90' });
    assert.deepEqual(c.SubnetMapping, { 'us-east-1a': ids[0], 'us-east-1b': ids[1] });
    assert.deepEqual(c.Certificates, {});
    assert.deepEqual(c.Hsms, []);
    assert.equal(c.Mode, 'FIPS');
    assert.match(c.SecurityGroup, /^sg-[0-9a-f]{17}$/);
    assert.ok(Math.abs(c.CreateTimestamp - Date.now() / 1000) < 120, 'CreateTimestamp is epoch seconds');
    assert.deepEqual(c.TagList, [{ Key: 'team', Value: 'kms' }]);
    clusterId = c.ClusterId;
    const described = hsm('describe-clusters', '--filters', `clusterIds=${clusterId}`);
    assert.equal(described.Clusters.length, 1);
    assert.equal(described.Clusters[0].State, 'UNINITIALIZED');
  });

  test('create-hsm in two AZs takes addresses; the first active HSM makes ClusterCsr appear', async () => {
    const before = subnets();
    const h1 = hsm('create-hsm', '--cluster-id', clusterId, '--availability-zone', 'us-east-1a').Hsm;
    const h2 = hsm('create-hsm', '--cluster-id', clusterId, '--availability-zone', 'us-east-1b', '--ip-address', '10.0.1.50').Hsm;
    for (const h of [h1, h2]) {
      assert.match(h.HsmId, HSM_ID);
      assert.match(h.EniId, /^eni-[0-9a-f]{17}$/);
      assert.equal(h.State, 'CREATE_IN_PROGRESS');
      assert.equal(h.ClusterId, clusterId);
    }
    assert.equal(h1.SubnetId, subnetIn('us-east-1a'));
    assert.match(h1.EniIp, /^10\.0\.0\.\d+$/);
    assert.equal(h2.EniIp, '10.0.1.50');
    hsmIds = [h1.HsmId, h2.HsmId];
    const after = subnets();
    assert.equal(after[0]!.FreeAddresses, before[0]!.FreeAddresses - 1);
    assert.equal(after[1]!.FreeAddresses, before[1]!.FreeAddresses - 1);

    const c = await describeCluster(clusterId);
    assert.deepEqual(c.Hsms?.map((h) => h.State), ['ACTIVE', 'ACTIVE']);
    assert.match(c.Certificates?.ClusterCsr ?? '', /^-----BEGIN CERTIFICATE REQUEST-----/);
    assert.match(c.Certificates?.HsmCertificate ?? '', /^-----BEGIN CERTIFICATE-----/);
    assert.ok(c.Certificates?.AwsHardwareCertificate && c.Certificates.ManufacturerHardwareCertificate);
    const text = aws(server.url, ['cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${clusterId}`, '--output', 'text', '--query', 'Clusters[].Certificates.ClusterCsr']);
    assert.match(text.stdout, /^-----BEGIN CERTIFICATE REQUEST-----/, 'the user guide extracts the CSR this way');
  });

  test('initialize-cluster rejects a certificate from another CA, saying why', async () => {
    const csr = (await describeCluster(clusterId)).Certificates!.ClusterCsr!;
    const foreign = await signClusterCsr(otherCa, csr);
    const message = hsmFails(
      'InitializeCluster',
      'CloudHsmInvalidRequestException',
      'initialize-cluster', '--cluster-id', clusterId,
      '--signed-cert', file('foreign.crt', foreign),
      '--trust-anchor', file('customerCA.crt', ca.certificatePem),
    );
    assert.match(message, /not signed by the trust anchor/);
    assert.equal((await describeCluster(clusterId)).State, 'UNINITIALIZED');
  });

  test('initialize-cluster with the CSR signed by the trust anchor → INITIALIZED', async () => {
    const csr = (await describeCluster(clusterId)).Certificates!.ClusterCsr!;
    clusterCert = await signClusterCsr(ca, csr);
    const out = hsm(
      'initialize-cluster', '--cluster-id', clusterId,
      '--signed-cert', file(`${clusterId}_CustomerHsmCertificate.crt`, clusterCert),
      '--trust-anchor', file('customerCA.crt', ca.certificatePem),
    );
    assert.deepEqual(out, { State: 'INITIALIZE_IN_PROGRESS', StateMessage: 'Cluster is initializing. State will change to INITIALIZED upon completion.' });
    const c = await describeCluster(clusterId);
    assert.equal(c.State, 'INITIALIZED');
    assert.deepEqual(c.Certificates, { ClusterCertificate: clusterCert });
    assert.match(c.PreCoPassword ?? '', /^[A-Za-z0-9]{7,32}$/);
    hsmFails('InitializeCluster', 'CloudHsmInvalidRequestException', 'initialize-cluster', '--cluster-id', clusterId,
      '--signed-cert', file('again.crt', clusterCert), '--trust-anchor', file('customerCA.crt', ca.certificatePem));
  });

  test('cluster activate makes it ACTIVE and takes the first backup', async () => {
    await activate(clusterId, 'Admin1234');
    const c = await describeCluster(clusterId);
    assert.equal(c.State, 'ACTIVE');
    assert.equal(c.PreCoPassword, undefined);
    const out = hsm('describe-backups', '--filters', `clusterIds=${clusterId}`);
    assert.equal(out.Backups.length, 1);
    const b = out.Backups[0];
    assert.match(b.BackupId, BACKUP_ID);
    assert.equal(b.BackupArn, `arn:aws:cloudhsm:${REGION}:${ACCOUNT}:backup/${b.BackupId}`);
    assert.equal(b.BackupState, 'READY');
    assert.equal(b.ClusterId, clusterId);
    assert.equal(b.NeverExpires, false);
    assert.equal(b.HsmType, 'hsm2m.medium');
    assert.equal(b.Mode, 'FIPS');
    assert.equal(b.DeleteTimestamp, undefined);
    firstBackup = b.BackupId;
  });

  test('keywarden cluster backup takes one on demand', () => {
    const r = keywarden('cluster', 'backup', '--cluster-id', clusterId, '--json');
    assert.equal(r.status, 0, r.stderr);
    const backup = (r.json as { Backup: { BackupId: string; ClusterId: string } }).Backup;
    assert.match(backup.BackupId, BACKUP_ID);
    assert.equal(backup.ClusterId, clusterId);
    const all = hsm('describe-backups', '--filters', `clusterIds=${clusterId}`, '--sort-ascending').Backups;
    assert.deepEqual(all.map((b: { BackupId: string }) => b.BackupId), [firstBackup, backup.BackupId]);
    const missing = keywarden('cluster', 'backup', '--cluster-id', 'cluster-aaaaaaaaaaa');
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^keywarden: CloudHsmResourceNotFoundException: Cluster cluster-aaaaaaaaaaa not found\.\n$/);
  });

  test('delete-backup → PENDING_DELETION with a DeleteTimestamp 7 days on; restore-backup → READY', () => {
    const deleted = hsm('delete-backup', '--backup-id', firstBackup).Backup;
    assert.equal(deleted.BackupState, 'PENDING_DELETION');
    assert.ok(Math.abs(deleted.DeleteTimestamp - (Date.now() / 1000 + 7 * 86400)) < 120);
    const pending = hsm('describe-backups', '--filters', 'states=PENDING_DELETION').Backups;
    assert.deepEqual(pending.map((b: { BackupId: string }) => b.BackupId), [firstBackup]);
    hsmFails('CreateCluster', 'CloudHsmInvalidRequestException', 'create-cluster', '--hsm-type', 'hsm2m.medium',
      '--subnet-ids', subnetIn('us-east-1a'), '--source-backup-id', firstBackup);
    const restored = hsm('restore-backup', '--backup-id', firstBackup).Backup;
    assert.equal(restored.BackupState, 'READY');
    assert.equal(restored.DeleteTimestamp, undefined);
    const msg = hsmFails('RestoreBackup', 'CloudHsmInvalidRequestException', 'restore-backup', '--backup-id', firstBackup);
    assert.match(msg, /PENDING_DELETION/);
    const never = hsm('modify-backup-attributes', '--backup-id', firstBackup, '--never-expires').Backup;
    assert.equal(never.NeverExpires, true);
    assert.deepEqual(hsm('describe-backups', '--filters', 'neverExpires=true').Backups.map((b: { BackupId: string }) => b.BackupId), [firstBackup]);
  });

  test('create-cluster --source-backup-id → ACTIVE with the same cluster certificate and the backup id', async () => {
    const ids = [subnetIn('us-east-1a'), subnetIn('us-east-1b'), subnetIn('us-east-1c')];
    const c = hsm('create-cluster', '--hsm-type', 'hsm2m.medium', '--subnet-ids', ...ids, '--source-backup-id', firstBackup).Cluster;
    assert.equal(c.State, 'CREATE_IN_PROGRESS');
    assert.equal(c.SourceBackupId, firstBackup);
    assert.deepEqual(c.Certificates, { ClusterCertificate: clusterCert });
    restoredId = c.ClusterId;
    const described = await describeCluster(restoredId);
    assert.equal(described.State, 'ACTIVE');
    assert.deepEqual(described.Hsms, []);
    const h = hsm('create-hsm', '--cluster-id', restoredId, '--availability-zone', 'us-east-1c').Hsm;
    assert.equal(h.SubnetId, ids[2]);
    assert.equal((await describeCluster(restoredId)).Hsms?.[0]?.State, 'ACTIVE');
    const active = hsm('describe-clusters', '--filters', 'states=ACTIVE').Clusters.map((x: { ClusterId: string }) => x.ClusterId).sort();
    assert.deepEqual(active, [clusterId, restoredId].sort());
  });

  test('tags on clusters and backups', () => {
    hsm('tag-resource', '--resource-id', clusterId, '--tag-list', 'Key=env,Value=dev', 'Key=team,Value=hsm');
    assert.deepEqual(hsm('list-tags', '--resource-id', clusterId).TagList, [
      { Key: 'env', Value: 'dev' },
      { Key: 'team', Value: 'hsm' },
    ]);
    hsm('untag-resource', '--resource-id', clusterId, '--tag-key-list', 'env');
    assert.deepEqual(hsm('list-tags', '--resource-id', clusterId).TagList, [{ Key: 'team', Value: 'hsm' }]);
    hsm('tag-resource', '--resource-id', firstBackup, '--tag-list', 'Key=keep,Value=yes');
    assert.deepEqual(hsm('describe-backups', '--filters', `backupIds=${firstBackup}`).Backups[0].TagList, [{ Key: 'keep', Value: 'yes' }]);
    hsmFails('TagResource', 'CloudHsmResourceNotFoundException', 'tag-resource', '--resource-id', 'cluster-aaaaaaaaaaa', '--tag-list', 'Key=a,Value=b');
  });

  test('delete-cluster is refused while HSMs exist; delete-hsm by id, ENI id or ENI IP; then the cluster goes', async () => {
    const message = hsmFails('DeleteCluster', 'CloudHsmInvalidRequestException', 'delete-cluster', '--cluster-id', clusterId);
    assert.match(message, /Delete every HSM/);
    const c = await describeCluster(clusterId);
    const [h1, h2] = c.Hsms!;
    const backupsBefore = hsm('describe-backups', '--filters', `clusterIds=${clusterId}`).Backups.length;
    assert.deepEqual(hsm('delete-hsm', '--cluster-id', clusterId, '--eni-ip', h1!.EniIp!), { HsmId: h1!.HsmId });
    assert.deepEqual(hsm('delete-hsm', '--cluster-id', clusterId, '--hsm-id', h2!.HsmId!), { HsmId: h2!.HsmId });
    // Removing an HSM from an active cluster backs it up.
    assert.equal(hsm('describe-backups', '--filters', `clusterIds=${clusterId}`).Backups.length, backupsBefore + 2);
    assert.ok(hsmIds.includes(h1!.HsmId!));
    const r = await describeCluster(restoredId);
    hsm('delete-hsm', '--cluster-id', restoredId, '--eni-id', r.Hsms![0]!.EniId!);
    for (const id of [clusterId, restoredId]) {
      const deleted = hsm('delete-cluster', '--cluster-id', id).Cluster;
      assert.equal(deleted.State, 'DELETE_IN_PROGRESS');
    }
    assert.deepEqual(hsm('describe-clusters', '--filters', `clusterIds=${clusterId},${restoredId}`).Clusters, []);
    // The backups outlive the cluster: a cluster can be recreated from them.
    assert.ok(hsm('describe-backups', '--filters', `clusterIds=${clusterId}`).Backups.length >= 3);
    hsmFails('DeleteCluster', 'CloudHsmResourceNotFoundException', 'delete-cluster', '--cluster-id', clusterId);
    assert.deepEqual(subnets().map((s) => s.FreeAddresses), [250, 250, 250], 'every address was given back');
  });
});

describe('CloudHSM v2 through the JavaScript SDK: what AWS refuses', () => {
  let clusterId: string;

  before(async () => {
    const out = await sdk.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [subnetIn('us-east-1a'), subnetIn('us-east-1b')] }));
    clusterId = out.Cluster!.ClusterId!;
  });

  test('unknown ids are CloudHsmResourceNotFoundException; malformed ids are ValidationException', async () => {
    await rejects(sdk.send(new DeleteClusterCommand({ ClusterId: 'cluster-aaaaaaaaaaa' })), CloudHsmResourceNotFoundException, /cluster-aaaaaaaaaaa/);
    await rejects(sdk.send(new CreateHsmCommand({ ClusterId: 'cluster-aaaaaaaaaaa', AvailabilityZone: 'us-east-1a' })), CloudHsmResourceNotFoundException);
    await rejects(
      sdk.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [subnetIn('us-east-1a')], SourceBackupId: 'backup-aaaaaaaaaaa' })),
      CloudHsmResourceNotFoundException,
    );
    await rejects(sdk.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0123456789abcdef0'] })), CloudHsmResourceNotFoundException);
    await rejects(
      sdk.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: 'hsm-aaaaaaaaaaa' })),
      CloudHsmResourceNotFoundException,
    );
    assert.deepEqual((await sdk.send(new DescribeBackupsCommand({ Filters: { backupIds: ['backup-aaaaaaaaaaa'] } }))).Backups, []);
    const err = await rejects(sdk.send(new DeleteClusterCommand({ ClusterId: 'nope' })), CloudHSMV2ServiceException);
    assert.equal(err.name, 'ValidationException');
    assert.equal(err.message, "1 validation error detected: Value 'nope' at 'clusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}");
  });

  test('wrong states, two subnets in one AZ, an AZ outside the mapping, no free address', async () => {
    await rejects(
      sdk.send(new InitializeClusterCommand({ ClusterId: clusterId, SignedCert: ca.certificatePem, TrustAnchor: ca.certificatePem })),
      CloudHsmInvalidRequestException,
      /no active HSM/,
    );
    // Taken before the second subnet exists in that AZ, so it is the default one.
    const defaultA = subnetIn('us-east-1a');
    const extra = keywarden('network', 'create-subnet', '--availability-zone', 'us-east-1a', '--json');
    const sameAz = (extra.json as { Subnet: WireSubnet }).Subnet.SubnetId;
    await rejects(
      sdk.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [defaultA, sameAz] })),
      CloudHsmInvalidRequestException,
      /only one subnet per Availability Zone/,
    );
    await rejects(sdk.send(new CreateClusterCommand({ HsmType: 'hsm3.large', SubnetIds: [sameAz] })), CloudHsmInvalidRequestException, /^Provided HsmType is not supported\.$/);
    await rejects(sdk.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1c' })), CloudHsmInvalidRequestException, /subnet mapping/);
    const b = subnetIn('us-east-1b');
    assert.equal(keywarden('network', 'set-free-addresses', '--subnet-id', b, '--count', '0').status, 0);
    await rejects(sdk.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' })), CloudHsmInvalidRequestException, /no free IP addresses/);
    assert.equal(keywarden('network', 'set-free-addresses', '--subnet-id', b, '--count', '250').status, 0);
    const h = await sdk.send(new CreateHsmCommand({ ClusterId: clusterId, AvailabilityZone: 'us-east-1b' }));
    // A subnet with an HSM in it cannot be deleted; a subnet a cluster merely maps can.
    const inUse = keywarden('network', 'delete-subnet', '--subnet-id', b);
    assert.equal(inUse.status, 1);
    assert.match(inUse.stderr, /SubnetInUseException: .*has HSMs in it/);
    await sdk.send(new DeleteHsmCommand({ ClusterId: clusterId, HsmId: h.Hsm!.HsmId }));
  });

  test('DescribeClusters pages with MaxResults and NextToken', async () => {
    for (let i = 0; i < 2; i++) await sdk.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [subnetIn('us-east-1c')] }));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await sdk.send(new DescribeClustersCommand({ MaxResults: 1, NextToken: token }));
      assert.ok((page.Clusters?.length ?? 0) <= 1);
      seen.push(...(page.Clusters ?? []).map((c) => c.ClusterId!));
      token = page.NextToken;
    } while (token);
    const all = (await sdk.send(new DescribeClustersCommand({}))).Clusters!.map((c) => c.ClusterId!);
    assert.deepEqual(seen, all);
    assert.ok(all.length >= 3);
  });

  test('a backup copied to another region keeps its lineage and names its source; resource policies', async () => {
    // A cluster restored from a backup is ACTIVE at once; give it an HSM and back it up.
    const [backup] = (await sdk.send(new DescribeBackupsCommand({ Filters: { states: ['READY'] } }))).Backups!;
    assert.ok(backup, 'the life-cycle tests left READY backups');
    // This client predates Backup.BackupArn; SourceBackupId takes the ARN as well as the id.
    const arn = `arn:aws:cloudhsm:${REGION}:${ACCOUNT}:backup/${backup.BackupId}`;
    const restored = await sdk.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [subnetIn('us-east-1a')], SourceBackupId: arn }));
    assert.equal(restored.Cluster!.SourceBackupId, backup.BackupId);

    const copy = await sdk.send(new CopyBackupToRegionCommand({ BackupId: backup.BackupId, DestinationRegion: 'us-west-2', TagList: [{ Key: 'dr', Value: '1' }] }));
    assert.deepEqual(copy.DestinationBackup?.SourceBackup, backup.BackupId);
    assert.equal(copy.DestinationBackup?.SourceRegion, REGION);
    assert.equal(copy.DestinationBackup?.SourceCluster, backup.ClusterId);
    const west = client('us-west-2');
    try {
      const there = (await west.send(new DescribeBackupsCommand({ Filters: { sourceBackupIds: [backup.BackupId!] } }))).Backups!;
      assert.equal(there.length, 1);
      assert.equal(there[0]!.BackupState, 'READY');
      assert.equal(there[0]!.SourceRegion, REGION);
      assert.ok(there[0]!.CopyTimestamp instanceof Date);
      const westCluster = await west.send(
        new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: [subnetIn('us-west-2a', 'us-west-2')], SourceBackupId: there[0]!.BackupId }),
      );
      assert.equal(westCluster.Cluster?.Certificates?.ClusterCertificate, restored.Cluster?.Certificates?.ClusterCertificate);
      assert.deepEqual((await west.send(new ListTagsCommand({ ResourceId: there[0]!.BackupId }))).TagList, [{ Key: 'dr', Value: '1' }]);
    } finally {
      west.destroy();
    }

    // The resource-policy operations are newer than this SDK client; the AWS CLI has them.
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: ['cloudhsm:DescribeBackups'], Resource: arn }] });
    assert.deepEqual(hsm('put-resource-policy', '--resource-arn', arn, '--policy', policy), { ResourceArn: arn, Policy: policy });
    assert.deepEqual(hsm('get-resource-policy', '--resource-arn', arn), { Policy: policy });
    assert.deepEqual(hsm('delete-resource-policy', '--resource-arn', arn), { ResourceArn: arn, Policy: policy });
    assert.deepEqual(hsm('get-resource-policy', '--resource-arn', arn), {});
    const refused = hsmFails('PutResourcePolicy', 'CloudHsmInvalidRequestException', 'put-resource-policy',
      '--resource-arn', `arn:aws:cloudhsm:${REGION}:${ACCOUNT}:cluster/${clusterId}`, '--policy', policy);
    assert.match(refused, /Only backups/);
    await rejects(sdk.send(new TagResourceCommand({ ResourceId: backup.BackupId!, TagList: [{ Key: 'aws:x', Value: '1' }] })), CloudHSMV2ServiceException, /reserved/);
  });
});
