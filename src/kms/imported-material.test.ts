import assert from 'node:assert/strict';
import { constants, createCipheriv, createHmac, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, sign, verify } from 'node:crypto';
import { secureRandom } from '../core/random.js';
import { sm2Encrypt } from './sm2-encryption.js';
import { after, before, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { DAY_MS } from '../core/clock.js';
import type { KmsDeps } from './context.js';
import type { ImportRequest } from './imported-material.js';
import { expirationOf } from './key-materials.js';
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
    assert.deepEqual(expirationOf(described.key), { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
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
    // The refusals need no particular wrapping key; the import that succeeds takes the largest (an RSA_4096 pair takes a second to make).
    const importPkcs8 = async (der: Buffer, spec: 'RSA_2048' | 'RSA_4096' = 'RSA_2048') => {
      const p = await kms.imports.parametersFor(CALLER, view.key.keyId, 'RSA_AES_KEY_WRAP_SHA_256', spec);
      const aesKey = randomBytes(32);
      const kw = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
      const encryptedKeyMaterial = Buffer.concat([wrap(p.publicKey, aesKey), kw.update(der), kw.final()]);
      return kms.imports.importMaterial(CALLER, { keyId: view.key.keyId, importToken: p.importToken, encryptedKeyMaterial, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    };
    const der = (type: 'rsa' | 'ec', opts: object) => generateKeyPairSync(type as 'rsa', opts as { modulusLength: number }).privateKey.export({ type: 'pkcs8', format: 'der' });
    await rejectsWith(importPkcs8(der('rsa', { modulusLength: 1024 })), 'IncorrectKeyMaterialException');
    await rejectsWith(importPkcs8(der('ec', { namedCurve: 'prime256v1' })), 'IncorrectKeyMaterialException');
    await rejectsWith(importPkcs8(randomBytes(64)), 'IncorrectKeyMaterialException');
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await importPkcs8(pair.privateKey.export({ type: 'pkcs8', format: 'der' }), 'RSA_4096');
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
  const events: Array<{ eventName: string; resources?: Array<{ ARN: string }>; eventTime: number; serviceEventDetails?: Record<string, unknown> }> = [];
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
      return kms.imports.importMaterial(CALLER, { keyId, importToken: p.importToken, encryptedKeyMaterial: wrap(p.publicKey, material), expirationModel: 'KEY_MATERIAL_EXPIRES', validTo });
    };
    const { materialId } = await importExpiring(START + 2 * DAY_MS);
    assert.deepEqual(expirationOf((await kms.keys.describe(CALLER, keyId)).key), { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: START + 2 * DAY_MS });
    const sealed = await kms.crypto.encrypt(CALLER, keyId, Buffer.from('kept'));

    now = START + 2 * DAY_MS - 1;
    assert.equal(await kms.imports.expireDue(), 0);
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'Enabled');
    now = START + 2 * DAY_MS;
    assert.equal(await kms.imports.expireDue(), 1);
    assert.equal(await kms.imports.expireDue(), 0, 'once');
    const after = await kms.keys.describe(CALLER, keyId);
    assert.equal(after.state, 'PendingImport');
    assert.equal(expirationOf(after.key), undefined);
    await rejectsWith(kms.crypto.decrypt(CALLER, sealed.ciphertext), 'KMSInvalidStateException', `${view.arn} is pending import.`);
    assert.deepEqual(
      events.map((e) => [e.eventName, e.resources?.[0]?.ARN, e.eventTime, e.serviceEventDetails]),
      [['DeleteExpiredKeyMaterial', view.arn, START + 2 * DAY_MS, { keyId, keyMaterialId: materialId }]],
    );

    await importExpiring(now + DAY_MS);
    assert.equal((await kms.crypto.decrypt(CALLER, sealed.ciphertext)).plaintext.toString(), 'kept');
  });
});

