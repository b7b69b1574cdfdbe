import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { secureRandom } from '../core/random.js';
import { generateKeyPair, privateKeyFromPkcs8 } from './asymmetric-material.js';
import { checkNoEncryptionContext, checkPlaintextLength, decryptWithPrivateKey, encryptWithPublicKey, plaintextLimit } from './asymmetric-encryption.js';
import type { Caller, KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { encodeHeader } from './ciphertext.js';
import { currentMaterial } from './key.js';
import { KeyService, type KeyView } from './keys.js';

const RSA_2048 = { kind: 'rsa', modulusBits: 2048 } as const;
const CHINA: Caller = { ...CALLER, region: 'cn-north-1', principalArn: 'arn:aws-cn:iam::111122223333:root' };

describe('asymmetric encryption: the schemes', () => {
  it("has AWS's plaintext limits for every RSA size and algorithm, and SM2PKE's", () => {
    const table = {
      RSA_2048: [214, 190],
      RSA_3072: [342, 318],
      RSA_4096: [470, 446],
    } as const;
    for (const [spec, [sha1, sha256]] of Object.entries(table)) {
      assert.equal(plaintextLimit(spec as keyof typeof table, 'RSAES_OAEP_SHA_1'), sha1, spec);
      assert.equal(plaintextLimit(spec as keyof typeof table, 'RSAES_OAEP_SHA_256'), sha256, spec);
    }
    assert.equal(plaintextLimit('SM2', 'SM2PKE'), 1024);
  });

  it('encrypts up to the limit, which is where RSAES-OAEP itself stops, and refuses one byte more with AWS\'s message', async () => {
    const pair = await generateKeyPair(RSA_2048, secureRandom);
    const priv = privateKeyFromPkcs8(RSA_2048, pair.privateKey);
    for (const [algorithm, hash] of [['RSAES_OAEP_SHA_1', 'sha1'], ['RSAES_OAEP_SHA_256', 'sha256']] as const) {
      const limit = plaintextLimit('RSA_2048', algorithm);
      const longest = secureRandom.bytes(limit);
      checkPlaintextLength('RSA_2048', algorithm, longest);
      const ciphertext = encryptWithPublicKey(RSA_2048, pair.publicKey, algorithm, longest, secureRandom);
      assert.equal(ciphertext.length, 256, 'the raw RSA output, nothing added');
      assert.deepEqual(decryptWithPrivateKey(priv, algorithm, ciphertext), longest);
      const tooLong = secureRandom.bytes(limit + 1);
      const publicKey = createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' });
      assert.throws(() => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, tooLong));
      assert.throws(
        () => checkPlaintextLength('RSA_2048', algorithm, tooLong),
        (e: Error & { type?: string }) => e.type === 'ValidationException' && e.message === `Algorithm ${algorithm} and key spec RSA_2048 cannot encrypt data larger than ${limit} bytes.`,
      );
      // The other OAEP digest cannot open it.
      const other = algorithm === 'RSAES_OAEP_SHA_1' ? 'RSAES_OAEP_SHA_256' : 'RSAES_OAEP_SHA_1';
      assert.equal(decryptWithPrivateKey(priv, other, ciphertext), undefined);
      const altered = Buffer.from(ciphertext);
      altered[100]! ^= 1;
      assert.equal(decryptWithPrivateKey(priv, algorithm, altered), undefined);
    }
  });

  it('takes no encryption context, but an empty one is no context', () => {
    checkNoEncryptionContext('EncryptionContext', undefined);
    checkNoEncryptionContext('EncryptionContext', {});
    assert.throws(() => checkNoEncryptionContext('DestinationEncryptionContext', { a: 'b' }), (e: Error & { type?: string }) => {
      return e.type === 'ValidationException' && e.message.startsWith('DestinationEncryptionContext is not supported with asymmetric KMS keys');
    });
  });
});

