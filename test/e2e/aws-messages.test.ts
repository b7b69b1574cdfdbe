// AWS KMS's own error texts, situation by situation. Every row is a request whose answer was
// recorded from AWS KMS: the error name, the exact message (naming the key by its ARN where AWS
// does, with Keywarden's ARN here), or no message member at all where AWS sends none. The rows
// drive the real server over the wire, so what is compared is the body a client receives.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';
import { signedJson } from '../support/signed-call.js';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';
const UNKNOWN_KEY = '134f2428-cec1-4b25-a1ae-9048164dba47';
const UNKNOWN_MRK = 'mrk-d3b95762d3b95762d3b95762d3b95762';

interface Key {
  KeyId: string;
  Arn: string;
}

/** What the rows refer to, made once against the server before they run. */
interface World {
  symmetric: Key;
  disabled: Key;
  hmac224: Key;
  hmac256: Key;
  rsaSign: Key;
  rsaEncrypt: Key;
  ecSign: Key;
  agreement: Key;
  /** A key of the same account in another region. */
  elsewhere: Key;
  /** Made by `symmetric` under CONTEXT. */
  ciphertext: string;
  /** A MAC and a signature of a message other than MESSAGE. */
  otherMac: string;
  otherSignature: string;
}

interface Row {
  name: string;
  operation: string;
  input: (w: World) => Record<string, unknown>;
  type: string;
  /** The exact message; undefined when AWS sends the error without one. */
  message: string | ((w: World) => string) | undefined;
}

const CONTEXT = { purpose: 'aws-messages' };
const MESSAGE = b64('the message');
const keyArn = (keyId: string, region = REGION) => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;
const tags = (n: number, key = (i: number) => `key${i}`) => Array.from({ length: n }, (_, i) => ({ TagKey: key(i), TagValue: `value${i}` }));

function b64(data: string | Buffer): string {
  return Buffer.from(data).toString('base64');
}

