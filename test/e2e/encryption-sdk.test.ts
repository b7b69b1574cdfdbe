// Black-box tests of Keywarden through the AWS Encryption SDK for JavaScript (@aws-crypto/client-node),
// whose KMS keyring calls GenerateDataKey, Encrypt and Decrypt through an unmodified SDK v3 client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildClient, CommitmentPolicy, KmsKeyringNode } from '@aws-crypto/client-node';
import { CreateKeyCommand, KMS, type KMSClientConfig } from '@aws-sdk/client-kms';
import { startServer, type TestServer } from '../support/server.js';

const REGION = 'us-east-1';
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

let server: TestServer;
let config: KMSClientConfig;
const clients: KMS[] = [];
/** Every region the keyrings asked a client for. */
const regionsAsked: string[] = [];
let keyA: string;
let keyB: string;
let keyC: string;

function client(): KMS {
  const c = new KMS(config);
  clients.push(c);
  return c;
}

/** What the keyrings use to reach KMS: a real SDK client pointed at the test server. */
const clientProvider = (region: string) => {
  regionsAsked.push(region);
  return client();
};

before(async () => {
  server = await startServer();
  config = {
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  const kms = client();
  const create = async (d: string) => (await kms.send(new CreateKeyCommand({ Description: d }))).KeyMetadata!.Arn!;
  keyA = await create('esdk generator');
  keyB = await create('esdk second');
  keyC = await create('esdk unrelated');
});

after(async () => {
  for (const c of clients) c.destroy();
  await server?.dispose();
});

const context = { purpose: 'e2e', tenant: 'acme', 'unicode-ключ': 'значение ✓' };

function assertContextKept(actual: Record<string, string>): void {
  for (const [k, v] of Object.entries(context)) assert.equal(actual[k], v, `encryption context ${k}`);
}

/** A copy of `buf` with one byte changed. */
function flipped(buf: Buffer, at: number): Buffer {
  const out = Buffer.from(buf);
  out[at] = out[at]! ^ 0x01;
  return out;
}

describe('AWS Encryption SDK with a KMS keyring', () => {
  test('encrypt with a context, decrypt, and get the plaintext and context back', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: keyA, clientProvider });
    const plaintext = Buffer.from('the quick brown fox '.repeat(200));
    const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: context });

    assert.ok(regionsAsked.includes(REGION), 'the keyring asked for a client in the key ARN region');
    assert.equal(messageHeader.encryptedDataKeys.length, 1);
    const edk = messageHeader.encryptedDataKeys[0]!;
    assert.equal(edk.providerId, 'aws-kms');
    assert.equal(edk.providerInfo, keyA, 'the data key is recorded under the key ARN GenerateDataKey returned');
    assert.ok(!result.includes(plaintext.subarray(0, 40)), 'the plaintext is not visible in the message');

    const out = await decrypt(keyring, result);
    assert.deepEqual(out.plaintext, plaintext);
    assertContextKept(out.messageHeader.encryptionContext);
    assert.ok('aws-crypto-public-key' in out.messageHeader.encryptionContext, 'the signing suite adds its public key');

    // A keyring that names the key only as a (non-generator) key id also decrypts.
    const reader = new KmsKeyringNode({ keyIds: [keyA], clientProvider });
    assert.deepEqual((await decrypt(reader, result)).plaintext, plaintext);
  });

  test('an empty and a one-byte message round-trip', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: keyA, clientProvider });
    for (const plaintext of [Buffer.alloc(0), Buffer.from([0x42])]) {
      const { result } = await encrypt(keyring, plaintext, { encryptionContext: context });
      const out = await decrypt(keyring, result);
      assert.deepEqual(out.plaintext, plaintext);
    }
  });

  test('two keys (generator + keyIds): either key alone decrypts', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: keyA, keyIds: [keyB], clientProvider });
    const plaintext = Buffer.from('shared between two keys');
    const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: context });
    assert.deepEqual(
      messageHeader.encryptedDataKeys.map((k) => k.providerInfo),
      [keyA, keyB],
      'one data key from GenerateDataKey (A) and one from Encrypt (B)',
    );

    const onlyB = new KmsKeyringNode({ keyIds: [keyB], clientProvider });
    const viaB = await decrypt(onlyB, result);
    assert.deepEqual(viaB.plaintext, plaintext);
    assertContextKept(viaB.messageHeader.encryptionContext);

    const onlyA = new KmsKeyringNode({ generatorKeyId: keyA, clientProvider });
    assert.deepEqual((await decrypt(onlyA, result)).plaintext, plaintext);

    const discovery = new KmsKeyringNode({ discovery: true, clientProvider });
    assert.deepEqual((await decrypt(discovery, result)).plaintext, plaintext);
  });

  test('a keyring with an unrelated key cannot decrypt', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: keyA, clientProvider });
    const { result } = await encrypt(keyring, Buffer.from('not for C'), { encryptionContext: context });
    const onlyC = new KmsKeyringNode({ keyIds: [keyC], clientProvider });
    await assert.rejects(decrypt(onlyC, result));
  });

  test('a tampered message body fails to decrypt', async () => {
    const keyring = new KmsKeyringNode({ generatorKeyId: keyA, clientProvider });
    const plaintext = Buffer.from('do not tamper with me '.repeat(10));
    const { result } = await encrypt(keyring, plaintext, { encryptionContext: context });
    // The last bytes are the signature, before them the body and its tag; the middle is the body.
    for (const at of [Math.floor(result.length * 0.6), result.length - 1, result.length - 120]) {
      await assert.rejects(decrypt(keyring, flipped(result, at)), `byte ${at} of ${result.length} flipped`);
    }
  });

  test('a tampered encrypted data key is refused by KMS Decrypt with InvalidCiphertextException', async () => {
    const seen: Error[] = [];
    // A real SDK client, observed: the keyring's KMS calls go through it unchanged.
    const observed = (region: string) => {
      const kms = clientProvider(region);
      return {
        encrypt: (a: Parameters<KMS['encrypt']>[0]) => kms.encrypt(a),
        generateDataKey: (a: Parameters<KMS['generateDataKey']>[0]) => kms.generateDataKey(a),
        decrypt: async (a: Parameters<KMS['decrypt']>[0]) => {
          try {
            return await kms.decrypt(a);
          } catch (e) {
            seen.push(e as Error);
            throw e;
          }
        },
      };
    };
    const keyring = new KmsKeyringNode({ generatorKeyId: keyA, clientProvider: observed });
    const { result, messageHeader } = await encrypt(keyring, Buffer.from('edk tamper'), { encryptionContext: context });
    const edk = Buffer.from(messageHeader.encryptedDataKeys[0]!.encryptedDataKey);
    const where = result.indexOf(edk);
    assert.ok(where > 0, 'the encrypted data key is in the message header');

    await assert.rejects(decrypt(keyring, flipped(result, where + Math.floor(edk.length / 2))));
    assert.equal(seen.length, 1, 'KMS Decrypt was called once and failed');
    assert.equal(seen[0]!.name, 'InvalidCiphertextException');
  });
});
