// `keywarden serve --clock manual`: the service clock stands still and moves only with `keywarden
// clock advance`, and whatever waits on it (CloudHSM's transitions, connection attempts, the
// end of a waiting period) happens when an advance reaches it, not when real time passes. This is
// what lets the other tests move time instead of sleeping.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CloudHSMV2Client, CreateClusterCommand, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import { ConnectCustomKeyStoreCommand, CreateCustomKeyStoreCommand, CreateKeyCommand, DescribeCustomKeyStoresCommand, DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { BIN, serveExpectingFailure, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let work: string;
let kms: KMSClient;
let hsm: CloudHSMV2Client;

before(async () => {
  // The default delays (2 s for cluster changes, 1 s for a connection attempt): under a manual
  // clock they take no real time at all, only advances.
  server = await startServer({ args: ['--clock', 'manual'], allowClockControl: true });
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-manual-clock-'));
  const client = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  kms = new KMSClient(client);
  hsm = new CloudHSMV2Client(client);
});

after(async () => {
  kms?.destroy();
  hsm?.destroy();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: work });

async function clock(...args: string[]): Promise<{ Now: number; OffsetSeconds: number; Clock: string }> {
  const r = await keywarden('clock', ...args, '--json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** Real time passing is what these checks are about: a bounded wait longer than the delay under test. */
const realTimePasses = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let started: number;

test('the clock stands still in real time; `clock show` says it is manual', async () => {
  const first = await clock('show');
  assert.equal(first.Clock, 'manual');
  assert.equal(first.OffsetSeconds, 0);
  started = first.Now;
  await realTimePasses(1_100);
  assert.equal((await clock('show')).Now, started);
  const human = await keywarden('clock', 'show');
  assert.match(human.stdout.trim(), /^service time \S+ \(manual clock, advanced by 0d 0h 0m 0s in all; only 'clock advance' moves it\)$/);
});

test('a cluster change completes when an advance passes its delay, whatever real time has passed', async () => {
  const { Subnets } = JSON.parse((await keywarden('network', 'list', '--json')).stdout) as { Subnets: Array<{ SubnetId: string }> };
  const created = await hsm.send(new CreateClusterCommand({ HsmType: 'hsm2m.medium', SubnetIds: Subnets.map((s) => s.SubnetId) }));
  const id = created.Cluster!.ClusterId!;
  const state = async () => (await hsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [id] } }))).Clusters![0]!.State;
  await realTimePasses(2_100);
  assert.equal(await state(), 'CREATE_IN_PROGRESS', 'two real seconds are not two seconds of service time');
  assert.equal((await clock('advance', '1s')).Now, started + 1);
  assert.equal(await state(), 'CREATE_IN_PROGRESS');
  await clock('advance', '1s');
  assert.equal(await state(), 'UNINITIALIZED');
});

test('`cluster quickstart` moves a manual clock forward while it waits, and its certificates are valid at the service time', async () => {
  const before = await clock('show');
  const r = await keywarden('cluster', 'quickstart', '--json', '--trust-anchor-file', join(work, 'customerCA.crt'));
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { ClusterId: string; KmsuserPassword: string; TrustAnchorCertificateFile: string };
  const cluster = (await hsm.send(new DescribeClustersCommand({ Filters: { clusterIds: [out.ClusterId] } }))).Clusters![0]!;
  assert.equal(cluster.State, 'ACTIVE');
  const after = await clock('show');
  // Create, two HSMs, initialise, activate: four waits of two seconds each, a second at a time.
  assert.ok(after.Now - before.Now >= 6 && after.Now - before.Now <= 12, `the clock moved ${after.Now - before.Now} s`);

  // A connection attempt is due a second (of service time) after the call.
  const store = await kms.send(
    new CreateCustomKeyStoreCommand({
      CustomKeyStoreName: 'ManualClockStore',
      CloudHsmClusterId: out.ClusterId,
      KeyStorePassword: out.KmsuserPassword,
      TrustAnchorCertificate: readFileSync(out.TrustAnchorCertificateFile, 'utf8'),
    }),
  );
  const storeId = store.CustomKeyStoreId!;
  const connection = async () => (await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId }))).CustomKeyStores![0]!.ConnectionState;
  await kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
  await realTimePasses(1_100);
  assert.equal(await connection(), 'CONNECTING');
  await clock('advance', '1s');
  assert.equal(await connection(), 'CONNECTED');

  // The end of a waiting period comes with the advance that passes it.
  const key = (await kms.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).KeyMetadata!.KeyId!;
  await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
  await clock('advance', '6d');
  assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.KeyState, 'PendingDeletion');
  await clock('advance', '1d');
  await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: key })), { name: 'NotFoundException' });
});

test('a manual clock needs clock control: nothing else could move it', async () => {
  const r = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'refused'), '--clock', 'manual']);
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /--clock manual needs --allow-clock-control/);
  const bad = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'refused'), '--clock', 'slow']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--clock takes 'real' or 'manual', not 'slow'/);
});
