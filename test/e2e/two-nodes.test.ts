// Two Keywarden processes on one data directory (`serve --shared-store`), or with
// KEYWARDEN_TEST_STORE=postgres on one PostgreSQL database (`--store`, a data directory each and
// the same root key), clients alternating between them: one set of keys and aliases, one clock, one set of faults, one audit trail, and
// background work done once. Races between the nodes end as AWS would end them one call after the
// other, and a node killed mid-load loses nothing it acknowledged.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { kmsSdk, keywardenCall, readyCluster, until } from '../support/sdk-setup.js';
import { freshDatabase } from '../support/postgres.js';
import { BIN, serveExpectingFailure, startServer, TEST_STORE, type TestServer } from '../support/server.js';
import { recordsNamed } from '../support/signed-call.js';

const CANNOT_COMMUNICATE = /KMS cannot communicate with your CloudHSM cluster/;

let dataDir: string;
let work: string;
let a: TestServer;
let b: TestServer;
let kmsA: KMSClient;
let kmsB: KMSClient;

// The manual clock shows that both nodes stand at one time and move together; connection attempts
// and cluster changes take no time, so the nodes' own schedules run them at once.
const NODE = ['--clock', 'manual', '--cluster-delay-ms', '0', '--connect-delay-ms', '0'];
const onPostgres = TEST_STORE === 'postgres';
let store: string;
const rootKey = randomBytes(32).toString('hex');
const startNode = () =>
  onPostgres
    ? startServer({ args: [...NODE, '--store', store], env: { KEYWARDEN_ROOT_KEY: rootKey }, allowClockControl: true })
    : startServer({ dataDir, args: ['--shared-store', ...NODE], allowClockControl: true });

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'keywarden-two-nodes-'));
  work = mkdtempSync(join(tmpdir(), 'keywarden-two-nodes-work-'));
  if (onPostgres) store = await freshDatabase();
  // The first node makes the data directory (and its root key); the second joins it.
  a = await startNode();
  b = await startNode();
  kmsA = kmsSdk(a.url);
  kmsB = kmsSdk(b.url);
});

after(async () => {
  kmsA?.destroy();
  kmsB?.destroy();
  // On PostgreSQL each node has a data directory of its own, which disposing of it removes.
  await a?.dispose();
  await b?.dispose();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (work) rmSync(work, { recursive: true, force: true });
});

const keywarden = (node: TestServer, ...args: string[]) => run(process.execPath, [BIN, ...args, '--endpoint', node.url], { cwd: work });
const clockOf = async (node: TestServer) => (await keywardenCall(node.url, 'KeywardenAdmin.GetClock', {})) as { Now: number; OffsetSeconds: number };
const errorName = (err: unknown) => (err as { name?: string }).name;
/** Each promise's outcome: 'ok', or the AWS error's name. */
const outcomes = (calls: Array<Promise<unknown>>) => Promise.all(calls.map((c) => c.then(() => 'ok', errorName)));
const createKey = async (kms: KMSClient, description = '') => (await kms.send(new CreateKeyCommand({ Description: description }))).KeyMetadata!.KeyId!;
const stateOf = async (kms: KMSClient, keyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState;

test(onPostgres ? 'a node with another root key is refused by the database the nodes share' : 'a service that wants the directory alone is refused while nodes hold it, with a sentence that says why', async () => {
  if (onPostgres) {
    const other = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'other-key'), '--store', store], { KEYWARDEN_ROOT_KEY: randomBytes(32).toString('hex') });
    assert.equal(other.status, 1);
    assert.match(other.stderr, /the root key does not match the one the PostgreSQL database/);
    return;
  }
  const alone = await serveExpectingFailure(['--port', '0', '--data-dir', dataDir]);
  assert.equal(alone.status, 1);
  assert.match(alone.stderr, /in use by Keywarden nodes started with --shared-store/);
});

test('keys, aliases and cryptography: what one node writes, the other reads at once', async () => {
  const keyId = await createKey(kmsA, 'made on a');
  await kmsB.send(new CreateAliasCommand({ AliasName: 'alias/two-nodes', TargetKeyId: keyId }));
  const { CiphertextBlob } = await kmsA.send(new EncryptCommand({ KeyId: 'alias/two-nodes', Plaintext: Buffer.from('across nodes') }));
  const { Plaintext } = await kmsB.send(new DecryptCommand({ CiphertextBlob }));
  assert.equal(Buffer.from(Plaintext!).toString(), 'across nodes');
  // Both nodes have the key in their caches now: a change on one is what the other uses next.
  await kmsA.send(new DisableKeyCommand({ KeyId: keyId }));
  await assert.rejects(kmsB.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), (err) => errorName(err) === 'DisabledException');
  await kmsB.send(new EnableKeyCommand({ KeyId: keyId }));
  await kmsA.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
  assert.equal(await stateOf(kmsA, keyId), 'Enabled');
});

