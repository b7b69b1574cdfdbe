import assert from 'node:assert/strict';
import { test } from 'node:test';
import kmsModel from '../protocol/models/kms.json' with { type: 'json' };
import type { KeyUsage } from './key.js';
import { checkNewKey, KEY_SPECS, MAC_ALGORITHMS, oaepPlaintextLimit, SIGNING_ALGORITHMS, type KeySpec } from './key-specs.js';

const model = kmsModel as { shapes: Record<string, { enum?: string[] }> };
const enumOf = (shape: string) => model.shapes[shape]!.enum!;
const USAGES = enumOf('KeyUsageType') as KeyUsage[];

/** What Keywarden says for one combination: the usage it gets, or the error's type and message. */
function outcome(spec: KeySpec, usage: KeyUsage | undefined, region = 'us-east-1'): string {
  try {
    return checkNewKey(spec, usage, region);
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

test('the catalogue has every KeySpec, signing, MAC and encryption algorithm of the service model, and no other', () => {
  assert.deepEqual(Object.keys(KEY_SPECS).sort(), [...enumOf('KeySpec')].sort());
  assert.deepEqual(Object.keys(SIGNING_ALGORITHMS).sort(), [...enumOf('SigningAlgorithmSpec')].sort());
  assert.deepEqual(Object.keys(MAC_ALGORITHMS).sort(), [...enumOf('MacAlgorithmSpec')].sort());
  const listed = (pick: (u: NonNullable<(typeof KEY_SPECS)[KeySpec]['usages'][KeyUsage]>) => readonly string[] | undefined) =>
    [...new Set(Object.values(KEY_SPECS).flatMap((e) => Object.values(e.usages).flatMap((u) => pick(u!) ?? [])))].sort();
  assert.deepEqual(listed((u) => u.encryption), [...enumOf('EncryptionAlgorithmSpec')].sort());
  assert.deepEqual(listed((u) => u.signing), [...enumOf('SigningAlgorithmSpec')].sort());
  assert.deepEqual(listed((u) => u.mac), [...enumOf('MacAlgorithmSpec')].sort());
  assert.deepEqual(listed((u) => u.keyAgreement), [...enumOf('KeyAgreementAlgorithmSpec')].sort());
  for (const [spec, entry] of Object.entries(KEY_SPECS)) {
    assert.equal(entry.spec, spec);
    // CustomerMasterKeySpec is repeated exactly for the specs its (deprecated) enum still has.
    assert.equal(entry.inCustomerMasterKeySpec, enumOf('CustomerMasterKeySpec').includes(spec), spec);
    for (const algorithms of Object.values(entry.usages)) assert.equal(Object.keys(algorithms!).length, 1, `${spec}: one algorithm list per usage`);
  }
});

test("each key spec accepts exactly AWS's key usages", () => {
  const valid: Record<KeySpec, KeyUsage[]> = {
    SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
    RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
    ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    ECC_SECG_P256K1: ['SIGN_VERIFY'],
    ECC_NIST_EDWARDS25519: ['SIGN_VERIFY'],
    ML_DSA_44: ['SIGN_VERIFY'],
    ML_DSA_65: ['SIGN_VERIFY'],
    ML_DSA_87: ['SIGN_VERIFY'],
    HMAC_224: ['GENERATE_VERIFY_MAC'],
    HMAC_256: ['GENERATE_VERIFY_MAC'],
    HMAC_384: ['GENERATE_VERIFY_MAC'],
    HMAC_512: ['GENERATE_VERIFY_MAC'],
    SM2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'],
  };
  for (const spec of Object.keys(KEY_SPECS) as KeySpec[]) {
    for (const usage of USAGES) {
      const expected = valid[spec].includes(usage) ? usage : `ValidationException: KeyUsage ${usage} is not compatible with KeySpec ${spec}`;
      assert.equal(outcome(spec, usage, 'cn-north-1'), expected, `${spec} ${usage}`);
    }
  }
});

test('only a symmetric encryption key may leave KeyUsage out', () => {
  assert.equal(outcome('SYMMETRIC_DEFAULT', undefined), 'ENCRYPT_DECRYPT');
  for (const spec of ['RSA_2048', 'HMAC_256', 'ECC_NIST_P256', 'ML_DSA_65'] as const) {
    assert.equal(outcome(spec, undefined), 'ValidationException: You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
});

test('SM2 keys exist only in the China Regions', () => {
  for (const region of ['cn-north-1', 'cn-northwest-1']) assert.equal(outcome('SM2', 'SIGN_VERIFY', region), 'SIGN_VERIFY');
  for (const region of ['us-east-1', 'eu-west-1']) {
    assert.equal(outcome('SM2', 'SIGN_VERIFY', region), 'UnsupportedOperationException: KeySpec SM2 is not supported in this Region');
  }
  // An impossible combination is refused as such first, wherever it is asked for.
  assert.match(outcome('SM2', 'GENERATE_VERIFY_MAC', 'us-east-1'), /^ValidationException: KeyUsage GENERATE_VERIFY_MAC/);
});

test("algorithm lists are AWS's, in AWS's order", () => {
  assert.deepEqual(KEY_SPECS.RSA_2048.usages.SIGN_VERIFY!.signing, [
    'RSASSA_PKCS1_V1_5_SHA_256',
    'RSASSA_PKCS1_V1_5_SHA_384',
    'RSASSA_PKCS1_V1_5_SHA_512',
    'RSASSA_PSS_SHA_256',
    'RSASSA_PSS_SHA_384',
    'RSASSA_PSS_SHA_512',
  ]);
  assert.deepEqual(KEY_SPECS.RSA_4096.usages.ENCRYPT_DECRYPT!.encryption, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
  assert.deepEqual(KEY_SPECS.ECC_NIST_P256.usages.SIGN_VERIFY!.signing, ['ECDSA_SHA_256']);
  assert.deepEqual(KEY_SPECS.ECC_NIST_P384.usages.SIGN_VERIFY!.signing, ['ECDSA_SHA_384']);
  assert.deepEqual(KEY_SPECS.ECC_NIST_P521.usages.SIGN_VERIFY!.signing, ['ECDSA_SHA_512']);
  assert.deepEqual(KEY_SPECS.ECC_SECG_P256K1.usages.SIGN_VERIFY!.signing, ['ECDSA_SHA_256']);
  assert.deepEqual(KEY_SPECS.ECC_NIST_P521.usages.KEY_AGREEMENT!.keyAgreement, ['ECDH']);
  assert.deepEqual(KEY_SPECS.ECC_NIST_EDWARDS25519.usages.SIGN_VERIFY!.signing, ['ED25519_SHA_512', 'ED25519_PH_SHA_512']);
  assert.deepEqual(KEY_SPECS.ML_DSA_87.usages.SIGN_VERIFY!.signing, ['ML_DSA_SHAKE_256']);
  assert.deepEqual(KEY_SPECS.HMAC_384.usages.GENERATE_VERIFY_MAC!.mac, ['HMAC_SHA_384']);
  assert.deepEqual(KEY_SPECS.SYMMETRIC_DEFAULT.usages.ENCRYPT_DECRYPT!.encryption, ['SYMMETRIC_DEFAULT']);
});

test("HMAC key material is as long as AWS's (the digest length)", () => {
  assert.deepEqual(
    (['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'] as const).map((s) => KEY_SPECS[s].material),
    [28, 32, 48, 64].map((bytes) => ({ kind: 'hmac', bytes })),
  );
});

test('RSAES-OAEP plaintext limits are the ones AWS documents for Encrypt', () => {
  const limits = [2048, 3072, 4096].map((bits) => [oaepPlaintextLimit(bits, 'RSAES_OAEP_SHA_1'), oaepPlaintextLimit(bits, 'RSAES_OAEP_SHA_256')]);
  assert.deepEqual(limits, [
    [214, 190],
    [342, 318],
    [470, 446],
  ]);
});

test('DIGEST messages must be as long as the digest of the algorithm; Ed25519ph takes only a digest, ML-DSA a 64-byte mu', () => {
  assert.equal(SIGNING_ALGORITHMS.RSASSA_PSS_SHA_384.messageTypes.DIGEST, 48);
  assert.equal(SIGNING_ALGORITHMS.ECDSA_SHA_512.messageTypes.DIGEST, 64);
  assert.equal(SIGNING_ALGORITHMS.SM2DSA.messageTypes.DIGEST, 32);
  assert.deepEqual(Object.keys(SIGNING_ALGORITHMS.ED25519_SHA_512.messageTypes), ['RAW']);
  assert.deepEqual(SIGNING_ALGORITHMS.ED25519_PH_SHA_512.messageTypes, { DIGEST: 64 });
  assert.deepEqual(SIGNING_ALGORITHMS.ML_DSA_SHAKE_256.messageTypes, { RAW: undefined, EXTERNAL_MU: 64 });
});
