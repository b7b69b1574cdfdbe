// Black-box tests of Keywarden through the AWS SDK for JavaScript v3 (@aws-sdk/client-kms):
// the client is used unmodified, with only an endpoint override, exactly as an application would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisabledException,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidMarkerException,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  ListKeysCommand,
  NotFoundException,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  paginateListKeys,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { startServer, type TestServer } from '../support/server.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const KEY_ARN = new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

let server: TestServer;
let kms: KMSClient;

before(async () => {
  server = await startServer();
  kms = new KMSClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

after(async () => {
  kms?.destroy();
  await server?.dispose();
});

async function createKey(description = 'sdk-js e2e'): Promise<KeyMetadata> {
  const out = await kms.send(new CreateKeyCommand({ Description: description }));
  assert.ok(out.KeyMetadata, 'CreateKey returns KeyMetadata');
  return out.KeyMetadata;
}

/** Runs `fn`, expects it to reject with an SDK service exception of class `cls`, and returns it. */
async function expectError<T extends KMSServiceException>(
  fn: () => Promise<unknown>,
  cls: abstract new (...args: any[]) => T,
  name = cls.name,
): Promise<T> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught !== undefined, `expected ${name}, but the call succeeded`);
  const err = caught as T;
  assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
  assert.ok(err instanceof cls, `${name} arrives as the SDK's modelled class (got ${err.constructor?.name})`);
  assertServiceError(err);
  return err;
}

/** Errors that the SDK does not model (ValidationException…) arrive as KMSServiceException with the wire name. */
async function expectUnmodelled(fn: () => Promise<unknown>, name: string): Promise<KMSServiceException> {
  return expectError(fn, KMSServiceException, name);
}

function assertServiceError(err: KMSServiceException): void {
  assert.equal(err.$fault, 'client', `${err.name} is a client fault`);
  assert.equal(err.$metadata.httpStatusCode, 400, `${err.name} arrives with HTTP 400`);
  assert.match(err.$metadata.requestId ?? '', /\S/, `${err.name} carries a request id`);
  assert.ok(typeof err.message === 'string' && err.message.length > 0, `${err.name} has a message`);
  assert.doesNotMatch(err.message, /\n\s+at /, 'the message is not a stack trace');
}

const bytes = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);
const text = (s: string) => new TextEncoder().encode(s);

describe('keys', () => {
  test('CreateKey returns AWS-shaped metadata, and DescribeKey agrees by id and by ARN', async () => {
    const before = Date.now();
    const md = await createKey('described');
    assert.match(md.KeyId ?? '', UUID);
    assert.equal(md.Arn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/${md.KeyId}`);
    assert.equal(md.AWSAccountId, ACCOUNT);
    assert.equal(md.Description, 'described');
    assert.equal(md.Enabled, true);
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.KeyManager, 'CUSTOMER');
    assert.equal(md.MultiRegion, false);
    assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.ok(md.CreationDate instanceof Date, 'CreationDate parses as a timestamp');
    assert.ok(Math.abs(md.CreationDate.getTime() - before) < 60_000, 'CreationDate is now');

    const byId = await kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }));
    const byArn = await kms.send(new DescribeKeyCommand({ KeyId: md.Arn }));
    assert.equal(byId.$metadata.httpStatusCode, 200);
    assert.match(byId.$metadata.requestId ?? '', /\S/);
    assert.deepEqual(byId.KeyMetadata, md);
    assert.deepEqual(byArn.KeyMetadata, md);
  });

  test('DescribeKey of an unknown key id is NotFoundException', async () => {
    const err = await expectError(
      () => kms.send(new DescribeKeyCommand({ KeyId: '00000000-1111-2222-3333-444444444444' })),
      NotFoundException,
    );
    assert.match(err.message, /00000000-1111-2222-3333-444444444444/);
  });

  test('ListKeys pages with Limit / Marker / Truncated', async () => {
    for (let i = 0; i < 5; i++) await createKey(`listed ${i}`);
    const all = await kms.send(new ListKeysCommand({ Limit: 1000 }));
    assert.equal(all.Truncated, false);
    assert.equal(all.NextMarker, undefined, 'no NextMarker on the last page');
    const everyKey = all.Keys ?? [];
    assert.ok(everyKey.length >= 5, `at least the 5 new keys are listed (got ${everyKey.length})`);
    for (const k of everyKey) {
      assert.match(k.KeyId ?? '', UUID);
      assert.equal(k.KeyArn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/${k.KeyId}`);
    }

    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await kms.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
      pages++;
      assert.ok((page.Keys ?? []).length <= 2, 'a page holds at most Limit keys');
      seen.push(...(page.Keys ?? []).map((k) => k.KeyId!));
      if (page.Truncated) {
        assert.equal((page.Keys ?? []).length, 2, 'a truncated page is full');
        assert.ok(page.NextMarker, 'a truncated page has NextMarker');
      } else {
        assert.equal(page.NextMarker, undefined, 'the last page has no NextMarker');
      }
      marker = page.Truncated ? page.NextMarker : undefined;
      assert.ok(pages < 100, 'paging terminates');
    } while (marker);
    assert.equal(pages, Math.ceil(everyKey.length / 2));
    assert.equal(new Set(seen).size, seen.length, 'no key is listed twice');
    assert.deepEqual([...seen].sort(), everyKey.map((k) => k.KeyId!).sort(), 'pages together list every key once');
  });

  test('paginateListKeys walks every page', async () => {
    const all = (await kms.send(new ListKeysCommand({ Limit: 1000 }))).Keys ?? [];
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListKeys({ client: kms, pageSize: 2 }, {})) {
      pages++;
      seen.push(...(page.Keys ?? []).map((k) => k.KeyId!));
    }
    assert.equal(pages, Math.ceil(all.length / 2));
    assert.deepEqual(seen.sort(), all.map((k) => k.KeyId!).sort());
  });

  test('ListKeys rejects Limit outside 1..1000', async () => {
    const low = await expectUnmodelled(() => kms.send(new ListKeysCommand({ Limit: 0 })), 'ValidationException');
    assert.match(low.message, /^1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1$/);
    const high = await expectUnmodelled(() => kms.send(new ListKeysCommand({ Limit: 1001 })), 'ValidationException');
    assert.match(high.message, /Value '1001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 1000/);
  });

  test('ListKeys with a Marker the service did not issue is InvalidMarkerException', async () => {
    await expectError(() => kms.send(new ListKeysCommand({ Marker: 'not-a-marker-we-issued' })), InvalidMarkerException);
  });
});

