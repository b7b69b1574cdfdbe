// The operations that use key pairs to encrypt and to agree keys, from the outside: RSA and SM2
// Encrypt / Decrypt / ReEncrypt, GenerateDataKeyPair(WithoutPlaintext), DeriveSharedSecret.
// What Keywarden hands out is checked by other implementations: OpenSSL encrypts with a key's
// public key and derives from the peer's side, Python's `cryptography` (through boto3, in
// py/kms_key_pair_encryption.py) signs with data key pairs and encrypts with public keys. Every
// answer taken off the wire here is checked against botocore's output shape.
import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DecryptCommand,
  DeriveSharedSecretCommand,
  EncryptCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyPairWithoutPlaintextCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSClient,
  KMSServiceException,
  ReEncryptCommand,
  type CreateKeyCommandInput,
} from '@aws-sdk/client-kms';
import { awsAsync, run } from '../support/aws-cli.js';
import { assertOutputShape, outputShapeProblems } from '../support/botocore-shape.js';
import { startServer, type TestServer } from '../support/server.js';
import { runScript } from '../support/python-script.js';
import { signedCall } from '../support/signed-call.js';

const ACCOUNT = '111122223333';
const US = 'us-east-1';
const CHINA = 'cn-north-1';
// Keywarden writes the `aws` partition in every Region, the China Regions included (AWS: `aws-cn`).
const arnOf = (id: string, region = US) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const CLOUDTRAIL = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';
const INCORRECT_KEY = 'The key ID in the request does not identify a CMK that can perform this operation.';

let server: TestServer;
let work: string;
let sdk: KMSClient;
let files = 0;

/** The keys every test uses, made once: one RSA key of each size, KEY_AGREEMENT keys on each NIST curve, SM2 keys in China. */
const keys = {} as Record<
  'symmetric' | 'rsa2048' | 'rsa3072' | 'rsa4096' | 'p256' | 'p384' | 'p521' | 'signing' | 'sm2Encryption' | 'sm2AgreementA' | 'sm2AgreementB' | 'chinaSymmetric',
  { id: string; region: string; publicKey?: Buffer }
>;

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-key-pairs-'));
  sdk = new KMSClient({ endpoint: server.url, region: US, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const specs: [keyof typeof keys, CreateKeyCommandInput, string][] = [
    ['symmetric', {}, US],
    ['rsa2048', { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }, US],
    ['rsa3072', { KeySpec: 'RSA_3072', KeyUsage: 'ENCRYPT_DECRYPT' }, US],
    ['rsa4096', { KeySpec: 'RSA_4096', KeyUsage: 'ENCRYPT_DECRYPT' }, US],
    ['p256', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }, US],
    ['p384', { KeySpec: 'ECC_NIST_P384', KeyUsage: 'KEY_AGREEMENT' }, US],
    ['p521', { KeySpec: 'ECC_NIST_P521', KeyUsage: 'KEY_AGREEMENT' }, US],
    ['signing', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, US],
    ['sm2Encryption', { KeySpec: 'SM2', KeyUsage: 'ENCRYPT_DECRYPT' }, CHINA],
    ['sm2AgreementA', { KeySpec: 'SM2', KeyUsage: 'KEY_AGREEMENT' }, CHINA],
    ['sm2AgreementB', { KeySpec: 'SM2', KeyUsage: 'KEY_AGREEMENT' }, CHINA],
    ['chinaSymmetric', {}, CHINA],
  ];
  await Promise.all(
    specs.map(async ([name, input, region]) => {
      const id = (await wireOk('CreateKey', input, region)).KeyMetadata.KeyId as string;
      keys[name] = { id, region };
      if (input.KeySpec) keys[name].publicKey = await publicKeyOf(id, region);
    }),
  );
});