test('two nodes creating one alias at once: exactly one succeeds, the other gets AlreadyExistsException', async () => {
  const [k1, k2] = await Promise.all([createKey(kmsA), createKey(kmsB)]);
  for (let i = 0; i < 10; i++) {
    const name = `alias/race-${i}`;
    const result = await outcomes([
      kmsA.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: k1 })),
      kmsB.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: k2 })),
    ]);
    assert.deepEqual(result.sort(), ['AlreadyExistsException', 'ok'], `round ${i}`);
  }
});

test('two nodes changing one key at once: each outcome is one of AWS’s, in some order, and none is lost', async () => {
  for (let i = 0; i < 6; i++) {
    const keyId = await createKey(kmsA);
    // ScheduleKeyDeletion on a Disabled key succeeds; DisableKey on a key pending deletion fails.
    const [disabled, scheduled] = await outcomes([
      kmsA.send(new DisableKeyCommand({ KeyId: keyId })),
      kmsB.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 })),
    ]);
    assert.equal(scheduled, 'ok', `round ${i}`);
    assert.ok(disabled === 'ok' || disabled === 'KMSInvalidStateException', `round ${i}: DisableKey ${disabled}`);
    assert.equal(await stateOf(kmsA, keyId), 'PendingDeletion', `round ${i}: the schedule is not overwritten`);
    // The second of two schedules finds the key pending deletion already.
    const other = await createKey(kmsB);
    const both = await outcomes([
      kmsA.send(new ScheduleKeyDeletionCommand({ KeyId: other, PendingWindowInDays: 7 })),
      kmsB.send(new ScheduleKeyDeletionCommand({ KeyId: other, PendingWindowInDays: 7 })),
    ]);
    assert.deepEqual(both.sort(), ['KMSInvalidStateException', 'ok'], `round ${i}`);
  }
});

test('the clock moves for both nodes, and a deletion at the end of its waiting period happens once, whichever node moves it', async () => {
  const keys = await Promise.all([createKey(kmsA), createKey(kmsB), createKey(kmsA)]);
  for (const [i, keyId] of keys.entries()) await (i % 2 ? kmsA : kmsB).send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
  const [before1, before2] = [await clockOf(a), await clockOf(b)];
  assert.equal(before1.Now, before2.Now, 'one manual clock, standing at one time');
  // Both nodes move it at once: four days each is eight in all, and both run what fell due.
  const moved = await Promise.all([keywarden(a, 'clock', 'advance', '4d'), keywarden(b, 'clock', 'advance', '4d')]);
  for (const r of moved) assert.equal(r.status, 0, r.stderr);
  const [after1, after2] = [await clockOf(a), await clockOf(b)];
  assert.equal(after1.OffsetSeconds, before1.OffsetSeconds + 8 * 86_400);
  assert.equal(after2.Now, after1.Now);
  for (const keyId of keys) {
    await assert.rejects(kmsA.send(new DescribeKeyCommand({ KeyId: keyId })), (err) => errorName(err) === 'NotFoundException');
    await assert.rejects(kmsB.send(new DescribeKeyCommand({ KeyId: keyId })), (err) => errorName(err) === 'NotFoundException');
  }
  for (const node of [a, b]) {
    const deletions = (await recordsNamed(node.url, 'DeleteKey')).filter((r) => r.eventType === 'AwsServiceEvent');
    for (const keyId of keys) {
      assert.equal(deletions.filter((r) => String(r.responseElements?.keyId).endsWith(`key/${keyId}`)).length, 1, `one DeleteKey for ${keyId}, as ${node === a ? 'a' : 'b'} reads the trail`);
    }
  }
});

test('one custom key store connected from both nodes at once: one attempt, one outcome; faults set on one node hold on the other', async () => {
  const cluster = await readyCluster(a.url);
  const storeId = (
    await kmsB.send(
      new CreateCustomKeyStoreCommand({ CustomKeyStoreName: 'two-nodes', CloudHsmClusterId: cluster.clusterId, KeyStorePassword: cluster.kmsuserPassword, TrustAnchorCertificate: cluster.trustAnchor }),
    )
  ).CustomKeyStoreId!;
  const connecting = await outcomes([kmsA.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId })), kmsB.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }))]);
  assert.deepEqual(connecting, ['ok', 'ok']);
  const state = await until('the connection attempt to end', async () => {
    const s = (await kmsA.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeId }))).CustomKeyStores![0]!;
    return s.ConnectionState === 'CONNECTING' ? undefined : `${s.ConnectionState} ${s.ConnectionErrorCode ?? ''}`.trim();
  });
  assert.equal(state, 'CONNECTED');
  const outcomesRecorded = (await recordsNamed(b.url, 'ConnectCustomKeyStore')).filter((r) => r.eventType === 'AwsServiceEvent');
  assert.deepEqual(
    outcomesRecorded.map((r) => r.additionalEventData?.connectionState),
    ['CONNECTED'],
    'one attempt was made, by one node',
  );

  const keyId = (await kmsA.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId }))).KeyMetadata!.KeyId!;
  const { CiphertextBlob } = await kmsB.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('in the cluster') }));
  await keywardenCall(a.url, 'KeywardenAdmin.SetFault', { Fault: 'NETWORK_CUT', ClusterId: cluster.clusterId });
  await assert.rejects(kmsB.send(new DecryptCommand({ CiphertextBlob })), (err) => errorName(err) === 'KMSInvalidStateException' && CANNOT_COMMUNICATE.test((err as Error).message));
  await keywardenCall(b.url, 'KeywardenAdmin.ClearFault', { Fault: 'NETWORK_CUT', ClusterId: cluster.clusterId });
  const { Plaintext } = await kmsA.send(new DecryptCommand({ CiphertextBlob }));
  assert.equal(Buffer.from(Plaintext!).toString(), 'in the cluster');
});