const ROWS: Row[] = [
  // A bare key id must look like one before KMS looks for the key.
  ...['fake-key-id', '134f2428cec14b25a1ae9048164dba47', 'mrk-fake-key-id'].map(
    (keyId): Row => ({ name: `DescribeKey of '${keyId}'`, operation: 'DescribeKey', input: () => ({ KeyId: keyId }), type: 'NotFoundException', message: `Invalid keyId '${keyId}'` }),
  ),
  { name: 'GenerateMac of key id key_id', operation: 'GenerateMac', input: () => ({ KeyId: 'key_id', MacAlgorithm: 'HMAC_SHA_256', Message: MESSAGE }), type: 'NotFoundException', message: "Invalid keyId 'key_id'" },
  { name: 'VerifyMac of key id key_id', operation: 'VerifyMac', input: (w) => ({ KeyId: 'key_id', MacAlgorithm: 'HMAC_SHA_256', Message: MESSAGE, Mac: w.otherMac }), type: 'NotFoundException', message: "Invalid keyId 'key_id'" },
  { name: 'DescribeKey of an unknown key id', operation: 'DescribeKey', input: () => ({ KeyId: UNKNOWN_KEY }), type: 'NotFoundException', message: `Key '${keyArn(UNKNOWN_KEY)}' does not exist` },
  { name: 'DescribeKey of an unknown key ARN', operation: 'DescribeKey', input: () => ({ KeyId: keyArn(UNKNOWN_KEY) }), type: 'NotFoundException', message: `Key '${keyArn(UNKNOWN_KEY)}' does not exist` },
  { name: 'DescribeKey of an unknown multi-Region key id', operation: 'DescribeKey', input: () => ({ KeyId: UNKNOWN_MRK }), type: 'NotFoundException', message: `Key '${keyArn(UNKNOWN_MRK)}' does not exist` },
  { name: 'DescribeKey by id of a key in another region', operation: 'DescribeKey', input: (w) => ({ KeyId: w.elsewhere.KeyId }), type: 'NotFoundException', message: (w) => `Key '${keyArn(w.elsewhere.KeyId)}' does not exist` },
  { name: 'DescribeKey by ARN of a key in another region', operation: 'DescribeKey', input: (w) => ({ KeyId: w.elsewhere.Arn }), type: 'NotFoundException', message: `Invalid arn ${OTHER_REGION}` },
  { name: 'RotateKeyOnDemand of an unknown key', operation: 'RotateKeyOnDemand', input: () => ({ KeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' }), type: 'NotFoundException', message: `Key '${keyArn('1234abcd-12ab-34cd-56ef-1234567890ab')}' does not exist` },

  // Input KMS checks itself, and input the model's constraints refuse.
  { name: 'GenerateRandom without NumberOfBytes', operation: 'GenerateRandom', input: () => ({}), type: 'ValidationException', message: 'NumberOfBytes is required.' },
  { name: 'GenerateRandom of 0 bytes', operation: 'GenerateRandom', input: () => ({ NumberOfBytes: 0 }), type: 'ValidationException', message: "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1" },
  { name: 'GenerateRandom of 1025 bytes', operation: 'GenerateRandom', input: () => ({ NumberOfBytes: 1025 }), type: 'ValidationException', message: "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024" },
  { name: 'Encrypt of 4,800 bytes', operation: 'Encrypt', input: (w) => ({ KeyId: w.symmetric.KeyId, Plaintext: b64(Buffer.alloc(4800, 0x61)) }), type: 'ValidationException', message: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096" },
  ...(['GenerateMac', 'VerifyMac'] as const).map(
    (operation): Row => ({
      name: `${operation} with MacAlgorithm INVALID`,
      operation,
      input: (w) => ({ KeyId: w.hmac256.KeyId, MacAlgorithm: 'INVALID', Message: MESSAGE, ...(operation === 'VerifyMac' ? { Mac: w.otherMac } : {}) }),
      type: 'ValidationException',
      // AWS lists these four in its own order, not the model's.
      message: "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
    }),
  ),
  { name: 'DeriveSharedSecret with KeyAgreementAlgorithm INVALID', operation: 'DeriveSharedSecret', input: (w) => ({ KeyId: w.agreement.KeyId, KeyAgreementAlgorithm: 'INVALID', PublicKey: b64('peer') }), type: 'ValidationException', message: "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]" },
  { name: 'DeriveSharedSecret with a public key that is not one', operation: 'DeriveSharedSecret', input: (w) => ({ KeyId: w.agreement.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64('InvalidPublicKey') }), type: 'ValidationException', message: undefined },
  { name: 'CreateKey of an HMAC key without KeyUsage', operation: 'CreateKey', input: () => ({ KeySpec: 'HMAC_256' }), type: 'ValidationException', message: 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.' },
  { name: 'CreateKey of an RSA key for key agreement', operation: 'CreateKey', input: () => ({ KeySpec: 'RSA_2048', KeyUsage: 'KEY_AGREEMENT' }), type: 'ValidationException', message: 'KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048' },
  { name: 'CreateAlias without the alias/ prefix', operation: 'CreateAlias', input: (w) => ({ AliasName: 'no-prefix', TargetKeyId: w.symmetric.KeyId }), type: 'ValidationException', message: 'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html' },
  { name: 'Sign of a digest of the wrong length', operation: 'Sign', input: (w) => ({ KeyId: w.ecSign.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'DIGEST', Message: MESSAGE }), type: 'ValidationException', message: 'Digest is invalid length for algorithm ECDSA_SHA_256.' },
  ...([['RSAES_OAEP_SHA_1', 214], ['RSAES_OAEP_SHA_256', 190]] as const).map(
    ([algorithm, limit]): Row => ({
      name: `Encrypt of ${limit + 1} bytes under RSA_2048 with ${algorithm}`,
      operation: 'Encrypt',
      input: (w) => ({ KeyId: w.rsaEncrypt.KeyId, EncryptionAlgorithm: algorithm, Plaintext: b64(Buffer.alloc(limit + 1, 0x62)) }),
      type: 'ValidationException',
      message: `Algorithm ${algorithm} and key spec RSA_2048 cannot encrypt data larger than ${limit} bytes.`,
    }),
  ),
  // Seen in an AWS answer for a window inside the model's 1 to 365 but outside KMS's 7 to 30.
  { name: 'ScheduleKeyDeletion with a 6-day window', operation: 'ScheduleKeyDeletion', input: (w) => ({ KeyId: w.symmetric.KeyId, PendingWindowInDays: 6 }), type: 'ValidationException', message: 'PendingWindowInDays must be between 7 and 30' },

  // Tags.
  { name: 'TagResource with a tag key twice', operation: 'TagResource', input: (w) => ({ KeyId: w.symmetric.KeyId, Tags: [{ TagKey: 'tag1', TagValue: 'value1' }, { TagKey: 'tag1', TagValue: 'another-value1' }] }), type: 'TagException', message: 'Duplicate tag keys' },
  { name: 'CreateKey with 51 tags', operation: 'CreateKey', input: () => ({ Tags: tags(51) }), type: 'TagException', message: 'Too many tags' },
  { name: 'TagResource with a tag key under aws:', operation: 'TagResource', input: (w) => ({ KeyId: w.symmetric.KeyId, Tags: [{ TagKey: 'aws:key1', TagValue: 'value1' }] }), type: 'TagException', message: 'Tags beginning with aws: are reserved' },
  ...['aws:key1', 'AWS:key1'].map(
    (tagKey): Row => ({ name: `CreateKey with tag key ${tagKey}`, operation: 'CreateKey', input: () => ({ Tags: [{ TagKey: tagKey, TagValue: 'value1' }] }), type: 'TagException', message: 'Tags beginning with aws: are reserved' }),
  ),
  { name: 'CreateKey with a 129-character tag key', operation: 'CreateKey', input: () => ({ Tags: [{ TagKey: 'a'.repeat(129), TagValue: 'value1' }] }), type: 'ValidationException', message: `1 validation error detected: Value '${'a'.repeat(129)}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128` },
  { name: 'TagResource with a 257-character tag value', operation: 'TagResource', input: (w) => ({ KeyId: w.symmetric.KeyId, Tags: [{ TagKey: 'tag1', TagValue: 'v'.repeat(257) }] }), type: 'ValidationException', message: `1 validation error detected: Value '${'v'.repeat(257)}' at 'tags.1.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256` },

  // A key that cannot do what the operation asks.
  { name: 'GenerateMac with an encryption key', operation: 'GenerateMac', input: (w) => ({ KeyId: w.symmetric.KeyId, MacAlgorithm: 'HMAC_SHA_224', Message: MESSAGE }), type: 'InvalidKeyUsageException', message: (w) => `${w.symmetric.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.` },
  { name: 'Sign with an HMAC key', operation: 'Sign', input: (w) => ({ KeyId: w.hmac224.KeyId, SigningAlgorithm: 'RSASSA_PSS_SHA_256', MessageType: 'RAW', Message: MESSAGE }), type: 'InvalidKeyUsageException', message: (w) => `${w.hmac224.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for Sign.` },
  { name: 'Verify with an encryption key', operation: 'Verify', input: (w) => ({ KeyId: w.symmetric.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW', Message: MESSAGE, Signature: b64('random text') }), type: 'InvalidKeyUsageException', message: (w) => `${w.symmetric.Arn} key usage is ENCRYPT_DECRYPT which is not valid for Verify.` },
  { name: 'Encrypt with a signing key', operation: 'Encrypt', input: (w) => ({ KeyId: w.rsaSign.KeyId, Plaintext: MESSAGE }), type: 'InvalidKeyUsageException', message: (w) => `${w.rsaSign.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.` },
  { name: 'DeriveSharedSecret with a signing key', operation: 'DeriveSharedSecret', input: (w) => ({ KeyId: w.ecSign.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64('peer') }), type: 'InvalidKeyUsageException', message: (w) => `${w.ecSign.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.` },
  { name: 'DeriveSharedSecret with an encryption key', operation: 'DeriveSharedSecret', input: (w) => ({ KeyId: w.symmetric.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64('peer') }), type: 'InvalidKeyUsageException', message: (w) => `${w.symmetric.Arn} key usage is ENCRYPT_DECRYPT which is not valid for DeriveSharedSecret.` },
  { name: 'GenerateMac with an algorithm of another HMAC key spec', operation: 'GenerateMac', input: (w) => ({ KeyId: w.hmac224.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: MESSAGE }), type: 'InvalidKeyUsageException', message: 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.' },
  { name: 'VerifyMac with an algorithm of another HMAC key spec', operation: 'VerifyMac', input: (w) => ({ KeyId: w.hmac256.KeyId, MacAlgorithm: 'HMAC_SHA_512', Message: MESSAGE, Mac: w.otherMac }), type: 'InvalidKeyUsageException', message: 'Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.' },
  { name: 'Decrypt naming an HMAC key', operation: 'Decrypt', input: (w) => ({ KeyId: w.hmac224.KeyId, CiphertextBlob: w.ciphertext, EncryptionContext: CONTEXT }), type: 'IncorrectKeyException', message: 'The key ID in the request does not identify a CMK that can perform this operation.' },
  { name: 'ReEncrypt naming an HMAC key as the source', operation: 'ReEncrypt', input: (w) => ({ SourceKeyId: w.hmac224.KeyId, DestinationKeyId: w.hmac224.KeyId, CiphertextBlob: w.ciphertext, SourceEncryptionContext: CONTEXT }), type: 'IncorrectKeyException', message: 'The key ID in the request does not identify a CMK that can perform this operation.' },

  // Errors AWS sends with no message at all.
  { name: 'Decrypt without the encryption context', operation: 'Decrypt', input: (w) => ({ KeyId: w.symmetric.KeyId, CiphertextBlob: w.ciphertext }), type: 'InvalidCiphertextException', message: undefined },
  { name: 'Decrypt of a ciphertext cut short', operation: 'Decrypt', input: (w) => ({ KeyId: w.symmetric.KeyId, CiphertextBlob: b64(Buffer.from(w.ciphertext, 'base64').subarray(20)), EncryptionContext: CONTEXT }), type: 'InvalidCiphertextException', message: undefined },
  { name: 'Verify of a signature of another message', operation: 'Verify', input: (w) => ({ KeyId: w.ecSign.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW', Message: MESSAGE, Signature: w.otherSignature }), type: 'KMSInvalidSignatureException', message: undefined },
  { name: 'VerifyMac of a MAC of another message', operation: 'VerifyMac', input: (w) => ({ KeyId: w.hmac256.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: MESSAGE, Mac: w.otherMac }), type: 'KMSInvalidMacException', message: undefined },
  { name: 'RotateKeyOnDemand of an RSA key', operation: 'RotateKeyOnDemand', input: (w) => ({ KeyId: w.rsaEncrypt.KeyId }), type: 'UnsupportedOperationException', message: undefined },

  // Key states and DryRun.
  { name: 'RotateKeyOnDemand of a disabled key', operation: 'RotateKeyOnDemand', input: (w) => ({ KeyId: w.disabled.KeyId }), type: 'DisabledException', message: (w) => `${w.disabled.Arn} is disabled.` },
  ...(['GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext'] as const).map(
    (operation): Row => ({
      name: `${operation} with DryRun`,
      operation,
      input: (w) => ({ KeyId: w.symmetric.KeyId, KeyPairSpec: 'RSA_2048', DryRun: true }),
      type: 'DryRunOperationException',
      message: 'The request would have succeeded, but the DryRun option is set.',
    }),
  ),
];

let server: TestServer;
let world: World;

async function call(operation: string, input: unknown, region = REGION) {
  return signedJson(server.url, `TrentService.${operation}`, 'kms', input, region);
}

async function ok(operation: string, input: unknown, region = REGION): Promise<any> {
  const r = await call(operation, input, region);
  assert.equal(r.status, 200, `${operation} failed: ${r.text}`);
  return r.json;
}

async function createKey(input: Record<string, unknown> = {}, region = REGION): Promise<Key> {
  const { KeyMetadata } = await ok('CreateKey', input, region);
  return { KeyId: KeyMetadata.KeyId, Arn: KeyMetadata.Arn };
}

before(async () => {
  server = await startServer();
  const [symmetric, disabled, hmac224, hmac256, rsaSign, rsaEncrypt, ecSign, agreement, elsewhere] = await Promise.all([
    createKey(),
    createKey(),
    createKey({ KeySpec: 'HMAC_224', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    createKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
    createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }),
    createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }),
    createKey({}, OTHER_REGION),
  ]);
  await ok('DisableKey', { KeyId: disabled.KeyId });
  const other = b64('another message');
  world = {
    symmetric,
    disabled,
    hmac224,
    hmac256,
    rsaSign,
    rsaEncrypt,
    ecSign,
    agreement,
    elsewhere,
    ciphertext: (await ok('Encrypt', { KeyId: symmetric.KeyId, Plaintext: MESSAGE, EncryptionContext: CONTEXT })).CiphertextBlob,
    otherMac: (await ok('GenerateMac', { KeyId: hmac256.KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: other })).Mac,
    otherSignature: (await ok('Sign', { KeyId: ecSign.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', MessageType: 'RAW', Message: other })).Signature,
  };
});

after(async () => {
  await server?.dispose();
});

describe('KMS errors carry AWS KMS texts', () => {
  for (const row of ROWS) {
    test(row.name, async () => {
      const r = await call(row.operation, row.input(world));
      const expected = typeof row.message === 'function' ? row.message(world) : row.message;
      assert.equal(r.status, 400, `HTTP status of ${r.text}`);
      assert.deepEqual(r.json, expected === undefined ? { __type: row.type } : { __type: row.type, message: expected });
    });
  }

  test('RotateKeyOnDemand past the limit of 25 on-demand rotations', async () => {
    const key = await createKey();
    for (let i = 0; i < 25; i++) await ok('RotateKeyOnDemand', { KeyId: key.KeyId });
    const r = await call('RotateKeyOnDemand', { KeyId: key.KeyId });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      __type: 'LimitExceededException',
      message: `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.Arn}`,
    });
  });
});
