import assert from 'node:assert/strict';
import { constants, createCipheriv, createHmac, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, sign } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { DAY_MS } from '../core/clock.js';
import type { KmsDeps } from './context.js';
import { createKmsServices, type KmsServices } from './services.js';

const START = Date.UTC(2026, 0, 1);

function wrap(spki: Buffer, material: Buffer): Buffer {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
}

describe('imported key material', () => {
  let now = START;
  let deps: KmsDeps;
  let kms: KmsServices;
  before(() => {
    deps = kmsDeps(() => now);
    kms = createKmsServices(deps);
  });
  after(() => deps.store.close());

  const params = (keyId: string) => kms.imports.parametersFor(CALLER, keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048');
  const importInto = async (keyId: string, material: Buffer, extra: { validTo?: number } = {}) => {
    const p = await params(keyId);
    return kms.imports.importMaterial(CALLER, {
      keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, material),
      ...(extra.validTo === undefined ? { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const } : { expirationModel: 'KEY_MATERIAL_EXPIRES' as const, validTo: extra.validTo }),
    });
  };

  it('a key made for it has no material and is PendingImport; cryptography says so', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    assert.equal(view.state, 'PendingImport');
    assert.deepEqual(view.key.materials, []);
    await rejectsWith(kms.crypto.encrypt(CALLER, view.key.keyId, Buffer.from('x')), 'KMSInvalidStateException', `${view.arn} is pending import.`);
  });

  it('imported material encrypts and decrypts; deleted, the key is PendingImport; the same material again restores it', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const material = randomBytes(32);
    const p = await params(view.key.keyId);
    assert.equal(p.validTo, START + DAY_MS);
    assert.equal(p.view.arn, view.arn);
    const done = await importInto(view.key.keyId, material);
    assert.match(done.materialId, /^[0-9a-f]{64}$/);
    const described = await kms.keys.describe(CALLER, view.key.keyId);
    assert.equal(described.state, 'Enabled');
    assert.deepEqual(described.key.imported, { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    const sealed = await kms.crypto.encrypt(CALLER, view.key.keyId, Buffer.from('secret'));
    assert.equal((await kms.crypto.decrypt(CALLER, sealed.ciphertext)).plaintext.toString(), 'secret');

    const deleted = await kms.imports.deleteMaterial(CALLER, view.key.keyId);
    assert.equal(deleted.materialId, done.materialId);
    assert.equal((await kms.keys.describe(CALLER, view.key.keyId)).state, 'PendingImport');
    await rejectsWith(kms.crypto.decrypt(CALLER, sealed.ciphertext), 'KMSInvalidStateException', `${view.arn} is pending import.`);
    assert.equal((await deps.store.keys.get(CALLER, view.key.keyId))!.materials[0]!.wrapped, '', 'the sealed material is gone');

    await rejectsWith(importInto(view.key.keyId, randomBytes(32)), 'IncorrectKeyMaterialException');
    const again = await importInto(view.key.keyId, material);
    assert.equal(again.materialId, done.materialId);
    assert.equal((await kms.crypto.decrypt(CALLER, sealed.ciphertext)).plaintext.toString(), 'secret');
    // Importing while the key holds its material (to change the expiration) also needs the same material.
    await rejectsWith(importInto(view.key.keyId, randomBytes(32)), 'IncorrectKeyMaterialException');
  });

  it('HMAC material of the lengths the key spec allows computes the MAC anyone holding it would', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL', keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' });
    await rejectsWith(importInto(view.key.keyId, randomBytes(31)), 'IncorrectKeyMaterialException');
    await rejectsWith(importInto(view.key.keyId, randomBytes(65)), 'IncorrectKeyMaterialException');
    const material = randomBytes(48);
    await importInto(view.key.keyId, material);
    const message = Buffer.from('message');
    const { mac } = await kms.mac.generate(CALLER, { keyId: view.key.keyId, message, algorithm: 'HMAC_SHA_256' });
    assert.deepEqual(mac, createHmac('sha256', material).update(message).digest());
  });

  it('an imported RSA private key signs as the key itself does, and GetPublicKey gives its public key; keys of another size or kind are refused', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL', keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' });
    assert.equal(view.state, 'PendingImport');
    const importPkcs8 = async (der: Buffer) => {
      const p = await kms.imports.parametersFor(CALLER, view.key.keyId, 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096');
      const aesKey = randomBytes(32);
      const kw = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
      const encryptedKeyMaterial = Buffer.concat([wrap(p.publicKey, aesKey), kw.update(der), kw.final()]);
      return kms.imports.importMaterial(CALLER, { keyId: view.key.keyId, importToken: p.importToken, encryptedKeyMaterial, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    };
    const der = (type: 'rsa' | 'ec', opts: object) => generateKeyPairSync(type as 'rsa', opts as { modulusLength: number }).privateKey.export({ type: 'pkcs8', format: 'der' });
    await rejectsWith(importPkcs8(der('rsa', { modulusLength: 3072 })), 'IncorrectKeyMaterialException');
    await rejectsWith(importPkcs8(der('ec', { namedCurve: 'prime256v1' })), 'IncorrectKeyMaterialException');
    await rejectsWith(importPkcs8(randomBytes(64)), 'IncorrectKeyMaterialException');
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await importPkcs8(pair.privateKey.export({ type: 'pkcs8', format: 'der' }));
    const message = Buffer.from('signed by my own key');
    const { signature } = await kms.signing.sign(CALLER, { keyId: view.key.keyId, message, algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' });
    assert.deepEqual(signature, sign('sha256', message, pair.privateKey));
    const { publicKey } = await kms.signing.publicKey(CALLER, view.key.keyId);
    assert.deepEqual(publicKey, pair.publicKey.export({ type: 'spki', format: 'der' }));
  });

  it('refuses symmetric material that is not 256 bits', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    await rejectsWith(importInto(view.key.keyId, randomBytes(16)), 'IncorrectKeyMaterialException');
    assert.equal((await kms.keys.describe(CALLER, view.key.keyId)).state, 'PendingImport');
  });

  it('tokens are bound to their key and expire after 24 hours', async () => {
    const a = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const b = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const p = await params(a.key.keyId);
    const encryptedKeyMaterial = wrap(p.publicKey, randomBytes(32));
    const req = { importToken: p.importToken, encryptedKeyMaterial, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const };
    await rejectsWith(kms.imports.importMaterial(CALLER, { ...req, keyId: b.key.keyId }), 'InvalidImportTokenException');
    await rejectsWith(kms.imports.importMaterial(CALLER, { ...req, keyId: a.key.keyId, importToken: randomBytes(300) }), 'InvalidImportTokenException');
    await rejectsWith(kms.imports.importMaterial(CALLER, { ...req, keyId: a.key.keyId, encryptedKeyMaterial: randomBytes(256) }), 'InvalidCiphertextException');
    now += DAY_MS;
    try {
      await rejectsWith(kms.imports.importMaterial(CALLER, { ...req, keyId: a.key.keyId }), 'ExpiredImportTokenException');
    } finally {
      now -= DAY_MS;
    }
    await kms.imports.importMaterial(CALLER, { ...req, keyId: a.key.keyId });
  });

  it('ExpirationModel and ValidTo go together; keys KMS made refuse all three operations', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const p = await params(view.key.keyId);
    const base = { keyId: view.key.keyId, importToken: p.importToken, encryptedKeyMaterial: wrap(p.publicKey, randomBytes(32)) };
    await rejectsWith(kms.imports.importMaterial(CALLER, base), 'ValidationException', 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
    await rejectsWith(kms.imports.importMaterial(CALLER, { ...base, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE', validTo: now + DAY_MS }), 'ValidationException');
    const own = await kms.keys.create(CALLER, {});
    const refusal = `${own.arn} origin is AWS_KMS which is not valid for this operation.`;
    await rejectsWith(params(own.key.keyId), 'UnsupportedOperationException', refusal);
    await rejectsWith(kms.imports.importMaterial(CALLER, { ...base, keyId: own.key.keyId, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }), 'UnsupportedOperationException', refusal);
    await rejectsWith(kms.imports.deleteMaterial(CALLER, own.key.keyId), 'UnsupportedOperationException', refusal);
  });
});

describe('imported key material that expires', () => {
  let now = START;
  let deps: KmsDeps;
  let kms: KmsServices;
  const events: Array<{ eventName: string; resources?: Array<{ ARN: string }>; eventTime: number }> = [];
  before(() => {
    deps = { ...kmsDeps(() => now), events: { emit: async (e) => void events.push(e) } };
    kms = createKmsServices(deps);
  });
  after(() => deps.store.close());

  it('is deleted once the clock passes ValidTo, with the service event; the same material again restores the key', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const keyId = view.key.keyId;
    const material = randomBytes(32);
    const importExpiring = async (validTo: number) => {
      const p = await kms.imports.parametersFor(CALLER, keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048');
      await kms.imports.importMaterial(CALLER, { keyId, importToken: p.importToken, encryptedKeyMaterial: wrap(p.publicKey, material), expirationModel: 'KEY_MATERIAL_EXPIRES', validTo });
    };
    await importExpiring(START + 2 * DAY_MS);
    assert.deepEqual((await kms.keys.describe(CALLER, keyId)).key.imported, { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: START + 2 * DAY_MS });
    const sealed = await kms.crypto.encrypt(CALLER, keyId, Buffer.from('kept'));

    now = START + 2 * DAY_MS - 1;
    assert.equal(await kms.imports.expireDue(), 0);
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'Enabled');
    now = START + 2 * DAY_MS;
    assert.equal(await kms.imports.expireDue(), 1);
    assert.equal(await kms.imports.expireDue(), 0, 'once');
    const after = await kms.keys.describe(CALLER, keyId);
    assert.equal(after.state, 'PendingImport');
    assert.equal(after.key.imported, undefined);
    await rejectsWith(kms.crypto.decrypt(CALLER, sealed.ciphertext), 'KMSInvalidStateException', `${view.arn} is pending import.`);
    assert.deepEqual(
      events.map((e) => [e.eventName, e.resources?.[0]?.ARN, e.eventTime]),
      [['DeleteExpiredKeyMaterial', view.arn, START + 2 * DAY_MS]],
    );

    await importExpiring(now + DAY_MS);
    assert.equal((await kms.crypto.decrypt(CALLER, sealed.ciphertext)).plaintext.toString(), 'kept');
  });
});