describe('on-demand rotation of imported symmetric material', () => {
  let now = START;
  let deps: KmsDeps;
  let kms: KmsServices;
  const events: Array<{ eventName: string; serviceEventDetails?: Record<string, unknown> }> = [];
  before(() => {
    deps = { ...kmsDeps(() => now), events: { emit: async (e) => void events.push(e) } };
    kms = createKmsServices(deps);
  });
  after(() => deps.store.close());

  type Extra = Partial<Pick<ImportRequest, 'importType' | 'keyMaterialId' | 'description' | 'validTo'>>;
  const importInto = async (keyId: string, material: Buffer, extra: Extra = {}) => {
    const p = await kms.imports.parametersFor(CALLER, keyId, 'RSAES_OAEP_SHA_256', 'RSA_2048');
    const expiration = extra.validTo === undefined ? { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const } : { expirationModel: 'KEY_MATERIAL_EXPIRES' as const };
    return kms.imports.importMaterial(CALLER, { keyId, importToken: p.importToken, encryptedKeyMaterial: wrap(p.publicKey, material), ...expiration, ...extra });
  };
  const list = async (keyId: string) =>
    (await kms.rotation.listRotations(CALLER, keyId, 100, undefined, true)).items.map((r) => [r.materialId, r.state, r.imported?.importState, r.imported?.description, r.rotationType]);
  const text = async (blob: Buffer) => (await kms.crypto.decrypt(CALLER, blob)).plaintext.toString();

  it('new material waits as PENDING_ROTATION, RotateKeyOnDemand makes it current, and each ciphertext decrypts with the material that made it', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const keyId = view.key.keyId;
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const first = await importInto(keyId, a, { description: 'first' });
    const old = (await kms.crypto.encrypt(CALLER, keyId, Buffer.from('under a'))).ciphertext;

    const second = await importInto(keyId, b, { importType: 'NEW_KEY_MATERIAL', description: 'second' });
    assert.notEqual(second.materialId, first.materialId);
    let described = await kms.keys.describe(CALLER, keyId);
    assert.equal(described.state, 'Enabled');
    assert.equal(described.key.materials.at(-1)!.materialId, first.materialId, 'current until the rotation');
    assert.deepEqual(await list(keyId), [
      [first.materialId, 'CURRENT', 'IMPORTED', 'first', undefined],
      [second.materialId, 'PENDING_ROTATION', 'IMPORTED', 'second', undefined],
    ]);
    assert.deepEqual((await kms.rotation.listRotations(CALLER, keyId, 100)).items, [], 'ROTATIONS_ONLY lists no pending material');
    const stillA = (await kms.crypto.encrypt(CALLER, keyId, Buffer.from('still a'))).ciphertext;

    now += DAY_MS;
    await kms.rotation.rotateOnDemand(CALLER, keyId);
    described = await kms.keys.describe(CALLER, keyId);
    assert.equal(described.key.materials.at(-1)!.materialId, second.materialId);
    const rotated = (await kms.rotation.listRotations(CALLER, keyId, 100)).items;
    assert.deepEqual(rotated.map((r) => [r.materialId, r.state, r.rotatedAt, r.rotationType]), [[second.materialId, 'CURRENT', now, 'ON_DEMAND']]);
    assert.deepEqual(events.filter((e) => e.eventName === 'RotateKey').at(-1)?.serviceEventDetails, {
      rotationType: 'ON_DEMAND',
      keyOrigin: 'EXTERNAL',
      previousKeyMaterialId: first.materialId,
      currentKeyMaterialId: second.materialId,
      keyId,
    });
    const fresh = await kms.crypto.encrypt(CALLER, keyId, Buffer.from('under b'));
    assert.equal(fresh.materialId, second.materialId);
    assert.equal(await text(old), 'under a');
    assert.equal(await text(stillA), 'still a');
    assert.equal(await text(fresh.ciphertext), 'under b');

    await rejectsWith(kms.rotation.rotateOnDemand(CALLER, keyId), 'KMSInvalidStateException', `No available key material pending rotation for the key: ${view.arn}.`);
  });

  it('refuses new material while other material is pending, material the key already has, and a KeyMaterialId with NEW_KEY_MATERIAL', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const keyId = view.key.keyId;
    const [a, b, c] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const first = await importInto(keyId, a);
    await rejectsWith(importInto(keyId, a, { importType: 'NEW_KEY_MATERIAL' }), 'IncorrectKeyMaterialException');
    const pending = await importInto(keyId, b, { importType: 'NEW_KEY_MATERIAL' });
    await rejectsWith(importInto(keyId, c, { importType: 'NEW_KEY_MATERIAL' }), 'KMSInvalidStateException', new RegExp(`^New key material \\(id: [0-9a-f]{64}\\) cannot be imported into KMS key ${view.arn}, because another key material \\(id: ${pending.materialId}\\) is pending rotation\\.$`));
    await rejectsWith(importInto(keyId, c, { importType: 'NEW_KEY_MATERIAL', keyMaterialId: first.materialId }), 'ValidationException');
    // Different material is never EXISTING_KEY_MATERIAL, whatever id it claims.
    await rejectsWith(importInto(keyId, c), 'IncorrectKeyMaterialException');
    await rejectsWith(importInto(keyId, a, { keyMaterialId: pending.materialId }), 'IncorrectKeyMaterialException');
    // Pending material can be deleted and other material imported in its place.
    const deleted = await kms.imports.deleteMaterial(CALLER, keyId, pending.materialId);
    assert.equal(deleted.materialId, pending.materialId);
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'Enabled');
    const replaced = await importInto(keyId, c, { importType: 'NEW_KEY_MATERIAL' });
    assert.deepEqual((await list(keyId)).map((r) => [r[0], r[1]]), [
      [first.materialId, 'CURRENT'],
      [replaced.materialId, 'PENDING_ROTATION'],
    ]);
  });

  it('deleting one permanent material makes the key PendingImport until that material, by its KeyMaterialId, is back; its description stays', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const keyId = view.key.keyId;
    const [a, b] = [randomBytes(32), randomBytes(32)];
    const first = await importInto(keyId, a, { description: 'kept for years' });
    const old = (await kms.crypto.encrypt(CALLER, keyId, Buffer.from('old'))).ciphertext;
    const second = await importInto(keyId, b, { importType: 'NEW_KEY_MATERIAL' });
    await kms.rotation.rotateOnDemand(CALLER, keyId);

    await kms.imports.deleteMaterial(CALLER, keyId, first.materialId);
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'PendingImport');
    assert.deepEqual(await list(keyId), [
      [first.materialId, 'NON_CURRENT', 'PENDING_IMPORT', 'kept for years', undefined],
      [second.materialId, 'CURRENT', 'IMPORTED', undefined, 'ON_DEMAND'],
    ]);
    await rejectsWith(kms.crypto.encrypt(CALLER, keyId, Buffer.from('x')), 'KMSInvalidStateException', `${view.arn} is pending import.`);
    await rejectsWith(kms.imports.deleteMaterial(CALLER, keyId, 'cd'.repeat(32)), 'NotFoundException');

    await importInto(keyId, a, { importType: 'EXISTING_KEY_MATERIAL', keyMaterialId: first.materialId });
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'Enabled');
    assert.equal((await list(keyId))[0]![3], 'kept for years');
    assert.equal(await text(old), 'old');
  });

  it('each material expires on its own: pending material just goes, permanent material makes the key PendingImport; KeyMetadata shows the earliest permanent ValidTo', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    const keyId = view.key.keyId;
    const first = await importInto(keyId, randomBytes(32), { validTo: now + 10 * DAY_MS });
    const pending = await importInto(keyId, randomBytes(32), { importType: 'NEW_KEY_MATERIAL', validTo: now + 2 * DAY_MS });
    assert.deepEqual(expirationOf((await kms.keys.describe(CALLER, keyId)).key), { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: now + 10 * DAY_MS });
    events.length = 0;
    now += 3 * DAY_MS;
    await kms.imports.expireDue();
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'Enabled');
    assert.deepEqual((await list(keyId)).map((r) => r[0]), [first.materialId]);
    assert.deepEqual(events.map((e) => [e.eventName, e.serviceEventDetails]), [['DeleteExpiredKeyMaterial', { keyId, keyMaterialId: pending.materialId }]]);
    now += 8 * DAY_MS;
    await kms.imports.expireDue();
    assert.equal((await kms.keys.describe(CALLER, keyId)).state, 'PendingImport');
  });

  it('keys other than symmetric encryption keys take no new material once they have some', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL', keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' });
    await importInto(view.key.keyId, randomBytes(32), { importType: 'NEW_KEY_MATERIAL' });
    await rejectsWith(importInto(view.key.keyId, randomBytes(32), { importType: 'NEW_KEY_MATERIAL' }), 'UnsupportedOperationException');
    await rejectsWith(kms.rotation.rotateOnDemand(CALLER, view.key.keyId), 'UnsupportedOperationException', '');
  });
});

