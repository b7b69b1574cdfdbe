import assert from 'node:assert/strict';
import { createECDH, createHash, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { test } from 'node:test';
import type { Random } from '../core/random.js';
import { secureRandom } from '../core/random.js';
import { generateKeyPair, mlDsa, privateKeyFromPkcs8, publicKeyFromSpki, type KeyPairRecipe } from './asymmetric-material.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

test('RSA, EC (NIST, secp256k1, SM2) and Ed25519 pairs are PKCS #8 and SPKI DER that belong together', async () => {
  const recipes: [KeyPairRecipe, string, Record<string, unknown>][] = [
    [{ kind: 'rsa', modulusBits: 2048 }, 'rsa', { modulusLength: 2048, publicExponent: 65537n }],
    [{ kind: 'ec', curve: 'prime256v1' }, 'ec', { namedCurve: 'prime256v1' }],
    [{ kind: 'ec', curve: 'secp384r1' }, 'ec', { namedCurve: 'secp384r1' }],
    [{ kind: 'ec', curve: 'secp521r1' }, 'ec', { namedCurve: 'secp521r1' }],
    [{ kind: 'ec', curve: 'secp256k1' }, 'ec', { namedCurve: 'secp256k1' }],
    [{ kind: 'ed25519' }, 'ed25519', {}],
  ];
  for (const [recipe, type, details] of recipes) {
    const pair = await generateKeyPair(recipe, secureRandom);
    const priv = privateKeyFromPkcs8(recipe, pair.privateKey) as KeyObject;
    const pub = publicKeyFromSpki(recipe, pair.publicKey) as KeyObject;
    assert.equal(priv.asymmetricKeyType, type);
    assert.deepEqual(priv.asymmetricKeyDetails, details);
    // The public key on record is the private key's own.
    assert.deepEqual(createPublicKey(priv).export({ type: 'spki', format: 'der' }), pair.publicKey);
    const hash = recipe.kind === 'ed25519' ? null : 'sha256';
    assert.ok(verify(hash, Buffer.from('m'), pub, sign(hash, Buffer.from('m'), priv)));
  }
});

test('SM2 pairs (which Node cannot use as KeyObjects) are read as their scalar and point', async () => {
  const recipe = { kind: 'ec', curve: 'SM2' } as const;
  const pair = await generateKeyPair(recipe, secureRandom);
  // The SPKI names id-ecPublicKey on the SM2 curve (1.2.156.10197.1.301).
  assert.ok(pair.publicKey.includes(Buffer.from('06082a811ccf5501822d', 'hex')));
  const priv = privateKeyFromPkcs8(recipe, pair.privateKey);
  const pub = publicKeyFromSpki(recipe, pair.publicKey);
  assert.ok(!(priv instanceof KeyObject) && priv.kind === 'sm2' && !(pub instanceof KeyObject) && pub.kind === 'sm2');
  assert.equal(priv.scalar.length, 32);
  assert.deepEqual(Buffer.from(priv.point), Buffer.from(pub.point));
  assert.equal(pub.point[0], 4);
  // The point is the scalar's: the same ECDH public key on the SM2 curve.
  const ecdh = createECDH('SM2');
  ecdh.setPrivateKey(priv.scalar);
  assert.deepEqual(ecdh.getPublicKey(), Buffer.from(pub.point));
});

test('ML-DSA keys are encoded as the independent implementation (OpenSSL via Python cryptography) encodes them', async () => {
  // Seed 00 01 .. 1f; digests of the DER that Python's cryptography 48 writes for it.
  const expected = {
    44: ['c823cb6a31172daa8af670a22c0f049af972bf1cb39a4a95971aa8c0c659dff4', '837832708c5236d951581f1fddf2b79991b3424a0486d16da1ddad0fd69701be'],
    65: ['af965903772933b6acc59764f335fcad9b5c61cdab2b368eabf224e7c29e31ac', 'b8b62131bfbe84433efb2273d7f5b87f7a22854a2cfd366fc2aead86d837c52d'],
    87: ['72cc4260a8d3d7622801ea98636123866d00e236d5f77221039c862325e02754', '07e57c4f14dbad1267f621ec3777b4e2e6c4fbc4c22fbb87510ff8e0b3c6a642'],
  } as const;
  const fixedSeed: Random = { ...secureRandom, bytes: (n) => Buffer.from(Array.from({ length: n }, (_, i) => i)) };
  for (const level of [44, 65, 87] as const) {
    const recipe = { kind: 'ml-dsa', level } as const;
    const pair = await generateKeyPair(recipe, fixedSeed);
    assert.deepEqual([sha256(pair.privateKey), sha256(pair.publicKey)], expected[level], `ML-DSA-${level}`);
    const priv = privateKeyFromPkcs8(recipe, pair.privateKey);
    const pub = publicKeyFromSpki(recipe, pair.publicKey);
    assert.ok(!(priv instanceof KeyObject) && priv.kind === 'ml-dsa' && !(pub instanceof KeyObject) && pub.kind === 'ml-dsa');
    const msg = Buffer.from('message');
    assert.ok(mlDsa(level).verify(mlDsa(level).sign(msg, priv.secretKey), msg, pub.publicKey));
  }
});

test('each ML-DSA key is new: the seed comes from the random source', async () => {
  const a = await generateKeyPair({ kind: 'ml-dsa', level: 44 }, secureRandom);
  const b = await generateKeyPair({ kind: 'ml-dsa', level: 44 }, secureRandom);
  assert.notDeepEqual(a.publicKey, b.publicKey);
});
