// `keywarden fault …` against a real server: every fault switched on, listed, cleared, kept
// across a restart, and every mistake answered with one line on stderr and a non-zero exit.
// What each fault does to key stores is proven by the runbook scenarios (test/runbooks/).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConnectCustomKeyStoreCommand, CreateKeyCommand, DescribeCustomKeyStoresCommand, DisconnectCustomKeyStoreCommand, type KMSClient } from '@aws-sdk/client-kms';
import { keywarden as keywardenAt, type ToolRun, until } from '../support/hsm-cluster.js';
import { connectedStore, kmsSdk, readyCluster } from '../support/sdk-setup.js';
import { startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let work: string;
let clusterId: string;
let storeId: string;
let keyId: string;
let kms: KMSClient;

const keywarden = (...args: string[]) => keywardenAt(server.url, args, '', { KEYWARDEN_STATE_DIR: join(work, 'state') });
const json = (r: ToolRun) => {
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1, `one JSON object: ${r.stdout}`);
  return JSON.parse(r.stdout);
};
/** The command fails with `status` and says why in exactly one line on stderr. */
const fails = (r: ToolRun, status: number, message: RegExp) => {
  assert.equal(r.status, status, `exit status: ${r.stdout}${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr.trimEnd(), message);
};
const faults = async () => json(await keywarden('fault', 'list', '--json')).Faults.map((f: Record<string, unknown>) => [f.Fault, f.ClusterId ?? f.CustomKeyStoreId, f.SessionsPerHsm]);
const state = async () => {
  const entry = await until('the attempt to end', async () => {
    const e = (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId }))).CustomKeyStores![0]!;
    return e.ConnectionState === 'CONNECTING' ? undefined : e;
  });
  return [entry.ConnectionState, entry.ConnectionErrorCode].filter(Boolean).join(' ');
};

before(async () => {
  server = await startServer({ args: ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'] });
  work = mkdtempSync(join(tmpdir(), 'keywarden-fault-cli-'));
  // The faults' subject is set up in this process (quickstart and the AWS CLI have tests of their own).
  kms = kmsSdk(server.url);
  const cluster = await readyCluster(server.url);
  clusterId = cluster.clusterId;
  storeId = await connectedStore(kms, 'FaultKeyStore', cluster);
  keyId = (await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).KeyMetadata!.KeyId!;
});

after(async () => {
  kms?.destroy();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('faults are set, listed and cleared, and survive a restart', async () => {
  assert.equal((await keywarden('fault', 'list')).stdout, 'no faults are set\n');
  assert.deepEqual(json(await keywarden('fault', 'list', '--json')), { Faults: [] });

  const cut = await keywarden('fault', 'cut-network', '--cluster-id', clusterId);
  assert.equal(cut.stdout, `NETWORK_CUT on ${clusterId}: the service's network path to the cluster is cut; undo with: keywarden fault restore-network --cluster-id ${clusterId}\n`);
  const limited = json(await keywarden('fault', 'limit-sessions', '--cluster-id', clusterId, '--per-hsm', '4', '--json')).Fault;
  assert.deepEqual([limited.Fault, limited.ClusterId, limited.SessionsPerHsm, typeof limited.CreatedAt], ['SESSION_LIMIT', clusterId, 4, 'number']);
  await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  const next = await keywarden('fault', 'fail-next-connect', '--custom-key-store-id', storeId);
  assert.equal(next.stdout, `CONNECT_INTERNAL_ERROR on ${storeId}: its next connection attempt fails with INTERNAL_ERROR\n`);

  const expected = [['NETWORK_CUT', clusterId, undefined], ['SESSION_LIMIT', clusterId, 4], ['CONNECT_INTERNAL_ERROR', storeId, undefined]];
  assert.deepEqual(await faults(), expected);
  assert.equal(
    (await keywarden('fault', 'list')).stdout,
    [
      `NETWORK_CUT on ${clusterId}: the service's network path to the cluster is cut`,
      `SESSION_LIMIT on ${clusterId}: each HSM holds 4 sessions`,
      `CONNECT_INTERNAL_ERROR on ${storeId}: its next connection attempt fails with INTERNAL_ERROR`,
      '',
    ].join('\n'),
  );

  await server.restart();
  assert.deepEqual(await faults(), expected, 'the faults are kept in the database');
  // Still in force after the restart: the one-shot fault ends this attempt, and is used up by it.
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  assert.equal(await state(), 'FAILED INTERNAL_ERROR');
  assert.deepEqual(await faults(), expected.slice(0, 2));
  await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  assert.equal(await state(), 'FAILED NETWORK_ERRORS');

  assert.equal((await keywarden('fault', 'restore-network', '--cluster-id', clusterId)).stdout, `network path to ${clusterId} restored\n`);
  fails(await keywarden('fault', 'restore-network', '--cluster-id', clusterId), 1, new RegExp(`^keywarden: the network path to ${clusterId} is not cut`));
  assert.deepEqual(json(await keywarden('fault', 'clear', '--custom-key-store-id', storeId, '--json')), { Cleared: [] });
  const cleared = json(await keywarden('fault', 'clear', '--cluster-id', clusterId, '--fault', 'SESSION_LIMIT', '--json')).Cleared;
  assert.deepEqual(cleared.map((f: { Fault: string }) => f.Fault), ['SESSION_LIMIT']);
  assert.deepEqual(await faults(), []);

  await keywarden('fault', 'cut-network', '--cluster-id', clusterId);
  await keywarden('fault', 'fail-next-connect', '--custom-key-store-id', storeId);
  assert.equal(
    (await keywarden('fault', 'clear', '--all')).stdout,
    `cleared NETWORK_CUT on ${clusterId}: the service's network path to the cluster is cut\ncleared CONNECT_INTERNAL_ERROR on ${storeId}: its next connection attempt fails with INTERNAL_ERROR\n`,
  );
  assert.equal((await keywarden('fault', 'clear', '--all')).stdout, 'no fault matched; nothing was cleared\n');
  await kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  assert.equal(await state(), 'CONNECTED');
});