describe('Encrypt and Decrypt', () => {
  let key: KeyMetadata;
  before(async () => {
    key = await createKey('crypto');
  });

  test('round trip without KeyId on Decrypt: the ciphertext names its key', async () => {
    const plaintext = text('hello, keywarden');
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
    assert.equal(enc.KeyId, key.Arn, 'Encrypt answers with the key ARN');
    assert.equal(enc.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.ok(enc.CiphertextBlob && enc.CiphertextBlob.length > plaintext.length);
    assert.ok(!Buffer.from(enc.CiphertextBlob).includes(Buffer.from(plaintext)), 'the plaintext is not visible in the blob');

    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(dec.KeyId, key.Arn);
    assert.equal(dec.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(plaintext));
  });

  test('round trip with KeyId (id and ARN) on Decrypt', async () => {
    const plaintext = text('with key id');
    const enc = await kms.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: plaintext }));
    for (const id of [key.KeyId, key.Arn]) {
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: id }));
      assert.equal(dec.KeyId, key.Arn);
      assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(plaintext));
    }
  });

  test('encrypting the same plaintext twice gives different blobs', async () => {
    const a = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('same') }));
    const b = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('same') }));
    assert.notDeepEqual(Buffer.from(a.CiphertextBlob!), Buffer.from(b.CiphertextBlob!));
  });

  test('EncryptionContext binds the ciphertext: exact context decrypts, any other is InvalidCiphertextException', async () => {
    const ctx = { purpose: 'e2e', tenant: 'acme' };
    const plaintext = text('bound to a context');
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: ctx }));

    const dec = await kms.send(
      new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { tenant: 'acme', purpose: 'e2e' } }),
    );
    assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(plaintext), 'context order does not matter');

    const wrong: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { purpose: 'e2e' },
      { purpose: 'e2e', tenant: 'other' },
      { purpose: 'e2e', tenant: 'acme', extra: 'x' },
      { Purpose: 'e2e', tenant: 'acme' },
    ];
    for (const EncryptionContext of wrong) {
      await expectError(
        () => kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext })),
        InvalidCiphertextException,
      );
    }

    // And a blob made without a context does not decrypt with one.
    const plain = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext }));
    await expectError(
      () => kms.send(new DecryptCommand({ CiphertextBlob: plain.CiphertextBlob, EncryptionContext: ctx })),
      InvalidCiphertextException,
    );
  });

  test('flipping any single byte of the ciphertext blob is InvalidCiphertextException', async () => {
    const ctx = { k: 'v' };
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('tamper me'), EncryptionContext: ctx }));
    const blob = Buffer.from(enc.CiphertextBlob!);
    for (let i = 0; i < blob.length; i++) {
      const tampered = Buffer.from(blob);
      tampered[i] = tampered[i]! ^ 0x01;
      let caught: unknown;
      try {
        await kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: ctx }));
      } catch (e) {
        caught = e;
      }
      assert.ok(caught instanceof InvalidCiphertextException, `byte ${i} of ${blob.length} flipped: got ${(caught as Error)?.name ?? 'success'}`);
      assertServiceError(caught);
    }
    // Truncated and extended blobs too.
    for (const bad of [blob.subarray(0, blob.length - 1), Buffer.concat([blob, Buffer.from([0])]), blob.subarray(0, 10)]) {
      await expectError(() => kms.send(new DecryptCommand({ CiphertextBlob: bad, EncryptionContext: ctx })), InvalidCiphertextException);
    }
  });

  test('Encrypt takes 1..4096 bytes: 4096 succeeds, 4097 and 0 are ValidationException', async () => {
    const max = bytes(4096, 0x5a);
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: max }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(max));

    const tooBig = await expectUnmodelled(
      () => kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: bytes(4097) })),
      'ValidationException',
    );
    assert.equal(
      tooBig.message,
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
    const empty = await expectUnmodelled(
      () => kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: new Uint8Array(0) })),
      'ValidationException',
    );
    assert.equal(
      empty.message,
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  test('Decrypt with the KeyId of another key is IncorrectKeyException', async () => {
    const other = await createKey('other');
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') }));
    await expectError(
      () => kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: other.KeyId })),
      IncorrectKeyException,
    );
  });
});

