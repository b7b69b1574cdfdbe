// `keywarden serve --hsm-engine pkcs11 --root-key pkcs11` on SoftHSM2 tokens, one per HSM: a
// backing key made through KMS is, as SoftHSM2's own tooling (pkcs11-tool, from opensc) shows it,
// a non-extractable key in the token of each HSM of the cluster; ciphertexts outlive a restart;
// deleting the key the guide's ways takes it off the tokens; the tokens' session limit gives the
// guide's KMSInternalException; and a wrong library, PIN or root key token stops the start.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { run } from '../support/aws-cli.js';
import { connectedStore, kmsSdk, readyCluster, type ReadyCluster, until } from '../support/sdk-setup.js';
import { BIN, serveExpectingFailure, startServer, type TestServer } from '../support/server.js';
import { softHsmTokens } from '../support/softhsm.js';
import { adminApi, b64in, kmsApi } from '../support/wire-api.js';

const tokens = softHsmTokens(6, 'e2e-hsm');
const SERVE = ['--clock', 'manual', '--allow-clock-control', '--cluster-delay-ms', '0', '--connect-delay-ms', '0', '--root-key', 'pkcs11'];
let server: TestServer;
let work: string;
const { kms, kmsFails } = kmsApi(() => server.url);
const { admin } = adminApi(() => server.url);

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-pkcs11-'));
  // SQLite whatever KEYWARDEN_TEST_STORE says: the restarts below reopen this data directory, and
  // the refused start reads what it was sealed with.
  server = await startServer({ pkcs11: tokens, args: SERVE, store: 'sqlite' });
});