test('subnets and backing keys: delete-subnet, exhaust-addresses, delete-backing-key', async () => {
  const created = json(await keywarden('network', 'create-subnet', '--availability-zone', 'us-east-1d', '--json')).Subnet.SubnetId;
  const exhausted = await keywarden('fault', 'exhaust-addresses', '--subnet-id', created);
  assert.equal(exhausted.stdout, `subnet ${created} has no free address now; undo with: keywarden network set-free-addresses --subnet-id ${created} --count 200\n`);
  const listed = json(await keywarden('network', 'list', '--json')).Subnets.find((s: { SubnetId: string }) => s.SubnetId === created);
  assert.equal(listed.FreeAddresses, 0);
  assert.deepEqual(json(await keywarden('fault', 'delete-subnet', '--subnet-id', created, '--json')).Subnet.SubnetId, created);
  fails(await keywarden('fault', 'delete-subnet', '--subnet-id', created), 1, /^keywarden: SubnetNotFoundException: /);

  const removed = json(await keywarden('fault', 'delete-backing-key', '--key-id', `arn:aws:kms:us-east-1:111122223333:key/${keyId}`, '--json'));
  assert.equal(removed.KeyId, `arn:aws:kms:us-east-1:111122223333:key/${keyId}`);
  assert.deepEqual([removed.CustomKeyStoreId, removed.ClusterId], [storeId, clusterId]);
  assert.match(removed.BackingKeyId, /^[0-9a-f]{16}$/);
  assert.equal(typeof removed.KeyHandle, 'number');
  fails(await keywarden('fault', 'delete-backing-key', '--key-id', keyId), 1, new RegExp(`^keywarden: HsmNotFound: .* holds no key object with id 0x${removed.BackingKeyId} .*already deleted\\.$`));
  const plain = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
  fails(await keywarden('fault', 'delete-backing-key', '--key-id', plain), 1, /^keywarden: ValidationException: .* is not in an AWS CloudHSM key store/);
  fails(await keywarden('fault', 'delete-backing-key', '--key-id', 'alias/nothing'), 1, /^keywarden: ValidationException: Give the key id or key ARN/);
  fails(await keywarden('fault', 'delete-backing-key', '--key-id', '00000000-0000-0000-0000-000000000000'), 1, /^keywarden: NotFoundException: Key '.*' does not exist$/);
});

test('mistakes: one line on stderr, exit 2 for usage and 1 for what the service refuses', async () => {
  fails(await keywarden('fault'), 2, /^keywarden: fault needs a subcommand/);
  fails(await keywarden('fault', 'melt-hsm'), 2, /^keywarden: 'fault melt-hsm' is not a fault command/);
  fails(await keywarden('fault', 'cut-network'), 2, /^keywarden: --cluster-id is required, for example: keywarden fault cut-network --cluster-id /);
  fails(await keywarden('fault', 'limit-sessions', '--cluster-id', clusterId), 2, /--per-hsm is required/);
  fails(await keywarden('fault', 'limit-sessions', '--cluster-id', clusterId, '--per-hsm', 'none'), 2, /--per-hsm must be a whole number of sessions, 1 or more, not 'none'/);
  fails(await keywarden('fault', 'clear'), 2, /needs exactly one of --all, --cluster-id ID or --custom-key-store-id ID/);
  fails(await keywarden('fault', 'clear', '--all', '--cluster-id', clusterId), 2, /needs exactly one of/);
  fails(await keywarden('fault', 'cut-network', '--cluster-id', 'cluster-zzzzzzzzzzz'), 1, /^keywarden: CloudHsmResourceNotFoundException: Cluster cluster-zzzzzzzzzzz not found\.$/);
  fails(await keywarden('fault', 'cut-network', '--cluster-id', 'not-a-cluster'), 1, /^keywarden: ValidationException: NETWORK_CUT needs ClusterId, a cluster id such as/);
  fails(await keywarden('fault', 'fail-next-connect', '--custom-key-store-id', 'cks-00000000000000000'), 1, /^keywarden: CustomKeyStoreNotFoundException: /);
  assert.deepEqual(await faults(), [], 'nothing was set by a refused command');
});
