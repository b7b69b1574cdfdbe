import assert from 'node:assert/strict';
import { createECDH, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import type { Caller, KmsDeps } from './context.js';
import { KeyAgreementService } from './key-agreement.js';
import { currentMaterial } from './key.js';
import { KeyService, type KeyView } from './keys.js';

const CHINA: Caller = { ...CALLER, region: 'cn-north-1', principalArn: 'arn:aws-cn:iam::111122223333:root' };
const spkiOf = (v: KeyView) => Buffer.from(currentMaterial(v.key).publicKey!, 'base64');

describe('KeyAgreementService', () => {
  let deps: KmsDeps;
  let keys: KeyService;
  let agreement: KeyAgreementService;

  before(() => {
    deps = kmsDeps(() => Date.UTC(2026, 0, 1));
    keys = new KeyService(deps);
    agreement = new KeyAgreementService(deps, keys);
  });
  after(() => deps.store.close());

  it('derives what the peer derives from the other side, on every NIST curve', async () => {
    for (const [spec, curve, bytes] of [
      ['ECC_NIST_P256', 'prime256v1', 32],
      ['ECC_NIST_P384', 'secp384r1', 48],
      ['ECC_NIST_P521', 'secp521r1', 66],
    ] as const) {
      const key = await keys.create(CALLER, { keySpec: spec, keyUsage: 'KEY_AGREEMENT' });
      const peer = generateKeyPairSync('ec', { namedCurve: curve });
      const peerSpki = peer.publicKey.export({ type: 'spki', format: 'der' });
      const derived = await agreement.deriveSharedSecret(CALLER, key.arn, 'ECDH', peerSpki);
      assert.equal(derived.algorithm, 'ECDH');
      assert.equal(derived.view.key.keyId, key.key.keyId);
      assert.equal(derived.secret.length, bytes, spec);
      const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: spkiOf(key), format: 'der', type: 'spki' }) });
      assert.deepEqual(derived.secret, theirs, spec);
    }
  });

  it('derives on the SM2 curve in the China Regions, symmetric between two keys and with a peer outside KMS', async () => {
    const [a, b] = await Promise.all([keys.create(CHINA, { keySpec: 'SM2', keyUsage: 'KEY_AGREEMENT' }), keys.create(CHINA, { keySpec: 'SM2', keyUsage: 'KEY_AGREEMENT' })]);
    const ab = await agreement.deriveSharedSecret(CHINA, a.key.keyId, 'ECDH', spkiOf(b));
    const ba = await agreement.deriveSharedSecret(CHINA, b.key.keyId, 'ECDH', spkiOf(a));
    assert.equal(ab.secret.length, 32);
    assert.deepEqual(ab.secret, ba.secret);
    const peer = createECDH('SM2');
    peer.generateKeys();
    const peerSpki = Buffer.concat([spkiOf(a).subarray(0, -65), peer.getPublicKey()]);
    const derived = await agreement.deriveSharedSecret(CHINA, a.key.keyId, 'ECDH', peerSpki);
    assert.deepEqual(derived.secret, peer.computeSecret(spkiOf(a).subarray(-65)));
  });

  it("refuses other key usages with AWS's message, and a peer key that is not one or is on another curve", async () => {
    const p256 = await keys.create(CALLER, { keySpec: 'ECC_NIST_P256', keyUsage: 'KEY_AGREEMENT' });
    const signing = await keys.create(CALLER, { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' });
    const symmetric = await keys.create(CALLER, {});
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' });
    await rejectsWith(agreement.deriveSharedSecret(CALLER, signing.key.keyId, 'ECDH', peer), 'InvalidKeyUsageException', `${signing.arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.`);
    await rejectsWith(agreement.deriveSharedSecret(CALLER, symmetric.key.keyId, 'ECDH', peer), 'InvalidKeyUsageException', `${symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for DeriveSharedSecret.`);
    // AWS's answer for bytes that are no public key: a ValidationException without a message.
    await rejectsWith(agreement.deriveSharedSecret(CALLER, p256.key.keyId, 'ECDH', Buffer.from('InvalidPublicKey')), 'ValidationException', '');
    const offCurve = Buffer.from(peer);
    offCurve[offCurve.length - 1]! ^= 1;
    await rejectsWith(agreement.deriveSharedSecret(CALLER, p256.key.keyId, 'ECDH', offCurve), 'ValidationException', '');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' });
    for (const wrong of [p384, rsa]) {
      await rejectsWith(agreement.deriveSharedSecret(CALLER, p256.key.keyId, 'ECDH', wrong), 'ValidationException', `The public key must be on the same curve as KMS key ${p256.arn} (ECC_NIST_P256).`);
    }
    const sm2 = await keys.create(CHINA, { keySpec: 'SM2', keyUsage: 'KEY_AGREEMENT' });
    await rejectsWith(agreement.deriveSharedSecret(CHINA, sm2.key.keyId, 'ECDH', peer), 'ValidationException', `The public key must be on the same curve as KMS key ${sm2.arn} (SM2).`);
    await rejectsWith(agreement.deriveSharedSecret(CHINA, sm2.key.keyId, 'ECDH', Buffer.from('InvalidPublicKey')), 'ValidationException', '');
    await rejectsWith(agreement.deriveSharedSecret(CALLER, p256.key.keyId, 'ECDH', peer, true), 'DryRunOperationException');
    await rejectsWith(agreement.deriveSharedSecret(CALLER, p256.key.keyId, 'ECDH', p384, true), 'ValidationException');
  });
});
