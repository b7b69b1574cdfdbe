// Black-box tests of accounts and regions: `serve --credentials FILE` replaces the dev credential
// with the listed principals, each in its own account, and keys live in one account and one region.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  KMSClient,
  KMSServiceException,
  ListKeysCommand,
  ReEncryptCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

const ALICE = {
  accessKeyId: 'AKIDALICE',
  secretAccessKey: 'alice-secret',
  accountId: '111111111111',
  principalArn: 'arn:aws:iam::111111111111:user/alice',
};
const BOB = {
  accessKeyId: 'AKIDBOB',
  secretAccessKey: 'bob-secret',
  accountId: '222222222222',
  principalArn: 'arn:aws:iam::222222222222:user/bob',
};

let tmp: string;
let server: TestServer;
const clients: KMSClient[] = [];

function client(who: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1'): KMSClient {
  const c = new KMSClient({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey },
    maxAttempts: 1,
  });
  clients.push(c);
  return c;
}

let alice: KMSClient;
let aliceEu: KMSClient;
let bob: KMSClient;
let aliceKey: KeyMetadata;
let bobKey: KeyMetadata;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'keywarden-accounts-'));
  const file = join(tmp, 'credentials.json');
  writeFileSync(file, JSON.stringify({ credentials: [ALICE, BOB] }));
  server = await startServer({ args: ['--credentials', file] });
  alice = client(ALICE);
  aliceEu = client(ALICE, 'eu-west-1');
  bob = client(BOB);
  aliceKey = (await alice.send(new CreateKeyCommand({ Description: 'alice' }))).KeyMetadata!;
  bobKey = (await bob.send(new CreateKeyCommand({ Description: 'bob' }))).KeyMetadata!;
});

after(async () => {
  for (const c of clients) c.destroy();
  await server?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Expects the call to fail with one of `names`; returns the error. */
async function rejectsWith(fn: () => Promise<unknown>, names: string[]): Promise<KMSServiceException> {
  let result: unknown;
  try {
    result = await fn();
  } catch (e) {
    const err = e as KMSServiceException;
    assert.ok(names.includes(err.name), `expected ${names.join(' or ')}, got ${err.name}: ${err.message}`);
    assert.ok(err instanceof KMSServiceException, 'a service error, not a client-side failure');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.match(err.$metadata.requestId ?? '', /\S/);
    return err;
  }
  assert.fail(`expected ${names.join(' or ')}, but the call succeeded: ${JSON.stringify(result)}`);
}

const text = (s: string) => new TextEncoder().encode(s);

describe('credentials', () => {
  test('the dev credential test/test is refused when the file does not list it', async () => {
    const dev = client({ accessKeyId: 'test', secretAccessKey: 'test' });
    const err = await rejectsWith(() => dev.send(new ListKeysCommand({})), ['UnrecognizedClientException']);
    assert.equal(err.message, 'The security token included in the request is invalid.');
  });

  test("a listed key with the wrong secret is InvalidSignatureException", async () => {
    const wrong = client({ accessKeyId: ALICE.accessKeyId, secretAccessKey: BOB.secretAccessKey });
    await rejectsWith(() => wrong.send(new ListKeysCommand({})), ['InvalidSignatureException']);
  });

  test('keys are created in the account of the caller', () => {
    assert.equal(aliceKey.AWSAccountId, ALICE.accountId);
    assert.equal(aliceKey.Arn, `arn:aws:kms:us-east-1:${ALICE.accountId}:key/${aliceKey.KeyId}`);
    assert.equal(bobKey.AWSAccountId, BOB.accountId);
    assert.equal(bobKey.Arn, `arn:aws:kms:us-east-1:${BOB.accountId}:key/${bobKey.KeyId}`);
  });
});

describe('accounts are isolated', () => {
  test("ListKeys shows each account only its own keys", async () => {
    const a = (await alice.send(new ListKeysCommand({}))).Keys ?? [];
    const b = (await bob.send(new ListKeysCommand({}))).Keys ?? [];
    assert.deepEqual(a.map((k) => k.KeyId), [aliceKey.KeyId]);
    assert.deepEqual(b.map((k) => k.KeyId), [bobKey.KeyId]);
    for (const k of a) assert.match(k.KeyArn ?? '', new RegExp(`:${ALICE.accountId}:key/`));
  });

  test("Bob's DescribeKey of Alice's key id is NotFoundException", async () => {
    await rejectsWith(() => bob.send(new DescribeKeyCommand({ KeyId: aliceKey.KeyId })), ['NotFoundException']);
  });

  test("Bob's DescribeKey of Alice's key ARN is refused and never returns the key", async () => {
    const err = await rejectsWith(() => bob.send(new DescribeKeyCommand({ KeyId: aliceKey.Arn })), [
      'AccessDeniedException',
      'NotFoundException',
    ]);
    if (err.name === 'AccessDeniedException') {
      assert.match(err.message, /^User: arn:aws:iam::222222222222:user\/bob is not authorized to perform: kms:DescribeKey on resource: /);
      assert.ok(err.message.includes(aliceKey.Arn!), 'names the resource it refused');
    }
    assert.ok(!err.message.includes('alice'), 'the refusal does not leak the key description or Alice');
  });

  test("Bob cannot use Alice's key for Encrypt or GenerateDataKey", async () => {
    for (const KeyId of [aliceKey.KeyId, aliceKey.Arn]) {
      await rejectsWith(() => bob.send(new EncryptCommand({ KeyId, Plaintext: text('x') })), [
        'AccessDeniedException',
        'NotFoundException',
      ]);
      await rejectsWith(() => bob.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' })), [
        'AccessDeniedException',
        'NotFoundException',
      ]);
    }
  });

  test("Bob cannot decrypt Alice's ciphertext, nor re-encrypt it under his key", async () => {
    const secret = text('alice only');
    const enc = await alice.send(new EncryptCommand({ KeyId: aliceKey.KeyId, Plaintext: secret, EncryptionContext: { who: 'alice' } }));
    for (const KeyId of [undefined, aliceKey.Arn]) {
      await rejectsWith(
        () => bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { who: 'alice' }, KeyId })),
        ['AccessDeniedException', 'InvalidCiphertextException', 'NotFoundException'],
      );
    }
    await rejectsWith(
      () =>
        bob.send(
          new ReEncryptCommand({
            CiphertextBlob: enc.CiphertextBlob,
            SourceEncryptionContext: { who: 'alice' },
            DestinationKeyId: bobKey.KeyId,
          }),
        ),
      ['AccessDeniedException', 'InvalidCiphertextException', 'NotFoundException'],
    );
    // Alice still can.
    const dec = await alice.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { who: 'alice' } }));
    assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(secret));
  });

  test("Alice cannot see or use Bob's key either", async () => {
    await rejectsWith(() => alice.send(new DescribeKeyCommand({ KeyId: bobKey.KeyId })), ['NotFoundException']);
    await rejectsWith(() => alice.send(new DescribeKeyCommand({ KeyId: bobKey.Arn })), ['AccessDeniedException', 'NotFoundException']);
    const enc = await bob.send(new EncryptCommand({ KeyId: bobKey.KeyId, Plaintext: text('bob only') }));
    await rejectsWith(() => alice.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), [
      'AccessDeniedException',
      'InvalidCiphertextException',
      'NotFoundException',
    ]);
  });
});