test('kill -9 of one node during a load on both: every acknowledged write is there, every acknowledged ciphertext decrypts, the trail verifies', async (t) => {
  const created: Array<{ keyId: string; requestId: string }> = [];
  const sealed: Array<{ blob: Uint8Array; text: string; requestId: string }> = [];
  const keyA = await createKey(kmsA, 'load');
  let stop = false;
  let killed = false;
  let n = 0;
  // Bounded: at most 120 calls per worker and 20 s in all; the kill ends node b's share early.
  const deadline = Date.now() + 20_000;
  // Fresh clients: a connection kept alive from an earlier test may have been closed by the node meanwhile.
  const worker = async (node: TestServer, id: number) => {
    const kms = kmsSdk(node.url);
    try {
      await load(kms, node, id);
    } finally {
      kms.destroy();
    }
  };
  const load = async (kms: KMSClient, node: TestServer, id: number) => {
    for (let i = 0; i < 120 && !stop && Date.now() < deadline; i++) {
      try {
        if (i % 3 === 0) {
          const out = await kms.send(new CreateKeyCommand({ Description: `load ${id}/${i}` }));
          created.push({ keyId: out.KeyMetadata!.KeyId!, requestId: out.$metadata.requestId! });
        } else {
          const text = `secret ${id}/${i}/${n++}`;
          const out = await kms.send(new EncryptCommand({ KeyId: keyA, Plaintext: Buffer.from(text) }));
          sealed.push({ blob: out.CiphertextBlob!, text, requestId: out.$metadata.requestId! });
        }
      } catch (err) {
        // Calls to the killed node fail without an answer: nothing was acknowledged.
        if (node === b && killed) return;
        throw err;
      }
    }
  };
  const killAfter = (async () => {
    await until('node b to have answered some of the load', async () => (created.length + sealed.length >= 60 ? true : undefined), 20_000);
    killed = true;
    await b.crash();
  })();
  const workers = [0, 1, 2, 3].map((i) => worker(i % 2 ? b : a, i));
  await killAfter;
  await Promise.all(workers);
  stop = true;
  assert.ok(created.length > 0 && sealed.length > 0, `${created.length} keys and ${sealed.length} ciphertexts acknowledged`);
  t.diagnostic(`acknowledged before and after the kill: ${created.length} CreateKey, ${sealed.length} Encrypt`);

  for (const { keyId } of created) assert.equal(await stateOf(kmsA, keyId), 'Enabled');
  for (const { blob, text } of sealed) {
    const { Plaintext } = await kmsA.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.equal(Buffer.from(Plaintext!).toString(), text);
  }
  // On SQLite node b's log outlives it; node a adopts it (a maintenance job, which a clock move
  // runs). On PostgreSQL a record is acknowledged once committed: there is no log to adopt.
  const logs = join(dataDir, 'audit-log');
  if (!onPostgres) assert.equal(readdirSync(logs).filter((d) => d.startsWith('node-')).length, 2, 'the dead node left its log');
  const moved = await keywarden(a, 'clock', 'advance', '1s');
  assert.equal(moved.status, 0, moved.stderr);
  if (!onPostgres) assert.equal(readdirSync(logs).filter((d) => d.startsWith('node-')).length, 1, 'adopted and removed');
  const exported = join(work, 'trail.jsonl');
  const exportRun = await keywarden(a, 'audit', 'export', '--output', exported);
  assert.equal(exportRun.status, 0, exportRun.stderr);
  const recorded = new Set(
    readFileSync(exported, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).requestID as string),
  );
  for (const { requestId } of [...created, ...sealed]) assert.ok(recorded.has(requestId), `the record of acknowledged call ${requestId}`);
  const verify = await keywarden(a, 'audit', 'verify');
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /^audit trail intact/);

  // A node started again joins the others, and the trail goes on as one chain.
  await b.restart();
  kmsB.destroy();
  kmsB = kmsSdk(b.url);
  const again = await createKey(kmsB, 'after the restart');
  assert.equal(await stateOf(kmsA, again), 'Enabled');
  const verifyAgain = await keywarden(b, 'audit', 'verify');
  assert.equal(verifyAgain.status, 0, verifyAgain.stdout + verifyAgain.stderr);
});