describe('SM2 in the China Regions: the SM2 wrapping key with SM2PKE, and SM2 key pairs as imported material', () => {
  const CHINA = { ...CALLER, region: 'cn-north-1', principalArn: 'arn:aws-cn:iam::111122223333:root' };
  let deps: KmsDeps;
  let kms: KmsServices;
  before(() => {
    deps = kmsDeps(() => START);
    kms = createKmsServices(deps);
  });
  after(() => deps.store.close());

  const importSm2 = async (keyId: string, material: Buffer) => {
    const p = await kms.imports.parametersFor(CHINA, keyId, 'SM2PKE', 'SM2');
    const point = p.publicKey.subarray(p.publicKey.length - 65);
    return kms.imports.importMaterial(CHINA, {
      keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: sm2Encrypt(point, material, secureRandom),
      expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
  };

  it('symmetric material wrapped with SM2PKE encrypts and decrypts', async () => {
    const view = await kms.keys.create(CHINA, { origin: 'EXTERNAL' });
    await importSm2(view.key.keyId, randomBytes(32));
    const sealed = await kms.crypto.encrypt(CHINA, view.key.keyId, Buffer.from('wrapped with SM2'));
    assert.equal((await kms.crypto.decrypt(CHINA, sealed.ciphertext)).plaintext.toString(), 'wrapped with SM2');
  });

  it('an imported SM2 private key gives its own public key and signs with it', async () => {
    const view = await kms.keys.create(CHINA, { origin: 'EXTERNAL', keySpec: 'SM2', keyUsage: 'SIGN_VERIFY' });
    assert.equal(view.state, 'PendingImport');
    const pair = generateKeyPairSync('ec', { namedCurve: 'SM2' });
    await importSm2(view.key.keyId, pair.privateKey.export({ type: 'pkcs8', format: 'der' }));
    const { publicKey } = await kms.signing.publicKey(CHINA, view.key.keyId);
    assert.deepEqual(publicKey, pair.publicKey.export({ type: 'spki', format: 'der' }));
    const message = Buffer.from('signed in Beijing');
    const { signature } = await kms.signing.sign(CHINA, { keyId: view.key.keyId, message, algorithm: 'SM2DSA' });
    await kms.signing.verify(CHINA, { keyId: view.key.keyId, message, signature, algorithm: 'SM2DSA' });
    // Another curve's key is not SM2 material.
    const other = await kms.keys.create(CHINA, { origin: 'EXTERNAL', keySpec: 'SM2', keyUsage: 'SIGN_VERIFY' });
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'der' });
    await rejectsWith(importSm2(other.key.keyId, p256), 'IncorrectKeyMaterialException');
  });

  it('outside the China Regions there is no SM2 wrapping key', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL' });
    await rejectsWith(kms.imports.parametersFor(CALLER, view.key.keyId, 'SM2PKE', 'SM2'), 'UnsupportedOperationException', 'WrappingKeySpec SM2 is not supported in this Region.');
    await rejectsWith(kms.imports.parametersFor(CALLER, view.key.keyId, 'RSAES_PKCS1_V1_5', 'RSA_2048'), 'UnsupportedOperationException');
  });
});

