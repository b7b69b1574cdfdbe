import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import type { Caller, KmsDeps } from './context.js';
import { KEY_SPECS, SIGNING_ALGORITHMS, type KeySpec, type MessageType, type SigningAlgorithm } from './key-specs.js';
import { KeyService, type KeyView } from './keys.js';
import { SigningService } from './signing.js';

const CHINA: Caller = { ...CALLER, region: 'cn-northwest-1' };
const SIGNING_SPECS: KeySpec[] = ['RSA_2048', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'ECC_NIST_EDWARDS25519', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87', 'SM2'];

const message = Buffer.from('a message of the caller');
const callerOf = (spec: KeySpec) => (spec === 'SM2' ? CHINA : CALLER);

/** FIPS 204's mu for an empty context: SHAKE256(SHAKE256(pk, 64) || 0 || 0 || M, 64). */
function mu(spki: Buffer, publicKeyLength: number, m: Buffer): Buffer {
  const tr = createHash('shake256', { outputLength: 64 }).update(spki.subarray(spki.length - publicKeyLength)).digest();
  return createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(m).digest();
}

describe('SigningService', () => {
  let deps: KmsDeps;
  let keys: KeyService;
  let signing: SigningService;
  const made = new Map<KeySpec, KeyView>();

  before(async () => {
    deps = kmsDeps(() => Date.UTC(2026, 0, 1));
    keys = new KeyService(deps);
    signing = new SigningService(deps, keys);
    await Promise.all(SIGNING_SPECS.map(async (spec) => made.set(spec, await keys.create(callerOf(spec), { keySpec: spec, keyUsage: 'SIGN_VERIFY' }))));
  });
  after(() => deps.store.close());

  const sign = (spec: KeySpec, algorithm: SigningAlgorithm, m: Buffer, messageType?: MessageType) =>
    signing.sign(callerOf(spec), { keyId: made.get(spec)!.key.keyId, message: m, messageType, algorithm });
  const verify = (spec: KeySpec, algorithm: SigningAlgorithm, m: Buffer, signature: Buffer, messageType?: MessageType) =>
    signing.verify(callerOf(spec), { keyId: made.get(spec)!.key.keyId, message: m, messageType, algorithm, signature });

  it('signs with every algorithm of every signing key spec and verifies the result; one flipped bit is KMSInvalidSignatureException', async () => {
    for (const spec of SIGNING_SPECS) {
      for (const algorithm of KEY_SPECS[spec].usages.SIGN_VERIFY!.signing!) {
        for (const type of Object.keys(SIGNING_ALGORITHMS[algorithm].messageTypes) as MessageType[]) {
          const m = type === 'RAW' ? message : Buffer.alloc(SIGNING_ALGORITHMS[algorithm].messageTypes[type]!, 7);
          const { signature, view } = await sign(spec, algorithm, m, type);
          assert.equal(view.arn, made.get(spec)!.arn);
          await verify(spec, algorithm, m, signature, type);
          const flipped = Buffer.from(signature);
          flipped[Math.floor(flipped.length / 2)]! ^= 0x10;
          await rejectsWith(verify(spec, algorithm, m, flipped, type), 'KMSInvalidSignatureException', '');
          await rejectsWith(verify(spec, algorithm, Buffer.concat([m.subarray(1), Buffer.from([1])]), signature, type), 'KMSInvalidSignatureException', '');
        }
      }
    }
  });

  it('RAW signatures verify with the public key alone, outside the service', async () => {
    const spki = (spec: KeySpec) => createPublicKey({ key: Buffer.from(made.get(spec)!.key.materials[0]!.publicKey!, 'base64'), format: 'der', type: 'spki' });
    for (const [spec, algorithm, hash] of [
      ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_384', 'sha384'],
      ['ECC_NIST_P384', 'ECDSA_SHA_384', 'sha384'],
      ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'sha256'],
      ['ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', null],
    ] as const) {
      const { signature } = await sign(spec, algorithm, message);
      assert.ok(nodeVerify(hash, message, spki(spec), signature), algorithm);
    }
  });

  it('a signature of a message verifies as the signature of its digest, and the other way round', async () => {
    for (const [spec, algorithm, hash] of [
      ['RSA_2048', 'RSASSA_PSS_SHA_512', 'sha512'],
      ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 'sha256'],
      ['ECC_NIST_P521', 'ECDSA_SHA_512', 'sha512'],
    ] as const) {
      const digest = createHash(hash).update(message).digest();
      await verify(spec, algorithm, digest, (await sign(spec, algorithm, message)).signature, 'DIGEST');
      await verify(spec, algorithm, message, (await sign(spec, algorithm, digest, 'DIGEST')).signature, 'RAW');
    }
  });

  it('an ML-DSA signature of an external mu is a signature of the message it stands for', async () => {
    for (const [spec, length] of [['ML_DSA_44', 1312], ['ML_DSA_65', 1952], ['ML_DSA_87', 2592]] as const) {
      const spki = Buffer.from(made.get(spec)!.key.materials[0]!.publicKey!, 'base64');
      const m = mu(spki, length, message);
      await verify(spec, 'ML_DSA_SHAKE_256', message, (await sign(spec, 'ML_DSA_SHAKE_256', m, 'EXTERNAL_MU')).signature);
      await verify(spec, 'ML_DSA_SHAKE_256', m, (await sign(spec, 'ML_DSA_SHAKE_256', message)).signature, 'EXTERNAL_MU');
    }
  });

  it("refuses what AWS refuses, with AWS's errors", async () => {
    const rsa = made.get('RSA_2048')!;
    const symmetric = await keys.create(CALLER, {});
    await rejectsWith(
      signing.sign(CALLER, { keyId: symmetric.key.keyId, message, algorithm: 'RSASSA_PSS_SHA_256' }),
      'InvalidKeyUsageException',
      `${symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.`,
    );
    await rejectsWith(
      signing.verify(CALLER, { keyId: symmetric.key.keyId, message, algorithm: 'RSASSA_PSS_SHA_256', signature: Buffer.from('x') }),
      'InvalidKeyUsageException',
      `${symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for Verify.`,
    );
    await rejectsWith(sign('RSA_2048', 'ECDSA_SHA_256', message), 'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_256 is incompatible with key spec RSA_2048.');
    await rejectsWith(sign('ECC_NIST_P256', 'ECDSA_SHA_384', message), 'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.');
    await rejectsWith(sign('RSA_2048', 'RSASSA_PSS_SHA_256', message, 'DIGEST'), 'ValidationException', 'Digest is invalid length for algorithm RSASSA_PSS_SHA_256.');
    await rejectsWith(sign('ECC_NIST_P384', 'ECDSA_SHA_384', Buffer.alloc(32), 'DIGEST'), 'ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_384.');
    await rejectsWith(sign('RSA_2048', 'RSASSA_PSS_SHA_256', Buffer.alloc(64), 'EXTERNAL_MU'), 'ValidationException', 'Message type EXTERNAL_MU is incompatible with algorithm RSASSA_PSS_SHA_256.');
    await rejectsWith(sign('ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', Buffer.alloc(64), 'DIGEST'), 'ValidationException', 'Message type DIGEST is incompatible with algorithm ED25519_SHA_512.');
    await rejectsWith(sign('ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', message), 'ValidationException', 'Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.');
    await rejectsWith(sign('ML_DSA_65', 'ML_DSA_SHAKE_256', Buffer.alloc(32), 'DIGEST'), 'ValidationException', 'Message type DIGEST is incompatible with algorithm ML_DSA_SHAKE_256.');
    await rejectsWith(sign('ML_DSA_65', 'ML_DSA_SHAKE_256', Buffer.alloc(63), 'EXTERNAL_MU'), 'ValidationException', 'Digest is invalid length for algorithm ML_DSA_SHAKE_256.');
    await rejectsWith(
      signing.sign(CALLER, { keyId: rsa.key.keyId, message, algorithm: 'RSASSA_PSS_SHA_256', dryRun: true }),
      'DryRunOperationException',
      'The request would have succeeded, but the DryRun option is set.',
    );
    // A dry run checks everything else first.
    await rejectsWith(signing.sign(CALLER, { keyId: rsa.key.keyId, message, algorithm: 'ECDSA_SHA_256', dryRun: true }), 'InvalidKeyUsageException');
    const { signature } = await sign('RSA_2048', 'RSASSA_PSS_SHA_256', message);
    await rejectsWith(verify('RSA_2048', 'RSASSA_PSS_SHA_384', message, signature), 'KMSInvalidSignatureException', '');
    await rejectsWith(
      signing.verify(CALLER, { keyId: rsa.key.keyId, message, algorithm: 'RSASSA_PSS_SHA_256', signature, dryRun: true }),
      'DryRunOperationException',
    );
  });

  it('follows the key-state table and resolves aliases', async () => {
    const key = await keys.create(CALLER, { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' });
    await deps.store.aliases.insert({ ...CALLER, aliasName: 'alias/signer', targetKeyId: key.key.keyId, createdAt: 0, updatedAt: 0 });
    const { signature } = await signing.sign(CALLER, { keyId: 'alias/signer', message, algorithm: 'ECDSA_SHA_256' });
    await keys.disable(CALLER, key.key.keyId);
    await rejectsWith(signing.sign(CALLER, { keyId: key.arn, message, algorithm: 'ECDSA_SHA_256' }), 'DisabledException', `${key.arn} is disabled.`);
    await rejectsWith(signing.verify(CALLER, { keyId: key.arn, message, algorithm: 'ECDSA_SHA_256', signature }), 'DisabledException');
    await rejectsWith(signing.publicKey(CALLER, key.arn), 'DisabledException');
    await keys.scheduleDeletion(CALLER, key.key.keyId, 7);
    await rejectsWith(signing.sign(CALLER, { keyId: key.arn, message, algorithm: 'ECDSA_SHA_256' }), 'KMSInvalidStateException', `${key.arn} is pending deletion.`);
  });

  it('gives the public key of key pairs only', async () => {
    const rsa = made.get('RSA_2048')!;
    const { publicKey, view } = await signing.publicKey(CALLER, rsa.key.keyId);
    assert.equal(view.arn, rsa.arn);
    assert.equal(createPublicKey({ key: publicKey, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
    for (const spec of ['SYMMETRIC_DEFAULT', 'HMAC_256'] as const) {
      const key = await keys.create(CALLER, { keySpec: spec, keyUsage: spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : undefined });
      await rejectsWith(signing.publicKey(CALLER, key.key.keyId), 'UnsupportedOperationException', `${key.arn} key spec is ${spec} which is not valid for GetPublicKey.`);
    }
  });
});
