import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { privateKeyFromPkcs8, type KeyPairRecipe } from './asymmetric-material.js';
import type { Caller, KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { noCustomKeyStores } from './custom-key-store-port.js';
import { DataKeyPairService, type DataKeyPairSpec } from './data-key-pairs.js';
import { KEY_SPECS } from './key-specs.js';
import { KeyService, type KeyView } from './keys.js';

const CHINA: Caller = { ...CALLER, region: 'cn-north-1', principalArn: 'arn:aws-cn:iam::111122223333:root' };
/** The larger RSA sizes take seconds to make: the end-to-end tests make one of each. */
const SPECS: DataKeyPairSpec[] = [
  'RSA_2048',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'SM2',
  'ECC_NIST_EDWARDS25519',
];

describe('DataKeyPairService', () => {
  let deps: KmsDeps;
  let keys: KeyService;
  let crypto: CryptoService;
  let pairs: DataKeyPairService;
  let symmetric: KeyView;
  let chinaSymmetric: KeyView;

  before(async () => {
    deps = kmsDeps(() => Date.UTC(2026, 0, 1));
    deps.customKeyStores = { ...noCustomKeyStores, status: async (_s, id) => ({ customKeyStoreId: id, connectionState: 'CONNECTED', clusterId: 'cluster-234abcdefgh' }) };
    keys = new KeyService(deps);
    crypto = new CryptoService(deps, keys);
    pairs = new DataKeyPairService(deps, crypto);
    symmetric = await keys.create(CALLER, {});
    chinaSymmetric = await keys.create(CHINA, {});
  });
  after(() => deps.store.close());

  it('makes every DataKeyPairSpec as SPKI and PKCS #8 that belong together, the private key sealed under the key and its context', async () => {
    const context = { purpose: 'data key pair' };
    const made = await Promise.all(
      SPECS.map((spec) => (spec === 'SM2' ? pairs.generate(CHINA, chinaSymmetric.arn, spec, context, 'GenerateDataKeyPair') : pairs.generate(CALLER, symmetric.key.keyId, spec, context, 'GenerateDataKeyPair'))),
    );
    for (const pair of made) {
      const caller = pair.spec === 'SM2' ? CHINA : CALLER;
      assert.equal(pair.view.key.keySpec, 'SYMMETRIC_DEFAULT');
      assert.equal(pair.materialId, pair.view.key.materials[0]!.materialId);
      const recipe = KEY_SPECS[pair.spec].material as KeyPairRecipe;
      const priv = privateKeyFromPkcs8(recipe, Buffer.from(pair.privateKey));
      if (priv instanceof KeyObject) {
        assert.deepEqual(createPublicKey(priv).export({ type: 'spki', format: 'der' }), pair.publicKey, pair.spec);
        const hash = recipe.kind === 'ed25519' ? null : 'sha256';
        assert.ok(verify(hash, Buffer.from('m'), createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }), sign(hash, Buffer.from('m'), priv)), pair.spec);
      } else {
        assert.equal(priv.kind, 'sm2');
        if (priv.kind === 'sm2') assert.deepEqual(Buffer.from(priv.point), pair.publicKey.subarray(-65));
      }
      // Decrypt of the sealed copy, with the context, is the PKCS #8 itself; without it, InvalidCiphertextException.
      const opened = await crypto.decrypt(caller, pair.sealedPrivateKey, context);
      assert.deepEqual(opened.plaintext, pair.privateKey, pair.spec);
      await rejectsWith(crypto.decrypt(caller, pair.sealedPrivateKey, { purpose: 'other' }), 'InvalidCiphertextException');
      await rejectsWith(crypto.decrypt(caller, pair.sealedPrivateKey), 'InvalidCiphertextException');
    }
    const rsa = made.find((p) => p.spec === 'RSA_2048')!;
    assert.equal(createPrivateKey({ key: rsa.privateKey, format: 'der', type: 'pkcs8' }).asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(new Set(made.map((p) => p.publicKey.toString('hex'))).size, made.length, 'every pair is new');
  });

  it('refuses key pairs, HMAC keys, keys in a custom key store, SM2 outside China; answers DryRun after every check', async () => {
    const rsa = await keys.create(CALLER, { keySpec: 'RSA_2048', keyUsage: 'ENCRYPT_DECRYPT' });
    await rejectsWith(pairs.generate(CALLER, rsa.key.keyId, 'ECC_NIST_P256', undefined, 'GenerateDataKeyPair'), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    const mac = await keys.create(CALLER, { keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' });
    await rejectsWith(
      pairs.generate(CALLER, mac.key.keyId, 'ECC_NIST_P256', undefined, 'GenerateDataKeyPairWithoutPlaintext'),
      'InvalidKeyUsageException',
      `${mac.arn} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKeyPairWithoutPlaintext.`,
    );
    await rejectsWith(pairs.generate(CALLER, symmetric.key.keyId, 'SM2', undefined, 'GenerateDataKeyPair'), 'UnsupportedOperationException', 'KeyPairSpec SM2 is not supported in this Region');

    const inStore = { ...symmetric.key, keyId: '0a0b0c0d-1111-2222-3333-444455556666', origin: 'AWS_CLOUDHSM' as const, customKeyStoreId: 'cks-1234567890abcdef0', materials: [] };
    inStore.backingKey = { backingKeyId: 'ab01', keyHandle: 7 };
    await deps.store.keys.insert(inStore);
    const arn = `arn:aws:kms:us-east-1:111122223333:key/${inStore.keyId}`;
    await rejectsWith(pairs.generate(CALLER, inStore.keyId, 'RSA_2048', undefined, 'GenerateDataKeyPair'), 'UnsupportedOperationException', `${arn} origin is AWS_CLOUDHSM which is not valid for this operation.`);
    await rejectsWith(pairs.generate(CALLER, inStore.keyId, 'RSA_2048', undefined, 'GenerateDataKeyPair', true), 'UnsupportedOperationException');

    await rejectsWith(pairs.generate(CALLER, symmetric.key.keyId, 'RSA_2048', undefined, 'GenerateDataKeyPair', true), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
    await keys.disable(CALLER, symmetric.key.keyId);
    await rejectsWith(pairs.generate(CALLER, symmetric.key.keyId, 'RSA_2048', undefined, 'GenerateDataKeyPair'), 'DisabledException', `${symmetric.arn} is disabled.`);
    await keys.enable(CALLER, symmetric.key.keyId);
  });
});