describe('ReEncrypt', () => {
  test('moves a ciphertext from one key and context to another', async () => {
    const a = await createKey('source');
    const b = await createKey('destination');
    const plaintext = text('re-encrypt me');
    const enc = await kms.send(
      new EncryptCommand({ KeyId: a.KeyId, Plaintext: plaintext, EncryptionContext: { stage: 'one' } }),
    );
    const re = await kms.send(
      new ReEncryptCommand({
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: { stage: 'one' },
        DestinationKeyId: b.KeyId,
        DestinationEncryptionContext: { stage: 'two' },
      }),
    );
    assert.equal(re.SourceKeyId, a.Arn);
    assert.equal(re.KeyId, b.Arn);
    assert.equal(re.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(re.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');

    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { stage: 'two' } }));
    assert.equal(dec.KeyId, b.Arn);
    assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(plaintext));

    await expectError(
      () => kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { stage: 'one' } })),
      InvalidCiphertextException,
    );
    await expectError(
      () => kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, KeyId: a.KeyId, EncryptionContext: { stage: 'two' } })),
      IncorrectKeyException,
    );
    // The wrong source context is caught before anything is produced.
    await expectError(
      () =>
        kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { stage: 'x' }, DestinationKeyId: b.KeyId })),
      InvalidCiphertextException,
    );
    // A SourceKeyId that is not the blob's key.
    await expectError(
      () =>
        kms.send(
          new ReEncryptCommand({
            CiphertextBlob: enc.CiphertextBlob,
            SourceEncryptionContext: { stage: 'one' },
            SourceKeyId: b.KeyId,
            DestinationKeyId: b.KeyId,
          }),
        ),
      IncorrectKeyException,
    );
  });
});

