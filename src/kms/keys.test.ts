import assert from 'node:assert/strict';
import { createPublicKey, KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { privateKeyFromPkcs8, type KeyPairRecipe } from './asymmetric-material.js';
import type { Caller, KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { currentMaterial, type KeyUsage } from './key.js';
import { KEY_SPECS, type KeySpec } from './key-specs.js';
import { KeyService, type KeyView } from './keys.js';
import { RotationService } from './rotation.js';

const CHINA: Caller = { ...CALLER, region: 'cn-north-1', principalArn: 'arn:aws-cn:iam::111122223333:root' };

describe('KeyService: keys of every key spec', () => {
  let deps: KmsDeps;
  let keys: KeyService;
  let crypto: CryptoService;
  let rotation: RotationService;
  /**
   * One key of every valid key spec and usage, made once; the larger RSA sizes once each, as
   * their pairs take a second to make (key-specs.test.ts checks every combination's validity).
   */
  const made = new Map<string, KeyView>();

  before(async () => {
    deps = kmsDeps(() => Date.UTC(2026, 0, 1));
    keys = new KeyService(deps);
    crypto = new CryptoService(deps, keys);
    rotation = new RotationService(deps, keys);
    const skipped = new Set(['RSA_3072/ENCRYPT_DECRYPT', 'RSA_4096/SIGN_VERIFY']);
    const combos = Object.values(KEY_SPECS)
      .flatMap((e) => Object.keys(e.usages).map((u) => [e.spec, u as KeyUsage] as const))
      .filter(([spec, usage]) => !skipped.has(`${spec}/${usage}`));
    await Promise.all(
      combos.map(async ([spec, usage]) => made.set(`${spec}/${usage}`, await keys.create(spec === 'SM2' ? CHINA : CALLER, { keySpec: spec, keyUsage: usage }))),
    );
  });
  after(() => deps.store.close());

  const key = (spec: KeySpec, usage: KeyUsage) => made.get(`${spec}/${usage}`)!;

  it('creates every valid combination, Enabled, with the spec and usage asked for', () => {
    assert.equal(made.size, 23);
    for (const [name, view] of made) {
      assert.equal(`${view.key.keySpec}/${view.key.keyUsage}`, name);
      assert.equal(view.state, 'Enabled');
      assert.equal(view.key.materials.length, 1);
    }
  });

  it('seals each private key as PKCS #8 under the root key and keeps its own public key in clear', () => {
    for (const view of made.values()) {
      const recipe = KEY_SPECS[view.key.keySpec].material;
      const material = currentMaterial(view.key);
      if (recipe.kind === 'aes' || recipe.kind === 'hmac') {
        assert.equal(material.publicKey, undefined, view.key.keySpec);
        const raw = deps.backends.service.secret(view.key.keyId, material, (b) => Buffer.from(b));
        assert.equal(raw.length, recipe.bytes, view.key.keySpec);
        continue;
      }
      const spki = Buffer.from(material.publicKey!, 'base64');
      const pkcs8 = deps.backends.service.secret(view.key.keyId, material, (b) => Buffer.from(b));
      // The stored value is sealed, not the DER itself.
      assert.ok(!Buffer.from(material.wrapped, 'base64').includes(pkcs8.subarray(-32)), view.key.keySpec);
      const priv = privateKeyFromPkcs8(recipe as KeyPairRecipe, pkcs8);
      if (priv instanceof KeyObject) assert.deepEqual(createPublicKey(priv).export({ type: 'spki', format: 'der' }), spki, view.key.keySpec);
      else if (priv.kind === 'sm2') assert.deepEqual(Buffer.from(priv.point), spki.subarray(-65));
      else assert.deepEqual(Buffer.from(priv.publicKey), spki.subarray(-priv.publicKey.length));
    }
  });

  it("refuses what AWS refuses, with AWS's messages", async () => {
    await rejectsWith(keys.create(CALLER, { keySpec: 'RSA_2048' }), 'ValidationException', 'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
    await rejectsWith(keys.create(CALLER, { keySpec: 'RSA_2048', keyUsage: 'KEY_AGREEMENT' }), 'ValidationException', 'KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048');
    await rejectsWith(keys.create(CALLER, { keyUsage: 'SIGN_VERIFY' }), 'ValidationException', 'KeyUsage SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT');
    await rejectsWith(keys.create(CALLER, { keySpec: 'HMAC_256', keyUsage: 'ENCRYPT_DECRYPT' }), 'ValidationException', 'KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec HMAC_256');
    await rejectsWith(keys.create(CALLER, { keySpec: 'SM2', keyUsage: 'SIGN_VERIFY' }), 'UnsupportedOperationException', 'KeySpec SM2 is not supported in this Region');
    await rejectsWith(keys.create(CALLER, { keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-00000000000000000' }), 'UnsupportedOperationException');
  });

  it('lets the symmetric operations use only symmetric encryption keys', async () => {
    const rsa = key('RSA_2048', 'ENCRYPT_DECRYPT');
    await rejectsWith(crypto.encrypt(CALLER, rsa.key.keyId, Buffer.from('x')), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    await rejectsWith(crypto.generateDataKey(CALLER, rsa.key.keyId, { keySpec: 'AES_256' }, 'GenerateDataKey'), 'InvalidKeyUsageException', 'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.');
    const signing = key('ECC_NIST_P256', 'SIGN_VERIFY');
    await rejectsWith(crypto.encrypt(CALLER, signing.key.keyId, Buffer.from('x')), 'InvalidKeyUsageException', `${signing.arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`);
    const mac = key('HMAC_256', 'GENERATE_VERIFY_MAC');
    await rejectsWith(
      crypto.generateDataKey(CALLER, mac.key.keyId, { numberOfBytes: 16 }, 'GenerateDataKeyWithoutPlaintext'),
      'InvalidKeyUsageException',
      `${mac.arn} key usage is GENERATE_VERIFY_MAC which is not valid for GenerateDataKeyWithoutPlaintext.`,
    );
    const symmetric = await keys.create(CALLER, {});
    const sealed = await crypto.encrypt(CALLER, symmetric.key.keyId, Buffer.from('x'));
    await rejectsWith(crypto.reEncrypt(CALLER, sealed.ciphertext, {}, { keyId: signing.key.keyId }), 'InvalidKeyUsageException', `${signing.arn} key usage is SIGN_VERIFY which is not valid for ReEncrypt.`);
  });

  it('never rotates key pairs or HMAC keys, and reports their rotation as off', async () => {
    for (const view of [key('RSA_3072', 'SIGN_VERIFY'), key('RSA_4096', 'ENCRYPT_DECRYPT'), key('HMAC_512', 'GENERATE_VERIFY_MAC'), key('ML_DSA_44', 'SIGN_VERIFY')]) {
      const id = view.key.keyId;
      await rejectsWith(rotation.enable(CALLER, id), 'UnsupportedOperationException', '');
      await rejectsWith(rotation.disable(CALLER, id), 'UnsupportedOperationException', '');
      await rejectsWith(rotation.rotateOnDemand(CALLER, id), 'UnsupportedOperationException', '');
      await rejectsWith(rotation.listRotations(CALLER, id, 10), 'UnsupportedOperationException', '');
      assert.equal((await rotation.status(CALLER, id)).enabled, false);
      assert.equal((await deps.store.keys.get(CALLER, id))!.materials.length, 1);
    }
  });
});