describe('asymmetric encryption: Encrypt, Decrypt and ReEncrypt with RSA and SM2 keys', () => {
  let deps: KmsDeps;
  let keys: KeyService;
  let crypto: CryptoService;
  let rsa: KeyView;
  let otherRsa: KeyView;
  let sm2: KeyView;
  let symmetric: KeyView;

  before(async () => {
    deps = kmsDeps(() => Date.UTC(2026, 0, 1));
    keys = new KeyService(deps);
    crypto = new CryptoService(deps, keys);
    [rsa, otherRsa, sm2, symmetric] = await Promise.all([
      keys.create(CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' }),
      keys.create(CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' }),
      keys.create(CHINA, { keySpec: 'SM2', keyUsage: 'ENCRYPT_DECRYPT' }),
      keys.create(CALLER, {}),
    ]);
  });
  after(() => deps.store.close());

  const id = (v: KeyView) => v.key.keyId;
  const m = Buffer.from('a secret of forty-two bytes, give or take');

  it('encrypts with the public key and decrypts with the KeyId and algorithm, naming the algorithm and no key material', async () => {
    for (const algorithm of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const) {
      const sealed = await crypto.encrypt(CALLER, id(rsa), m, undefined, { algorithm });
      assert.equal(sealed.algorithm, algorithm);
      assert.equal(sealed.materialId, undefined);
      assert.equal(sealed.ciphertext.length, 256);
      const opened = await crypto.decrypt(CALLER, sealed.ciphertext, undefined, rsa.arn, { algorithm });
      assert.deepEqual(opened.plaintext, m);
      assert.equal(opened.algorithm, algorithm);
      assert.equal(opened.materialId, undefined);
    }
    const sealed = await crypto.encrypt(CHINA, id(sm2), m, undefined, { algorithm: 'SM2PKE' });
    assert.deepEqual((await crypto.decrypt(CHINA, sealed.ciphertext, undefined, id(sm2), { algorithm: 'SM2PKE' })).plaintext, m);
  });

  it("answers AWS's errors for a missing or foreign algorithm, a context, too much plaintext and a DryRun", async () => {
    await rejectsWith(crypto.encrypt(CALLER, id(rsa), m), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    await rejectsWith(crypto.encrypt(CALLER, id(rsa), m, undefined, { algorithm: 'SM2PKE' }), 'InvalidKeyUsageException', 'Algorithm SM2PKE is incompatible with key spec RSA_2048.');
    await rejectsWith(
      crypto.encrypt(CALLER, id(symmetric), m, undefined, { algorithm: 'RSAES_OAEP_SHA_256' }),
      'InvalidKeyUsageException',
      'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.',
    );
    await rejectsWith(crypto.encrypt(CALLER, id(rsa), m, { purpose: 'x' }, { algorithm: 'RSAES_OAEP_SHA_256' }), 'ValidationException', /^EncryptionContext is not supported/);
    await rejectsWith(
      crypto.encrypt(CALLER, id(rsa), Buffer.alloc(191), undefined, { algorithm: 'RSAES_OAEP_SHA_256' }),
      'ValidationException',
      'Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.',
    );
    await rejectsWith(
      crypto.encrypt(CHINA, id(sm2), Buffer.alloc(1025), undefined, { algorithm: 'SM2PKE' }),
      'ValidationException',
      'Algorithm SM2PKE and key spec SM2 cannot encrypt data larger than 1024 bytes.',
    );
    await rejectsWith(crypto.encrypt(CALLER, id(rsa), m, undefined, { algorithm: 'RSAES_OAEP_SHA_1', dryRun: true }), 'DryRunOperationException');
  });

  it('decrypts only with the right key and algorithm: without them a raw ciphertext is InvalidCiphertextException, with wrong ones IncorrectKeyException', async () => {
    const { ciphertext } = await crypto.encrypt(CALLER, id(rsa), m, undefined, { algorithm: 'RSAES_OAEP_SHA_256' });
    await rejectsWith(crypto.decrypt(CALLER, ciphertext), 'InvalidCiphertextException');
    await rejectsWith(crypto.decrypt(CALLER, ciphertext, undefined, id(rsa)), 'InvalidCiphertextException');
    await rejectsWith(crypto.decrypt(CALLER, ciphertext, undefined, undefined, { algorithm: 'RSAES_OAEP_SHA_256' }), 'InvalidCiphertextException');
    const incorrect = 'The key ID in the request does not identify a CMK that can perform this operation.';
    await rejectsWith(crypto.decrypt(CALLER, ciphertext, undefined, id(rsa), { algorithm: 'RSAES_OAEP_SHA_1' }), 'IncorrectKeyException', incorrect);
    await rejectsWith(crypto.decrypt(CALLER, ciphertext, undefined, id(otherRsa), { algorithm: 'RSAES_OAEP_SHA_256' }), 'IncorrectKeyException', incorrect);
    await rejectsWith(crypto.decrypt(CALLER, ciphertext, { a: 'b' }, id(rsa), { algorithm: 'RSAES_OAEP_SHA_256' }), 'ValidationException', /^EncryptionContext is not supported/);
    await rejectsWith(
      crypto.decrypt(CALLER, ciphertext, undefined, id(symmetric), { algorithm: 'RSAES_OAEP_SHA_256' }),
      'InvalidKeyUsageException',
      'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.',
    );
    await rejectsWith(crypto.decrypt(CALLER, ciphertext, undefined, id(rsa), { algorithm: 'RSAES_OAEP_SHA_256', dryRun: true }), 'DryRunOperationException');
  });

  it("never takes a Keywarden blob whose header names a key pair as that key's ciphertext", async () => {
    // A forged header naming the RSA key, then any body: the symmetric path must not unwrap a private key as AES material.
    const forged = Buffer.concat([encodeHeader({ keyId: id(rsa), materialVersion: 1, iv: Buffer.alloc(12) }), Buffer.alloc(64)]);
    await rejectsWith(crypto.decrypt(CALLER, forged, undefined, undefined, { algorithm: 'RSAES_OAEP_SHA_256' }), 'InvalidCiphertextException');
    // ...and the key still decrypts its own ciphertexts afterwards.
    const { ciphertext } = await crypto.encrypt(CALLER, id(rsa), m, undefined, { algorithm: 'RSAES_OAEP_SHA_256' });
    assert.deepEqual((await crypto.decrypt(CALLER, ciphertext, undefined, id(rsa), { algorithm: 'RSAES_OAEP_SHA_256' })).plaintext, m);
    assert.equal(currentMaterial(rsa.key).version, 1);
  });

  it('re-encrypts between symmetric and RSA keys in both directions', async () => {
    const symmetricBlob = (await crypto.encrypt(CALLER, id(symmetric), m, { purpose: 'test' })).ciphertext;
    const toRsa = await crypto.reEncrypt(CALLER, symmetricBlob, { context: { purpose: 'test' } }, { keyId: id(rsa), algorithm: 'RSAES_OAEP_SHA_1' });
    assert.equal(toRsa.opened.algorithm, 'SYMMETRIC_DEFAULT');
    assert.ok(toRsa.opened.materialId);
    assert.equal(toRsa.sealed.algorithm, 'RSAES_OAEP_SHA_1');
    assert.equal(toRsa.sealed.materialId, undefined);
    assert.deepEqual((await crypto.decrypt(CALLER, toRsa.sealed.ciphertext, undefined, id(rsa), { algorithm: 'RSAES_OAEP_SHA_1' })).plaintext, m);

    const back = await crypto.reEncrypt(CALLER, toRsa.sealed.ciphertext, { keyId: rsa.arn, algorithm: 'RSAES_OAEP_SHA_1' }, { keyId: id(symmetric), context: { k: 'v' } });
    assert.equal(back.opened.algorithm, 'RSAES_OAEP_SHA_1');
    assert.equal(back.sealed.algorithm, 'SYMMETRIC_DEFAULT');
    assert.deepEqual((await crypto.decrypt(CALLER, back.sealed.ciphertext, { k: 'v' })).plaintext, m);

    const rsaToRsa = await crypto.reEncrypt(CALLER, toRsa.sealed.ciphertext, { keyId: id(rsa), algorithm: 'RSAES_OAEP_SHA_1' }, { keyId: id(otherRsa), algorithm: 'RSAES_OAEP_SHA_256' });
    assert.deepEqual((await crypto.decrypt(CALLER, rsaToRsa.sealed.ciphertext, undefined, id(otherRsa), { algorithm: 'RSAES_OAEP_SHA_256' })).plaintext, m);

    await rejectsWith(
      crypto.reEncrypt(CALLER, symmetricBlob, { context: { purpose: 'test' } }, { keyId: id(rsa), algorithm: 'RSAES_OAEP_SHA_256', context: { a: 'b' } }),
      'ValidationException',
      /^DestinationEncryptionContext is not supported/,
    );
    await rejectsWith(crypto.reEncrypt(CALLER, symmetricBlob, { context: { purpose: 'test' } }, { keyId: id(rsa) }), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    // A plaintext the destination cannot take: 4096 symmetric bytes into RSA_2048.
    const big = (await crypto.encrypt(CALLER, id(symmetric), Buffer.alloc(300, 7))).ciphertext;
    await rejectsWith(
      crypto.reEncrypt(CALLER, big, {}, { keyId: id(rsa), algorithm: 'RSAES_OAEP_SHA_1' }),
      'ValidationException',
      'Algorithm RSAES_OAEP_SHA_1 and key spec RSA_2048 cannot encrypt data larger than 214 bytes.',
    );
  });
});