after(async () => {
  sdk?.destroy();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Clients

/** A signed KMS call as the wire carries it; a successful answer must fit botocore's output shape. */
async function wire(operation: string, input: unknown, region = US): Promise<{ status: number; body: any }> {
  const reply = await signedCall(server.port, `TrentService.${operation}`, 'kms', Buffer.from(JSON.stringify(input)), { region });
  if (reply.status === 200) assertOutputShape('kms', operation, reply.json);
  return { status: reply.status, body: reply.json };
}

async function wireOk(operation: string, input: unknown, region = US): Promise<any> {
  const r = await wire(operation, input, region);
  assert.equal(r.status, 200, `${operation} failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A call that must fail with `type` (and `message`, when given; null: the body has no message at all). */
async function wireFails(operation: string, input: unknown, type: string, message?: string | RegExp | null, region = US): Promise<any> {
  const r = await wire(operation, input, region);
  assert.equal(r.status, 400, `${operation} should have failed: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.__type, type, JSON.stringify(r.body));
  if (message === null) assert.deepEqual(Object.keys(r.body), ['__type'], 'AWS sends this error without a message');
  else if (typeof message === 'string') assert.equal(r.body.message, message);
  else if (message) assert.match(r.body.message, message);
  return r.body;
}

/**
 * A key's public key (SubjectPublicKeyInfo DER). GetPublicKey is another part of issue 11; until
 * this branch meets it, the public key is read where Keywarden keeps it in clear, beside the
 * sealed private key, in the data directory's database.
 */
async function publicKeyOf(keyId: string, region: string): Promise<Buffer> {
  const r = await wire('GetPublicKey', { KeyId: keyId }, region);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return Buffer.from(r.body.PublicKey, 'base64');
}

/** Writes bytes (or PEM text) to a fresh file in the work directory and returns its path. */
function file(contents: Buffer | string, suffix = '.bin'): string {
  const path = join(work, `f${++files}${suffix}`);
  writeFileSync(path, contents);
  return path;
}

const pem = (spki: Buffer) => file(createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string, '.pem');

async function openssl(...args: string[]): Promise<Buffer> {
  const out = join(work, `o${++files}.bin`);
  const r = await run('openssl', [...args, '-out', out]);
  assert.equal(r.status, 0, `openssl ${args.join(' ')}:\n${r.stderr}`);
  return readFileSync(out);
}

const b64 = (b: Buffer) => b.toString('base64');

// ---------------------------------------------------------------------------------------------

test('the output shape check is not blind: it names unknown members, wrong types, enums and bounds, missing required members', () => {
  assert.deepEqual(outputShapeProblems('kms', 'DeriveSharedSecret', { KeyId: 'k', SharedSecret: b64(Buffer.alloc(32)), KeyAgreementAlgorithm: 'ECDH', KeyOrigin: 'AWS_KMS' }), []);
  const problems = outputShapeProblems('kms', 'Decrypt', { KeyId: '', Plaintext: 'not base64!', EncryptionAlgorithm: 'RSA', Extra: 1, KeyMaterialId: 7 });
  assert.equal(problems.length, 5, problems.join('\n'));
  assert.ok(outputShapeProblems('kms', 'ListKeys', { Keys: [{}], Truncated: 'no' }).length >= 1);
  assert.ok(outputShapeProblems('kms', 'CreateKey', { KeyMetadata: { Arn: 'a' } }).some((p) => /required/.test(p)));
});

describe('RSA and SM2 encryption', () => {
  test('RSA-OAEP ciphertexts OpenSSL makes with the public key decrypt in Keywarden, for every key size and both digests', async () => {
    const cases = [
      ['rsa2048', 'sha1', 'RSAES_OAEP_SHA_1'],
      ['rsa2048', 'sha256', 'RSAES_OAEP_SHA_256'],
      ['rsa3072', 'sha256', 'RSAES_OAEP_SHA_256'],
      ['rsa4096', 'sha1', 'RSAES_OAEP_SHA_1'],
      ['rsa4096', 'sha256', 'RSAES_OAEP_SHA_256'],
    ] as const;
    await Promise.all(
      cases.map(async ([name, md, algorithm], i) => {
        const key = keys[name];
        const plaintext = Buffer.from(`made by OpenSSL, case ${i}`);
        const ciphertext = await openssl(
          'pkeyutl', '-encrypt', '-pubin', '-inkey', pem(key.publicKey!), '-in', file(plaintext),
          '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`,
        );
        const out = await wireOk('Decrypt', { CiphertextBlob: b64(ciphertext), KeyId: key.id, EncryptionAlgorithm: algorithm });
        assert.deepEqual(Buffer.from(out.Plaintext, 'base64'), plaintext, `${name} ${algorithm}`);
        assert.deepEqual(out, { KeyId: arnOf(key.id), Plaintext: out.Plaintext, EncryptionAlgorithm: algorithm });
      }),
    );
  });

  test("Encrypt takes up to AWS's limit for each key size and algorithm, and answers one byte more with AWS's ValidationException", async () => {
    const limits = { rsa2048: [214, 190], rsa3072: [342, 318], rsa4096: [470, 446] } as const;
    const specs = { rsa2048: 'RSA_2048', rsa3072: 'RSA_3072', rsa4096: 'RSA_4096' } as const;
    await Promise.all(
      Object.entries(limits).flatMap(([name, [sha1, sha256]]) =>
        ([['RSAES_OAEP_SHA_1', sha1], ['RSAES_OAEP_SHA_256', sha256]] as const).map(async ([algorithm, limit]) => {
          const key = keys[name as keyof typeof limits];
          const longest = Buffer.alloc(limit, 0x5a);
          const sealed = await wireOk('Encrypt', { KeyId: key.id, Plaintext: b64(longest), EncryptionAlgorithm: algorithm });
          assert.deepEqual(Object.keys(sealed).sort(), ['CiphertextBlob', 'EncryptionAlgorithm', 'KeyId']);
          assert.equal(sealed.EncryptionAlgorithm, algorithm);
          assert.equal(Buffer.from(sealed.CiphertextBlob, 'base64').length, Number(specs[name as keyof typeof specs].slice(4)) / 8, 'the raw RSA output');
          const opened = await wireOk('Decrypt', { CiphertextBlob: sealed.CiphertextBlob, KeyId: arnOf(key.id), EncryptionAlgorithm: algorithm });
          assert.deepEqual(Buffer.from(opened.Plaintext, 'base64'), longest);
          await wireFails(
            'Encrypt',
            { KeyId: key.id, Plaintext: b64(Buffer.alloc(limit + 1)), EncryptionAlgorithm: algorithm },
            'ValidationException',
            `Algorithm ${algorithm} and key spec ${specs[name as keyof typeof specs]} cannot encrypt data larger than ${limit} bytes.`,
          );
        }),
      ),
    );
  });

  test('the AWS SDK for JavaScript: ReEncrypt between symmetric and RSA keys both ways, and the exception classes of the asymmetric rules', async () => {
    const rsa = keys.rsa2048.id;
    const secret = Buffer.from('through @aws-sdk/client-kms');
    const blob = (await sdk.send(new EncryptCommand({ KeyId: keys.symmetric.id, Plaintext: secret, EncryptionContext: { app: 'sdk' } }))).CiphertextBlob!;
    const toRsa = await sdk.send(
      new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { app: 'sdk' }, DestinationKeyId: rsa, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
    );
    assert.equal(toRsa.KeyId, arnOf(rsa));
    assert.equal(toRsa.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(toRsa.DestinationEncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
    assert.ok(toRsa.SourceKeyMaterialId);
    assert.equal(toRsa.DestinationKeyMaterialId, undefined);
    const decrypted = await sdk.send(new DecryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, KeyId: rsa, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    assert.deepEqual(Buffer.from(decrypted.Plaintext!), secret);
    assert.equal(decrypted.KeyMaterialId, undefined);
    const back = await sdk.send(
      new ReEncryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, SourceKeyId: rsa, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DestinationKeyId: keys.symmetric.id }),
    );
    assert.equal(back.SourceKeyId, arnOf(rsa));
    assert.equal(back.SourceEncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
    assert.deepEqual(Buffer.from((await sdk.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }))).Plaintext!), secret);

    const rejects = async (call: () => Promise<unknown>, cls: abstract new (...args: never[]) => KMSServiceException, name: string, message?: string) => {
      const err = await call().then(
        () => assert.fail(`${name} expected`),
        (e: unknown) => e,
      );
      assert.ok(err instanceof cls, `expected ${name}, got ${String(err)}`);
      assert.equal((err as KMSServiceException).name, name);
      if (message !== undefined) assert.equal((err as KMSServiceException).message, message);
    };
    await rejects(() => sdk.send(new DecryptCommand({ CiphertextBlob: toRsa.CiphertextBlob })), InvalidCiphertextException, 'InvalidCiphertextException');
    await rejects(() => sdk.send(new DecryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, KeyId: rsa })), InvalidCiphertextException, 'InvalidCiphertextException');
    await rejects(() => sdk.send(new DecryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, KeyId: rsa, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })), IncorrectKeyException, 'IncorrectKeyException', INCORRECT_KEY);
    await rejects(
      () => sdk.send(new DecryptCommand({ CiphertextBlob: toRsa.CiphertextBlob, KeyId: keys.rsa3072.id, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })),
      IncorrectKeyException,
      'IncorrectKeyException',
      INCORRECT_KEY,
    );
    await rejects(() => sdk.send(new EncryptCommand({ KeyId: rsa, Plaintext: secret })), InvalidKeyUsageException, 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    await rejects(
      () => sdk.send(new EncryptCommand({ KeyId: keys.symmetric.id, Plaintext: secret, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })),
      InvalidKeyUsageException,
      'InvalidKeyUsageException',
      'Algorithm RSAES_OAEP_SHA_1 is incompatible with key spec SYMMETRIC_DEFAULT.',
    );
    await rejects(() => sdk.send(new EncryptCommand({ KeyId: rsa, Plaintext: secret, EncryptionAlgorithm: 'SM2PKE' })), InvalidKeyUsageException, 'InvalidKeyUsageException');
    await rejects(
      () => sdk.send(new EncryptCommand({ KeyId: keys.signing.id, Plaintext: secret, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })),
      InvalidKeyUsageException,
      'InvalidKeyUsageException',
      `${arnOf(keys.signing.id)} key usage is SIGN_VERIFY which is not valid for Encrypt.`,
    );
    // Not a modelled exception: the SDK gives the base class with AWS's error name.
    await rejects(() => sdk.send(new EncryptCommand({ KeyId: rsa, Plaintext: secret, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', EncryptionContext: { a: 'b' } })), KMSServiceException, 'ValidationException');
    await rejects(
      () => sdk.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { app: 'sdk' }, DestinationKeyId: rsa, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DestinationEncryptionContext: { a: 'b' } })),
      KMSServiceException,
      'ValidationException',
    );
  });

  test('SM2PKE in the China Regions: what OpenSSL encrypts with the SM2 public key decrypts, and 1024 bytes is the limit', async () => {
    const key = keys.sm2Encryption;
    const plaintext = Buffer.from('国密 SM2PKE through OpenSSL');
    const ciphertext = await openssl('pkeyutl', '-encrypt', '-pubin', '-inkey', pem(key.publicKey!), '-in', file(plaintext));
    const out = await wireOk('Decrypt', { CiphertextBlob: b64(ciphertext), KeyId: key.id, EncryptionAlgorithm: 'SM2PKE' }, CHINA);
    assert.deepEqual(Buffer.from(out.Plaintext, 'base64'), plaintext);
    assert.equal(out.KeyId, arnOf(key.id, CHINA));
    const sealed = await wireOk('Encrypt', { KeyId: key.id, Plaintext: b64(Buffer.alloc(1024, 1)), EncryptionAlgorithm: 'SM2PKE' }, CHINA);
    const reopened = await wireOk('Decrypt', { CiphertextBlob: sealed.CiphertextBlob, KeyId: key.id, EncryptionAlgorithm: 'SM2PKE' }, CHINA);
    assert.deepEqual(Buffer.from(reopened.Plaintext, 'base64'), Buffer.alloc(1024, 1));
    await wireFails('Encrypt', { KeyId: key.id, Plaintext: b64(Buffer.alloc(1025)), EncryptionAlgorithm: 'SM2PKE' }, 'ValidationException', 'Algorithm SM2PKE and key spec SM2 cannot encrypt data larger than 1024 bytes.', CHINA);
    await wireFails('Encrypt', { KeyId: key.id, Plaintext: b64(plaintext) }, 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec SM2.', CHINA);
  });
});

