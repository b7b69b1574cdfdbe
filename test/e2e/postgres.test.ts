// Keywarden on PostgreSQL (`serve --store postgres://…`), from the outside: what it keeps is in the
// database and survives a restart, a second node on the same database with the same root key sees
// it, and a --store that cannot be used stops the start with one line that names it. The database
// is a fresh one on the test process's throwaway server (test/support/postgres.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CreateKeyCommand, DescribeCustomKeyStoresCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsAsync, run } from '../support/aws-cli.js';
import { freshDatabase } from '../support/postgres.js';
import { BIN, ROOT, serveExpectingFailure, startServer, type TestServer } from '../support/server.js';
import { connectedStore, kmsSdk, readyCluster } from '../support/sdk-setup.js';
import { b64in, kmsApi } from '../support/wire-api.js';

let url: string;
let server: TestServer;
let sdk: KMSClient;
const { kms } = kmsApi(() => server.url);
const work = mkdtempSync(join(tmpdir(), 'keywarden-postgres-'));

before(async () => {
  url = await freshDatabase();
  server = await startServer({ args: ['--store', url, '--cluster-delay-ms', '0', '--connect-delay-ms', '0'] });
  sdk = kmsSdk(server.url);
});

after(async () => {
  sdk?.destroy();
  await server?.dispose();
  rmSync(work, { recursive: true, force: true });
});

const health = async (endpoint: string) => (await fetch(`${endpoint}/health`)).json() as Promise<{ status: string; store: { kind: string; location: string } }>;

test('/health says the data is in PostgreSQL, and where, and the data directory holds no database', async () => {
  const h = await health(server.url);
  assert.equal(h.status, 'ok');
  assert.deepEqual(h.store, { kind: 'postgres', location: url });
  assert.match(server.output(), new RegExp(`data in the PostgreSQL database ${url.replace(/[.?*+^$[\]\\(){}|-]/g, '\\$&')}`));
  assert.equal(existsSync(join(server.dataDir, 'keywarden.db')), false);
});

test('keys, aliases, grants, a connected custom key store and the audit trail are all there after a restart', async () => {
  const key = (await kms('CreateKey', { Description: 'kept in PostgreSQL' })).KeyMetadata.KeyId as string;
  await kms('CreateAlias', { AliasName: 'alias/kept', TargetKeyId: key });
  const grant = (await kms('CreateGrant', { KeyId: key, GranteePrincipal: 'arn:aws:iam::111122223333:role/app', Operations: ['Decrypt'] })).GrantId as string;
  const ciphertext = (await kms('Encrypt', { KeyId: 'alias/kept', Plaintext: b64in('before the restart') })).CiphertextBlob as string;
  const cluster = await readyCluster(server.url);
  const store = await connectedStore(sdk, 'KeptStore', cluster);
  const inStore = (await sdk.send(new CreateKeyCommand({ CustomKeyStoreId: store, Origin: 'AWS_CLOUDHSM' }))).KeyMetadata!.KeyId!;
  const storeCiphertext = (await sdk.send(new EncryptCommand({ KeyId: inStore, Plaintext: Buffer.from('in the cluster') }))).CiphertextBlob!;

  await server.restart();
  sdk.destroy();
  sdk = kmsSdk(server.url);

  assert.equal((await kms('DescribeKey', { KeyId: 'alias/kept' })).KeyMetadata.Description, 'kept in PostgreSQL');
  assert.equal(Buffer.from((await kms('Decrypt', { CiphertextBlob: ciphertext })).Plaintext, 'base64').toString(), 'before the restart');
  assert.deepEqual((await kms('ListGrants', { KeyId: key })).Grants.map((g: { GrantId: string }) => g.GrantId), [grant]);
  const stores = (await sdk.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: store }))).CustomKeyStores!;
  assert.deepEqual(stores.map((s) => [s.CustomKeyStoreName, s.ConnectionState]), [['KeptStore', 'CONNECTED']]);
  assert.equal(Buffer.from((await kms('Decrypt', { CiphertextBlob: Buffer.from(storeCiphertext).toString('base64') })).Plaintext, 'base64').toString(), 'in the cluster');
  const created = await kms('ListKeys', {});
  assert.deepEqual(created.Keys.map((k: { KeyId: string }) => k.KeyId).sort(), [key, inStore].sort());

  const trail = await run(process.execPath, [BIN, 'audit', 'verify', '--endpoint', server.url], { cwd: ROOT });
  assert.equal(trail.status, 0, trail.stdout + trail.stderr);
  assert.match(trail.stdout, /^audit trail intact: \d+ records checked/);
  const lookup = await run(process.execPath, [BIN, 'audit', 'export', '--endpoint', server.url], { cwd: ROOT });
  const names = lookup.stdout.trim().split('\n').map((l) => JSON.parse(l).eventName as string);
  for (const name of ['CreateKey', 'CreateAlias', 'CreateGrant', 'Encrypt', 'CreateCustomKeyStore', 'ConnectCustomKeyStore', 'Decrypt']) assert.ok(names.includes(name), `${name} is in the trail`);
});