after(async () => {
  await server?.dispose();
  tokens.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface TokenObject {
  kind: string;
  label?: string;
  id?: string;
  access: string[];
}

/** `pkcs11-tool --list-objects` of one token, as SoftHSM2's user sees it, one entry per object. */
async function objectsIn(label: string): Promise<TokenObject[]> {
  const { stdout } = await promisify(execFile)(
    'pkcs11-tool',
    ['--module', tokens.module, '--token-label', label, '--list-objects', '--login', '--pin', tokens.pin],
    { env: { ...process.env, ...tokens.env }, timeout: 30_000 },
  );
  const objects: TokenObject[] = [];
  for (const line of stdout.split('\n')) {
    if (/^\S/.test(line)) objects.push({ kind: line.trim(), access: [] });
    const m = /^\s+(label|ID|Access):\s*(.*)$/.exec(line);
    const current = objects[objects.length - 1];
    if (!m || !current) continue;
    if (m[1] === 'label') current.label = m[2]!.trim();
    if (m[1] === 'ID') current.id = m[2]!.trim();
    if (m[1] === 'Access') current.access = m[2]!.split(',').map((s) => s.trim());
  }
  return objects;
}

/** Each token's objects labelled `label` (a backing key's label is its KMS key's ARN). */
async function holders(label: string): Promise<Map<string, TokenObject>> {
  const found = new Map<string, TokenObject>();
  for (const token of tokens.labels) {
    const objects = (await objectsIn(token)).filter((o) => o.label === label);
    assert.ok(objects.length <= 1, `${token} holds ${objects.length} copies of ${label}`);
    if (objects[0]) found.set(token, objects[0]);
  }
  return found;
}

/** The CloudHSM CLI as a person at a terminal runs it: one command per line; the JSON envelope of each. */
async function cloudhsmCli(clusterId: string, lines: string[]): Promise<number[]> {
  const r = await run(process.execPath, [BIN, 'cloudhsm-cli', '--cluster-id', clusterId, '--endpoint', server.url], {
    cwd: work,
    input: lines.join('\n') + '\n',
    env: { KEYWARDEN_STATE_DIR: join(work, 'cli-state') },
  });
  return [...r.stdout.matchAll(/^ {2}"error_code": (\d+),?$/gm)].map((m) => Number(m[1]));
}

describe('the PKCS#11 engine on SoftHSM2 tokens', () => {
  let cluster: ReadyCluster;
  let storeId: string;
  let keyArn: string;
  let backingKeyId: string;
  const sealed: Record<string, string> = {};

  test('a KMS key in a custom key store is a non-extractable AES key in the token of each HSM of its cluster', async () => {
    cluster = await readyCluster(server.url);
    const sdk = kmsSdk(server.url);
    try {
      storeId = await connectedStore(sdk, 'TokenStore', cluster);
    } finally {
      sdk.destroy();
    }
    keyArn = (await kms('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })).KeyMetadata.Arn;
    const copies = await holders(keyArn);
    assert.equal(copies.size, 2, `one copy in each of the cluster's two HSMs: ${[...copies.keys()].join(', ')}`);
    const [first, second] = [...copies.values()] as [TokenObject, TokenObject];
    assert.match(first.kind, /^Secret Key Object; AES/);
    assert.match(first.id ?? '', /^[0-9a-f]{16}$/, 'CKA_ID is the backing key id');
    assert.equal(second.id, first.id);
    for (const copy of copies.values()) {
      assert.ok(copy.access.includes('sensitive'), copy.access.join());
      assert.ok(!copy.access.includes('extractable'), `marked non-extractable: ${copy.access.join(', ')}`);
    }
    backingKeyId = first.id!;
  });

  test('ciphertexts of a custom key store key and of an ordinary key (sealed by the root key in a token) decrypt after a restart', async () => {
    const plain = await kms('CreateKey', {});
    for (const [name, keyId] of [['cloudhsm', keyArn], ['kms', plain.KeyMetadata.Arn]] as const) {
      sealed[name] = (await kms('Encrypt', { KeyId: keyId, Plaintext: b64in(`made under ${name}`) })).CiphertextBlob;
    }
    await server.restart();
    for (const name of ['cloudhsm', 'kms']) {
      const out = await kms('Decrypt', { CiphertextBlob: sealed[name] });
      assert.equal(Buffer.from(out.Plaintext, 'base64').toString(), `made under ${name}`);
    }
    assert.equal(existsSync(join(server.dataDir, 'root.key')), false, 'no root key file: the root key is in the token');
  });

  test('ScheduleKeyDeletion: when the waiting period ends, the backing key leaves every token', async () => {
    await kms('ScheduleKeyDeletion', { KeyId: keyArn, PendingWindowInDays: 7 });
    assert.equal((await holders(keyArn)).size, 2, 'the material stays while the key waits');
    await admin('AdvanceClock', { Duration: '8d' });
    await kmsFails('DescribeKey', 'NotFoundException', { KeyId: keyArn });
    assert.equal((await holders(keyArn)).size, 0);
  });

  test('orphaned material: the key deleted while the store was disconnected stays in the tokens until kmsuser deletes it with CloudHSM CLI', async () => {
    const orphan = (await kms('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })).KeyMetadata.Arn;
    const [copy] = [...(await holders(orphan)).values()];
    await kms('ScheduleKeyDeletion', { KeyId: orphan, PendingWindowInDays: 7 });
    await kms('DisconnectCustomKeyStore', { CustomKeyStoreId: storeId });
    await admin('AdvanceClock', { Duration: '8d' });
    await kmsFails('DescribeKey', 'NotFoundException', { KeyId: orphan });
    assert.equal((await holders(orphan)).size, 2, 'KMS could not reach the cluster: the material is orphaned in both tokens');
    const codes = await cloudhsmCli(cluster.clusterId, [
      `login --username admin --role admin --password ${cluster.adminPassword}`,
      'user change-password --username kmsuser --role crypto-user --password TempPassword1',
      'logout',
      'login --username kmsuser --role crypto-user --password TempPassword1',
      `key delete --filter attr.id="0x${copy!.id}"`,
      'logout',
    ]);
    assert.deepEqual(codes, [0, 0, 0, 0, 0, 0]);
    assert.equal((await holders(orphan)).size, 0);
    await kms('UpdateCustomKeyStore', { CustomKeyStoreId: storeId, KeyStorePassword: 'TempPassword1' });
    await kms('ConnectCustomKeyStore', { CustomKeyStoreId: storeId });
    await until('the store to connect again', async () =>
      (await kms('DescribeCustomKeyStores', { CustomKeyStoreId: storeId })).CustomKeyStores[0].ConnectionState === 'CONNECTED' ? true : undefined,
    );
  });

  test('a token with no session left: KMSInternalException, the PKCS #11 sessions message', async () => {
    const kept = await kms('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId });
    await server.stop();
    // One session per token: the one that holds the login. The key store's kmsuser gets none.
    const limited = await startServer({
      store: 'sqlite',
      dataDir: server.dataDir,
      args: ['--hsm-engine', 'pkcs11', '--pkcs11-module', tokens.module, '--pkcs11-config', tokens.configFile({ maxSessions: 1 }), ...SERVE],
      env: tokens.env,
    });
    try {
      const message = await kmsApi(() => limited.url).kmsFails('Encrypt', 'KMSInternalException', { KeyId: kept.KeyMetadata.KeyId, Plaintext: b64in('x') });
      assert.equal(message, `The AWS CloudHSM cluster ${cluster.clusterId} has no available PKCS #11 sessions to serve this request. Back off and retry the request.`);
    } finally {
      await limited.stop();
    }
  });

  test('a wrong library, PIN or root key token stops the start: one line, exit status 1 (a wrong token label: src/engines/pkcs11.test.ts)', async () => {
    const start = (config: string, module = tokens.module, dataDir = join(work, 'refused')) =>
      serveExpectingFailure(['--port', '0', '--data-dir', dataDir, '--hsm-engine', 'pkcs11', '--root-key', 'pkcs11', '--pkcs11-module', module, '--pkcs11-config', config], tokens.env);
    // One at a time: each is a process of its own.
    const cases: Array<[() => Promise<{ status: number | null; stderr: string }>, RegExp]> = [
      [() => start(tokens.configFile(), '/nonexistent/libsofthsm2.so'), /^keywarden: cannot load the PKCS#11 module \/nonexistent\/libsofthsm2\.so: .* --pkcs11-module\n$/],
      [() => start(tokens.configFile({ pin: '99999999' })), /^keywarden: the PIN for PKCS#11 token 'e2e-hsm-1' is not correct; correct "pin" in the --pkcs11-config file or KEYWARDEN_PKCS11_PIN\n$/],
      // The data directory sealed under the root key in e2e-hsm-1, started with another token's.
      [() => start(tokens.configFile({ rootKeyToken: 'e2e-hsm-6' }), tokens.module, server.dataDir), /^keywarden: PKCS#11 token 'e2e-hsm-6' holds no keywarden-root-key, the key this data directory was sealed with; .*\n$/],
    ];
    for (const [failed, message] of cases) {
      const r = await failed();
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, message);
    }
    // Options that cannot go together are a usage error (exit status 2), before anything is opened.
    const usage = await serveExpectingFailure(['--port', '0', '--data-dir', join(work, 'refused'), '--hsm-engine', 'pkcs11']);
    assert.equal(usage.status, 2, usage.stderr);
    assert.match(usage.stderr, /--hsm-engine pkcs11 needs --pkcs11-module PATH, the PKCS#11 library of the tokens\./);
  });
});