describe('regions are isolated', () => {
  test('a key created in us-east-1 is not listed or found in eu-west-1', async () => {
    const eu = (await aliceEu.send(new ListKeysCommand({}))).Keys ?? [];
    assert.ok(!eu.some((k) => k.KeyId === aliceKey.KeyId), 'not listed in eu-west-1');
    await rejectsWith(() => aliceEu.send(new DescribeKeyCommand({ KeyId: aliceKey.KeyId })), ['NotFoundException']);
  });

  test('a key created in eu-west-1 has an eu-west-1 ARN and is listed only there', async () => {
    const euKey = (await aliceEu.send(new CreateKeyCommand({ Description: 'alice eu' }))).KeyMetadata!;
    assert.equal(euKey.Arn, `arn:aws:kms:eu-west-1:${ALICE.accountId}:key/${euKey.KeyId}`);
    const eu = (await aliceEu.send(new ListKeysCommand({}))).Keys ?? [];
    assert.deepEqual(eu.map((k) => k.KeyId), [euKey.KeyId]);
    const us = (await alice.send(new ListKeysCommand({}))).Keys ?? [];
    assert.ok(!us.some((k) => k.KeyId === euKey.KeyId), 'not listed in us-east-1');
    await rejectsWith(() => alice.send(new DescribeKeyCommand({ KeyId: euKey.KeyId })), ['NotFoundException']);
  });

  test('a key is not reachable through another region, even by its full ARN', async () => {
    // KMS keys are regional: an endpoint serves only its own region's keys. Real AWS answers an ARN
    // of another region with `NotFoundException: Invalid arn us-east-1` (observed in SDK error logs).
    const err = await rejectsWith(() => aliceEu.send(new DescribeKeyCommand({ KeyId: aliceKey.Arn })), ['NotFoundException']);
    assert.match(err.message, /^Invalid arn\b/);
    await rejectsWith(() => aliceEu.send(new EncryptCommand({ KeyId: aliceKey.Arn, Plaintext: text('x') })), ['NotFoundException']);
  });

  test('a us-east-1 ciphertext does not decrypt through eu-west-1', async () => {
    const enc = await alice.send(new EncryptCommand({ KeyId: aliceKey.KeyId, Plaintext: text('regional') }));
    await rejectsWith(() => aliceEu.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), [
      'InvalidCiphertextException',
      'NotFoundException',
      'AccessDeniedException',
    ]);
  });
});

describe('a malformed credentials file', () => {
  const cases: [string, string | null][] = [
    ['not JSON', '{"credentials": ['],
    ['JSON null', 'null'],
    ['a JSON array', '[{"accessKeyId": "AKID"}]'],
    ['no credentials list', '{"keys": []}'],
    ['an empty list', '{"credentials": []}'],
    ['an entry without a secret', JSON.stringify({ credentials: [{ accessKeyId: 'AKID', accountId: '111111111111' }] })],
    ['an account id that is not 12 digits', JSON.stringify({ credentials: [{ ...ALICE, accountId: '1234' }] })],
    ['a file that does not exist', null],
  ];
  for (const [label, content] of cases) {
    test(`${label}: serve exits non-zero with a one-line error`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'keywarden-badcreds-'));
      try {
        const file = join(dir, 'credentials.json');
        if (content !== null) writeFileSync(file, content);
        const r = spawnSync(
          process.execPath,
          [BIN, 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--credentials', file],
          { cwd: ROOT, encoding: 'utf8', timeout: 15_000, env: { ...process.env, KEYWARDEN_ROOT_KEY: '' } },
        );
        assert.equal(r.signal, null, `serve must exit by itself, not keep running (stdout: ${r.stdout})`);
        assert.notEqual(r.status, 0, 'exit status is non-zero');
        assert.doesNotMatch(r.stdout, /listening on/, 'it never starts listening');
        const lines = r.stderr.trim().split('\n');
        assert.equal(lines.length, 1, `one line on stderr, got:\n${r.stderr}`);
        assert.ok(lines[0]!.includes(file), `the error names the credentials file: ${lines[0]}`);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
