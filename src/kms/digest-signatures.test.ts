import assert from 'node:assert/strict';
import { constants, createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { signEcdsaDigest, signPkcs1Digest, signPssDigest, verifyEcdsaDigest, verifyPkcs1Digest, verifyPssDigest, type DigestHash } from './digest-signatures.js';

// Each digest signature must be the signature OpenSSL (through Node) makes and checks for the
// message whose digest it is, in both directions.

const message = Buffer.from('the message whose digest the caller sends');
const digestOf = (hash: DigestHash) => createHash(hash).update(message).digest();
const HASHES: DigestHash[] = ['sha256', 'sha384', 'sha512'];

for (const bits of [2048, 3072]) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });

  test(`RSASSA-PKCS1-v1_5 over a digest equals OpenSSL's signature of the message (RSA ${bits})`, () => {
    for (const hash of HASHES) {
      const ours = signPkcs1Digest(privateKey, hash, digestOf(hash));
      // PKCS #1 v1.5 is deterministic: the very same bytes.
      assert.deepEqual(ours, sign(hash, message, privateKey));
      assert.ok(verify(hash, message, publicKey, ours));
      assert.ok(verifyPkcs1Digest(publicKey, hash, digestOf(hash), ours));
      assert.ok(!verifyPkcs1Digest(publicKey, hash, digestOf(hash).reverse(), ours));
      assert.ok(!verifyPkcs1Digest(publicKey, hash, digestOf(hash), ours.subarray(1)));
    }
    // A signature that starts with a zero byte (about one in 256) is the same number without it:
    // still refused, for its length.
    for (let i = 0; i < 5_000; i++) {
      const digest = createHash('sha256').update(`message ${i}`).digest();
      const signature = signPkcs1Digest(privateKey, 'sha256', digest);
      if (signature[0] !== 0) continue;
      assert.ok(verifyPkcs1Digest(publicKey, 'sha256', digest, signature));
      assert.ok(!verifyPkcs1Digest(publicKey, 'sha256', digest, signature.subarray(1)), 'the signature without its leading zero byte');
      return;
    }
    assert.fail('no signature among 5,000 started with a zero byte');
  });

  test(`RSASSA-PSS over a digest verifies as OpenSSL's PSS with a digest-long salt, and back (RSA ${bits})`, () => {
    const pss = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
    for (const hash of HASHES) {
      const ours = signPssDigest(privateKey, hash, digestOf(hash), secureRandom);
      assert.equal(ours.length, bits / 8);
      assert.ok(verify(hash, message, { key: publicKey, ...pss }, ours), hash);
      const theirs = sign(hash, message, { key: privateKey, ...pss });
      assert.ok(verifyPssDigest(publicKey, hash, digestOf(hash), theirs), hash);
      assert.ok(verifyPssDigest(publicKey, hash, digestOf(hash), ours), hash);
      const flipped = Buffer.from(ours);
      flipped[10]! ^= 1;
      assert.ok(!verifyPssDigest(publicKey, hash, digestOf(hash), flipped));
      assert.ok(!verifyPssDigest(publicKey, hash, digestOf(hash).reverse(), ours));
      // A PSS signature with another salt length is not AWS's and is refused.
      const shortSalt = sign(hash, message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
      assert.ok(!verifyPssDigest(publicKey, hash, digestOf(hash), shortSalt));
    }
  });
}

test('ECDSA over a digest verifies with OpenSSL for the message, and OpenSSL signatures verify over the digest', () => {
  for (const [curve, hash] of [
    ['prime256v1', 'sha256'],
    ['secp384r1', 'sha384'],
    ['secp521r1', 'sha512'],
    ['secp256k1', 'sha256'],
  ] as const) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    const ours = signEcdsaDigest(privateKey, digestOf(hash));
    assert.ok(verify(hash, message, publicKey, ours), curve);
    for (let i = 0; i < 4; i++) assert.ok(verifyEcdsaDigest(publicKey, digestOf(hash), sign(hash, message, privateKey)), curve);
    assert.ok(!verifyEcdsaDigest(publicKey, digestOf(hash).reverse(), ours));
    assert.ok(!verifyEcdsaDigest(publicKey, digestOf(hash), Buffer.from('3006020101020101', 'hex')));
    assert.ok(!verifyEcdsaDigest(publicKey, digestOf(hash), Buffer.from('not DER')));
  }
});