describe('data keys and random bytes', () => {
  let key: KeyMetadata;
  before(async () => {
    key = await createKey('data keys');
  });

  for (const [label, input, length] of [
    ['KeySpec AES_128', { KeySpec: 'AES_128' as const }, 16],
    ['KeySpec AES_256', { KeySpec: 'AES_256' as const }, 32],
    ['NumberOfBytes 1', { NumberOfBytes: 1 }, 1],
    ['NumberOfBytes 1024', { NumberOfBytes: 1024 }, 1024],
  ] as const) {
    test(`GenerateDataKey ${label} gives ${length} bytes that Decrypt returns`, async () => {
      const ctx = { dataKey: label };
      const out = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, EncryptionContext: ctx, ...input }));
      assert.equal(out.KeyId, key.Arn);
      assert.equal(out.Plaintext?.length, length);
      assert.ok(out.CiphertextBlob && out.CiphertextBlob.length > 0);
      const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: ctx }));
      assert.equal(dec.KeyId, key.Arn);
      assert.deepEqual(Buffer.from(dec.Plaintext!), Buffer.from(out.Plaintext!));
    });
  }

  test('GenerateDataKey needs exactly one of KeySpec and NumberOfBytes, and 1..1024 bytes', async () => {
    for (const input of [{}, { KeySpec: 'AES_256' as const, NumberOfBytes: 32 }]) {
      const err = await expectUnmodelled(
        () => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, ...input })),
        'ValidationException',
      );
      assert.equal(err.message, 'Please specify either number of bytes or key spec.');
    }
    const zero = await expectUnmodelled(
      () => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, NumberOfBytes: 0 })),
      'ValidationException',
    );
    assert.match(zero.message, /Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    const big = await expectUnmodelled(
      () => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, NumberOfBytes: 1025 })),
      'ValidationException',
    );
    assert.match(big.message, /Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024/);
  });

  test('GenerateDataKeyWithoutPlaintext returns no plaintext; Decrypt of its blob gives 32 bytes', async () => {
    const out = await kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.Arn, KeySpec: 'AES_256', EncryptionContext: { a: 'b' } }),
    );
    assert.equal(out.KeyId, key.Arn);
    assert.equal((out as { Plaintext?: unknown }).Plaintext, undefined);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { a: 'b' } }));
    assert.equal(dec.Plaintext?.length, 32);
    assert.equal(dec.KeyId, key.Arn);
  });

  test('GenerateRandom gives 1..1024 bytes; 0 and 1025 are ValidationException', async () => {
    for (const n of [1, 2, 16, 32, 1000, 1024]) {
      const out = await kms.send(new GenerateRandomCommand({ NumberOfBytes: n }));
      assert.equal(out.Plaintext?.length, n, `GenerateRandom(${n})`);
    }
    const a = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    const b = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    assert.notDeepEqual(Buffer.from(a.Plaintext!), Buffer.from(b.Plaintext!), 'random bytes differ');

    const zero = await expectUnmodelled(() => kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })), 'ValidationException');
    assert.equal(
      zero.message,
      "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const big = await expectUnmodelled(() => kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })), 'ValidationException');
    assert.equal(
      big.message,
      "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
  });
});

describe('key states as modelled errors', () => {
  test('a disabled key: Encrypt, Decrypt and GenerateDataKey are DisabledException; EnableKey restores it', async () => {
    const key = await createKey('to disable');
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('before') }));
    await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
    assert.equal(md.KeyState, 'Disabled');
    assert.equal(md.Enabled, false);

    const err = await expectError(() => kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })), DisabledException);
    assert.match(err.message, new RegExp(key.Arn!.replace(/[/.]/g, '\\$&')));
    await expectError(() => kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), DisabledException);
    await expectError(() => kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' })), DisabledException);

    await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'before');
  });

  test('a key pending deletion: crypto is KMSInvalidStateException', async () => {
    const key = await createKey('to delete');
    const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('doomed') }));
    const sched = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    assert.equal(sched.KeyId, key.Arn);
    assert.equal(sched.KeyState, 'PendingDeletion');
    assert.ok(sched.DeletionDate instanceof Date);

    await expectError(() => kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })), KMSInvalidStateException);
    await expectError(() => kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), KMSInvalidStateException);
    await expectError(() => kms.send(new EnableKeyCommand({ KeyId: key.KeyId })), KMSInvalidStateException);
  });

  test('crypto with an unknown key is NotFoundException', async () => {
    await expectError(
      () => kms.send(new EncryptCommand({ KeyId: '12345678-1234-1234-1234-123456789012', Plaintext: text('x') })),
      NotFoundException,
    );
    await expectError(
      () => kms.send(new GenerateDataKeyCommand({ KeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/12345678-1234-1234-1234-123456789012`, KeySpec: 'AES_256' })),
      NotFoundException,
    );
    await expectError(() => kms.send(new EncryptCommand({ KeyId: 'alias/does-not-exist', Plaintext: text('x') })), NotFoundException);
  });
});

describe('CloudTrail through @aws-sdk/client-cloudtrail', () => {
  // The client names its target by the Smithy service shape (CloudTrail_20131101.LookupEvents),
  // not botocore's longer prefix; AWS answers both.
  test('LookupEvents answers the JavaScript SDK and finds the CreateKey just made', async () => {
    const { CloudTrailClient, LookupEventsCommand } = await import('@aws-sdk/client-cloudtrail');
    const trail = new CloudTrailClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      const key = await createKey('looked up through the SDK');
      const out = await trail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: key.Arn! }] }));
      assert.deepEqual(out.Events?.map((e) => e.EventName), ['CreateKey']);
      assert.equal(JSON.parse(out.Events![0]!.CloudTrailEvent!).responseElements.keyMetadata.keyId, key.KeyId);
    } finally {
      trail.destroy();
    }
  });
});