test('a second node on the database with the same root key sees the same keys; without that key, a node does not start', async () => {
  const rootKey = readFileSync(join(server.dataDir, 'root.key'), 'utf8').trim();
  const second = await startServer({ args: ['--store', url], env: { KEYWARDEN_ROOT_KEY: rootKey } });
  try {
    const other = kmsApi(() => second.url);
    assert.equal((await other.kms('DescribeKey', { KeyId: 'alias/kept' })).KeyMetadata.Description, 'kept in PostgreSQL');
    const made = (await other.kms('CreateKey', { Description: 'made on the second node' })).KeyMetadata.KeyId;
    assert.equal((await kms('DescribeKey', { KeyId: made })).KeyMetadata.Description, 'made on the second node');
  } finally {
    await second.dispose();
  }

  const wrongKey = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'wrong-key'), '--store', url], { KEYWARDEN_ROOT_KEY: randomBytes(32).toString('hex') });
  assert.equal(wrongKey.status, 1, wrongKey.stdout + wrongKey.stderr);
  assert.equal(wrongKey.stderr, `keywarden: the root key does not match the one the PostgreSQL database ${url} was first used with; every node needs that key: pass it with --root-key-file or KEYWARDEN_ROOT_KEY\n`);
  const noKey = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'no-key'), '--store', url]);
  assert.equal(noKey.status, 1, noKey.stdout + noKey.stderr);
  assert.match(noKey.stderr, /^keywarden: the PostgreSQL database \S+ holds data made with a root key, and this node has none .*every node needs the same root key\n$/);
  assert.equal(existsSync(join(work, 'no-key', 'root.key')), false, 'no root key was made for the database');
});

test('a --store that is not a PostgreSQL URL, or a database that does not answer, stops the start with one line naming --store', async () => {
  const closed = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const missing = new URL(url);
  missing.pathname = '/no_such_database';
  const cases: Array<[string, RegExp]> = [
    ['mysql://keywarden@127.0.0.1/keywarden', /^keywarden: --store takes a PostgreSQL URL \(postgres:\/\/user@host:5432\/database\), not a mysql URL\n$/],
    ['keywarden-db', /^keywarden: --store takes a PostgreSQL URL such as postgres:\/\/user@host:5432\/keywarden, not 'keywarden-db'\n$/],
    ['postgres://keywarden@127.0.0.1:5432', /^keywarden: --store postgres:\/\/keywarden@127\.0\.0\.1:5432 names no database: postgres:\/\/user@host:5432\/database\n$/],
    [`postgres://keywarden:secret@127.0.0.1:${closed}/keywarden`, new RegExp(`^keywarden: cannot use the PostgreSQL database of --store postgres://keywarden:\\*\\*\\*@127\\.0\\.0\\.1:${closed}/keywarden: connect ECONNREFUSED 127\\.0\\.0\\.1:${closed}\\n$`)],
    [missing.toString(), /^keywarden: cannot use the PostgreSQL database of --store \S+\/no_such_database: database "no_such_database" does not exist\n$/],
  ];
  // One at a time: a start that loads the service takes a few seconds of CPU on a busy machine.
  const started = [];
  for (const [i, [store]] of cases.entries()) {
    const dir = join(work, `bad-${i}`);
    started.push(
      i % 2 === 0
        ? await serveExpectingFailure(['--port', '0', '--data-dir', dir, '--store', store], {}, 60_000)
        : // The environment's store is checked the same way.
          await serveExpectingFailure(['--port', '0', '--data-dir', dir], { KEYWARDEN_STORE: store }, 60_000),
    );
  }
  started.forEach((r, i) => {
    assert.equal(r.status, 1, `${cases[i]![0]}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, cases[i]![1]);
    assert.ok(!r.stderr.includes('secret'), 'the password is not shown');
  });

  const inMemory = await serveExpectingFailure(['--port', '0', '--in-memory', '--store', url], {}, 60_000);
  assert.equal(inMemory.status, 2);
  assert.equal(inMemory.stderr, 'keywarden: --in-memory keeps the data in this process: leave out --store, or --in-memory.\n');
});

test('the tests’ two-node server (KEYWARDEN_TEST_NODES=2): the balancer sends each request to the other node, a kept-alive connection included, and a node that is down is passed over', async () => {
  const pair = await startServer({ nodes: 2, args: ['--store', await freshDatabase()] });
  const client = kmsSdk(pair.url);
  try {
    assert.equal(pair.nodes?.length, 2);
    const served = () => pair.nodes!.map((n) => (n.output().match(/"msg":"request completed"/g) ?? []).length);
    const before = served();
    for (let i = 0; i < 3; i++) assert.equal((await awsAsync(pair.url, ['kms', 'list-keys'])).status, 0);
    const key = await client.send(new CreateKeyCommand({}));
    for (let i = 0; i < 5; i++) await client.send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: Buffer.from('x') }));
    // A node's log line can arrive a moment after its answer.
    let after = served();
    for (let waited = 0; after.reduce((a, b) => a + b) - before.reduce((a, b) => a + b) < 9 && waited < 10_000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
      after = served();
    }
    assert.deepEqual(after.map((n, i) => n - before[i]!).sort(), [4, 5], `requests per node: ${after}`);
    await pair.nodes![1]!.stop();
    for (let i = 0; i < 2; i++) await client.send(new EncryptCommand({ KeyId: key.KeyMetadata!.KeyId!, Plaintext: Buffer.from('y') }));
  } finally {
    client.destroy();
    await pair.dispose();
  }
});