describe('which key specs take imported material', () => {
  let deps: KmsDeps;
  let kms: KmsServices;
  before(() => {
    deps = kmsDeps(() => START);
    kms = createKmsServices(deps);
  });
  after(() => deps.store.close());

  it('an ECC_SECG_P256K1 private key signs as itself; Ed25519 and ML-DSA keys cannot be made for imported material', async () => {
    const view = await kms.keys.create(CALLER, { origin: 'EXTERNAL', keySpec: 'ECC_SECG_P256K1', keyUsage: 'SIGN_VERIFY' });
    const pair = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const p = await kms.imports.parametersFor(CALLER, view.key.keyId, 'RSAES_OAEP_SHA_256', 'RSA_3072');
    await kms.imports.importMaterial(CALLER, {
      keyId: view.key.keyId,
      importToken: p.importToken,
      encryptedKeyMaterial: wrap(p.publicKey, pair.privateKey.export({ type: 'pkcs8', format: 'der' })),
      expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    });
    const message = Buffer.from('signed on secp256k1');
    const { signature } = await kms.signing.sign(CALLER, { keyId: view.key.keyId, message, algorithm: 'ECDSA_SHA_256' });
    assert.ok(verify('sha256', message, pair.publicKey, signature));
    for (const keySpec of ['ECC_NIST_EDWARDS25519', 'ML_DSA_65'] as const) {
      await rejectsWith(kms.keys.create(CALLER, { origin: 'EXTERNAL', keySpec, keyUsage: 'SIGN_VERIFY' }), 'UnsupportedOperationException');
    }
  });
});