describe('DeriveSharedSecret', () => {
  test('equals what OpenSSL derives from the peer side, on each NIST curve', async () => {
    const curves = [['p256', 'P-256', 32], ['p384', 'P-384', 48], ['p521', 'P-521', 66]] as const;
    await Promise.all(
      curves.map(async ([name, curve, bytes]) => {
        const key = keys[name];
        const peerPem = file(await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`), '.pem');
        const peerSpki = await openssl('pkey', '-in', peerPem, '-pubout', '-outform', 'DER');
        const out = await wireOk('DeriveSharedSecret', { KeyId: key.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(peerSpki) });
        assert.deepEqual(Object.keys(out).sort(), ['KeyAgreementAlgorithm', 'KeyId', 'KeyOrigin', 'SharedSecret']);
        assert.equal(out.KeyId, arnOf(key.id));
        assert.equal(out.KeyAgreementAlgorithm, 'ECDH');
        assert.equal(out.KeyOrigin, 'AWS_KMS');
        const theirs = await openssl('pkeyutl', '-derive', '-inkey', peerPem, '-peerkey', pem(key.publicKey!));
        assert.equal(theirs.length, bytes);
        assert.deepEqual(Buffer.from(out.SharedSecret, 'base64'), theirs, name);
      }),
    );
  });

  test('on the SM2 curve in the China Regions (OpenSSL does not derive with SM2 keys: two KMS keys and a Node peer agree)', async () => {
    const [a, b] = [keys.sm2AgreementA, keys.sm2AgreementB];
    const ab = await wireOk('DeriveSharedSecret', { KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(b.publicKey!) }, CHINA);
    const ba = await wireOk('DeriveSharedSecret', { KeyId: b.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(a.publicKey!) }, CHINA);
    assert.equal(ab.SharedSecret, ba.SharedSecret);
    const peer = createECDH('SM2');
    peer.generateKeys();
    const peerSpki = Buffer.concat([a.publicKey!.subarray(0, -65), peer.getPublicKey()]);
    const withPeer = await wireOk('DeriveSharedSecret', { KeyId: a.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(peerSpki) }, CHINA);
    assert.deepEqual(Buffer.from(withPeer.SharedSecret, 'base64'), peer.computeSecret(a.publicKey!.subarray(-65)));
  });

  test("AWS's errors: a message-less ValidationException for bytes that are no public key, other curves, other key usages, DryRun, Recipient", async () => {
    const p256 = keys.p256.id;
    await wireFails('DeriveSharedSecret', { KeyId: p256, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(Buffer.from('InvalidPublicKey')) }, 'ValidationException', null);
    await wireFails('DeriveSharedSecret', { KeyId: p256, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(keys.p384.publicKey!) }, 'ValidationException', /same curve/);
    await wireFails(
      'DeriveSharedSecret',
      { KeyId: p256, KeyAgreementAlgorithm: 'INVALID', PublicKey: b64(keys.p256.publicKey!) },
      'ValidationException',
      "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]",
    );
    for (const name of ['signing', 'symmetric'] as const) {
      const usage = name === 'signing' ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT';
      await wireFails(
        'DeriveSharedSecret',
        { KeyId: keys[name].id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(keys.p256.publicKey!) },
        'InvalidKeyUsageException',
        `${arnOf(keys[name].id)} key usage is ${usage} which is not valid for DeriveSharedSecret.`,
      );
    }
    await wireFails('DeriveSharedSecret', { KeyId: p256, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(keys.p256.publicKey!), DryRun: true }, 'DryRunOperationException');
    await wireFails(
      'DeriveSharedSecret',
      { KeyId: p256, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(keys.p256.publicKey!), Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: b64(Buffer.from('not attested')) } },
      'UnsupportedOperationException',
    );
  });
});

describe('GenerateDataKeyPair', () => {
  test('the public key is the private key\'s (as OpenSSL reads them), for SM2 in China too; the sealed copy decrypts to the PKCS #8 with its context only', async () => {
    const context = { purpose: 'wire' };
    const cases = [
      ['GenerateDataKeyPair', 'RSA_2048', keys.symmetric],
      ['GenerateDataKeyPair', 'ECC_NIST_EDWARDS25519', keys.symmetric],
      ['GenerateDataKeyPairWithoutPlaintext', 'ECC_SECG_P256K1', keys.symmetric],
      ['GenerateDataKeyPair', 'SM2', keys.chinaSymmetric],
      ['GenerateDataKeyPairWithoutPlaintext', 'SM2', keys.chinaSymmetric],
    ] as const;
    await Promise.all(
      cases.map(async ([operation, spec, key]) => {
        const out = await wireOk(operation, { KeyId: key.id, KeyPairSpec: spec, EncryptionContext: context }, key.region);
        const expected = ['KeyId', 'KeyMaterialId', 'KeyPairSpec', 'PrivateKeyCiphertextBlob', 'PublicKey'];
        if (operation === 'GenerateDataKeyPair') expected.push('PrivateKeyPlaintext');
        assert.deepEqual(Object.keys(out).sort(), expected.sort());
        assert.equal(out.KeyId, arnOf(key.id, key.region));
        assert.equal(out.KeyPairSpec, spec);
        const opened = await wireOk('Decrypt', { CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: context }, key.region);
        if (operation === 'GenerateDataKeyPair') assert.equal(opened.Plaintext, out.PrivateKeyPlaintext);
        await wireFails('Decrypt', { CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: { purpose: 'other' } }, 'InvalidCiphertextException', undefined, key.region);
        const pkcs8 = Buffer.from(opened.Plaintext, 'base64');
        const privatePem = file(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string, '.pem');
        const publicFromPrivate = await openssl('pkey', '-in', privatePem, '-pubout', '-outform', 'DER');
        assert.deepEqual(publicFromPrivate, Buffer.from(out.PublicKey, 'base64'), `${operation} ${spec}`);
      }),
    );
  });

  test('refuses key pairs, SM2 outside China and a Recipient without a valid attestation; DryRun', async () => {
    await wireFails('GenerateDataKeyPair', { KeyId: keys.rsa2048.id, KeyPairSpec: 'RSA_2048' }, 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    await wireFails(
      'GenerateDataKeyPairWithoutPlaintext',
      { KeyId: keys.signing.id, KeyPairSpec: 'RSA_2048' },
      'InvalidKeyUsageException',
      `${arnOf(keys.signing.id)} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPairWithoutPlaintext.`,
    );
    await wireFails('GenerateDataKeyPair', { KeyId: keys.symmetric.id, KeyPairSpec: 'SM2' }, 'UnsupportedOperationException');
    await wireFails(
      'GenerateDataKeyPair',
      { KeyId: keys.symmetric.id, KeyPairSpec: 'ML_DSA_44' },
      'ValidationException',
      /^1 validation error detected: Value 'ML_DSA_44' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set/,
    );
    await wireFails(
      'GenerateDataKeyPair',
      { KeyId: keys.symmetric.id, KeyPairSpec: 'RSA_2048', Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: b64(Buffer.from('not attested')) } },
      'UnsupportedOperationException',
    );
    await wireFails('GenerateDataKeyPair', { KeyId: keys.symmetric.id, KeyPairSpec: 'ECC_NIST_P256', DryRun: true }, 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    // Through the SDK's modelled class as well.
    const err = await sdk.send(new GenerateDataKeyPairCommand({ KeyId: keys.p256.id, KeyPairSpec: 'ECC_NIST_P256' })).catch((e: unknown) => e);
    assert.ok(err instanceof InvalidKeyUsageException, String(err));
  });

  test('the AWS SDK for JavaScript: GenerateDataKeyPairWithoutPlaintext and DeriveSharedSecret', async () => {
    const pair = await sdk.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: keys.symmetric.id, KeyPairSpec: 'ECC_NIST_P521', EncryptionContext: { sdk: 'js' } }));
    assert.equal(pair.KeyPairSpec, 'ECC_NIST_P521');
    const pkcs8 = (await sdk.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob, EncryptionContext: { sdk: 'js' } }))).Plaintext!;
    const publicFromPrivate = createPublicKey(createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
    assert.deepEqual(publicFromPrivate, Buffer.from(pair.PublicKey!));

    const peer = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const derived = await sdk.send(
      new DeriveSharedSecretCommand({ KeyId: keys.p384.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.publicKey.export({ type: 'spki', format: 'der' }) }),
    );
    assert.equal(derived.KeyOrigin, 'AWS_KMS');
    const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: keys.p384.publicKey!, format: 'der', type: 'spki' }) });
    assert.deepEqual(Buffer.from(derived.SharedSecret!), theirs);
  });
});

test('boto3 and Python cryptography: data key pairs of every spec sign and verify, public keys encrypt, both sides derive the same secret', async () => {
  const fixtures = file(
    JSON.stringify({
      symmetric: keys.symmetric.id,
      rsa2048: { keyId: keys.rsa2048.id, publicKey: b64(keys.rsa2048.publicKey!) },
      agreement: Object.fromEntries(
        (['p256', 'p384', 'p521'] as const).map((n) => [`ECC_NIST_P${n.slice(1)}`, { keyId: keys[n].id, publicKey: b64(keys[n].publicKey!) }]),
      ),
    }),
    '.json',
  );
  const r = await runScript(server, 'kms_key_pair_encryption.py', [fixtures]);
  assert.ok(r.report, `no report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const report = r.report;
  assert.deepEqual(report.failed, [], r.stderr);
  assert.deepEqual(report.passed, [
    'data_key_pairs_every_spec',
    'data_key_pair_without_plaintext',
    'data_key_pair_errors',
    'rsa_encrypt_decrypt',
    're_encrypt_both_ways',
    'derive_shared_secret',
  ]);
  assert.equal(r.status, 0);
});

test('the AWS CLI: generate-data-key-pair, derive-shared-secret, RSA encrypt and decrypt', async () => {
  const peerPem = file(await openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'), '.pem');
  const peerDer = await openssl('pkey', '-in', peerPem, '-pubout', '-outform', 'DER');
  const rsa = keys.rsa2048.id;
  const secret = file(Buffer.from('from the AWS CLI'));
  const [pair, derived, sealed] = await Promise.all([
    cli('generate-data-key-pair', '--key-id', keys.symmetric.id, '--key-pair-spec', 'ECC_NIST_P256', '--encryption-context', 'purpose=cli'),
    cli('derive-shared-secret', '--key-id', keys.p256.id, '--key-agreement-algorithm', 'ECDH', '--public-key', `fileb://${file(peerDer)}`),
    cli('encrypt', '--key-id', rsa, '--encryption-algorithm', 'RSAES_OAEP_SHA_256', '--plaintext', `fileb://${secret}`),
  ]);
  assert.equal(pair.KeyPairSpec, 'ECC_NIST_P256');
  assert.equal(createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext, 'base64'), format: 'der', type: 'pkcs8' }).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const theirs = await openssl('pkeyutl', '-derive', '-inkey', peerPem, '-peerkey', pem(keys.p256.publicKey!));
  assert.deepEqual(Buffer.from(derived.SharedSecret, 'base64'), theirs);
  assert.equal(sealed.EncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
  const opened = await cli('decrypt', '--key-id', rsa, '--encryption-algorithm', 'RSAES_OAEP_SHA_256', '--ciphertext-blob', `fileb://${file(Buffer.from(sealed.CiphertextBlob, 'base64'))}`);
  assert.deepEqual(Buffer.from(opened.Plaintext, 'base64'), Buffer.from('from the AWS CLI'));
});

async function cli(...args: string[]): Promise<any> {
  const r = await awsAsync(server.url, ['kms', ...args]);
  assert.equal(r.status, 0, `aws kms ${args.join(' ')}:\n${r.stderr}`);
  return r.json;
}

test('the audit trail records the new calls with their parameters, never a plaintext, private key, shared secret or public key', async () => {
  // Calls of this test's own, so that each event below is known to be the one looked for.
  const symmetric = keys.symmetric.id;
  const rsa = keys.rsa2048.id;
  const sealed = await wireOk('Encrypt', { KeyId: rsa, Plaintext: b64(Buffer.from('audited')), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
  await wireOk('Decrypt', { KeyId: rsa, CiphertextBlob: sealed.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
  await wireOk('ReEncrypt', {
    CiphertextBlob: sealed.CiphertextBlob,
    SourceKeyId: rsa,
    SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
    DestinationKeyId: symmetric,
    DestinationEncryptionContext: { audit: 'reencrypt' },
  });
  await wireOk('GenerateDataKeyPair', { KeyId: symmetric, KeyPairSpec: 'ECC_NIST_P384', EncryptionContext: { audit: 'pair' } });
  await wireOk('GenerateDataKeyPairWithoutPlaintext', { KeyId: symmetric, KeyPairSpec: 'ECC_NIST_P521', EncryptionContext: { audit: 'pair' } });
  await wireOk('DeriveSharedSecret', { KeyId: keys.p384.id, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(keys.p384.publicKey!) });

  const expected: Record<string, unknown> = {
    Encrypt: { keyId: rsa, encryptionAlgorithm: 'RSAES_OAEP_SHA_1' },
    Decrypt: { keyId: rsa, encryptionAlgorithm: 'RSAES_OAEP_SHA_1' },
    ReEncrypt: { sourceKeyId: rsa, destinationKeyId: symmetric, destinationEncryptionContext: { audit: 'reencrypt' }, sourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1' },
    GenerateDataKeyPair: { encryptionContext: { audit: 'pair' }, keyId: symmetric, keyPairSpec: 'ECC_NIST_P384' },
    GenerateDataKeyPairWithoutPlaintext: { encryptionContext: { audit: 'pair' }, keyId: symmetric, keyPairSpec: 'ECC_NIST_P521' },
    DeriveSharedSecret: { keyId: keys.p384.id, keyAgreementAlgorithm: 'ECDH' },
  };
  for (const [eventName, parameters] of Object.entries(expected)) {
    const reply = await signedCall(
      server.port,
      `${CLOUDTRAIL}.LookupEvents`,
      'cloudtrail',
      Buffer.from(JSON.stringify({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }], MaxResults: 50 })),
    );
    assert.equal(reply.status, 200, reply.text);
    const records = (reply.json as { Events: { CloudTrailEvent: string }[] }).Events.map((e) => JSON.parse(e.CloudTrailEvent) as Record<string, any>);
    const record = records.find((r) => JSON.stringify(r.requestParameters) === JSON.stringify(parameters));
    assert.ok(record, `no ${eventName} event with ${JSON.stringify(parameters)} among:\n${records.map((r) => JSON.stringify(r.requestParameters)).join('\n')}`);
    assert.equal(record.readOnly, true);
    assert.equal(record.responseElements, null);
    assert.equal(record.eventSource, 'kms.amazonaws.com');
    for (const r of records) {
      const text = JSON.stringify([r.requestParameters, r.responseElements, r.additionalEventData]);
      assert.doesNotMatch(text, /plaintext|privateKey|sharedSecret|publicKey|ciphertextBlob/i, `${eventName} record carries a secret or a key: ${text}`);
    }
  }
});
