import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PASSWORD, hsmFixture, KMSUSER_PASSWORD, SCOPE, type HsmFixture } from '../../test/support/hsm-fixture.js';
import { FIRST_HANDLE } from './content.js';
import { type HsmFailure, isHsmError } from './hsm-errors.js';
import { keyReference, parseKeyFilter } from './key-objects.js';

const ID = 'cluster-testabcdefg';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const refused = (reason: HsmFailure, type?: string) => (err: unknown) =>
  isHsmError(err) && err.reason === reason && (type === undefined || err.type === type);

async function withKeys(body: (f: HsmFixture, s: { admin: string; kms: string; bob: string }) => Promise<void>) {
  const f = await hsmFixture();
  try {
    await f.activateWithKmsuser();
    const admin = await f.login('admin', ADMIN_PASSWORD, 'admin');
    await f.users.create(SCOPE, ID, admin, { username: 'bob', role: 'crypto-user', password: 'BobPassword1' });
    await body(f, { admin, kms: await f.login('kmsuser', KMSUSER_PASSWORD), bob: await f.login('bob', 'BobPassword1') });
  } finally {
    f.close();
  }
}

test('filters: key-reference, attr.id in hex or as text, attr.label with or without quotes', () => {
  assert.deepEqual(parseKeyFilter(['key-reference=0x0000000000040012']), { handle: 0x40012 });
  assert.deepEqual(parseKeyFilter(['key-reference=262162']), { handle: 262162 });
  assert.deepEqual(parseKeyFilter(['attr.id=0x1A2B3C4D5E6F7A8B']), { id: '1a2b3c4d5e6f7a8b' });
  assert.deepEqual(parseKeyFilter(['attr.id=abc']), { id: '616263' }, 'without 0x the characters are the bytes');
  assert.deepEqual(parseKeyFilter([`attr.label="${ARN}"`, 'attr.class=secret-key', 'attr.key-type=aes']), {
    label: ARN,
    keyClass: 'secret-key',
    keyType: 'aes',
  });
  assert.deepEqual(parseKeyFilter([]), {});
  for (const bad of [['label=x'], ['attr.colour=red'], ['attr.id=0xabc'], ['key-reference=0xzz'], ['=x']]) {
    assert.throws(() => parseKeyFilter(bad), refused('INVALID_INPUT'), bad[0]);
  }
});

test('key-reference is the handle as 0x and 16 hex digits', () => {
  assert.equal(keyReference(0x1c0686), '0x00000000001c0686');
});

test('create: an AES-256 key owned by the crypto user, with a random 8-byte id and the next handle', () =>
  withKeys(async (f, { admin, kms }) => {
    const a = await f.keys.create(SCOPE, ID, kms, { label: ARN });
    const b = await f.keys.create(SCOPE, ID, kms, { label: 'second', id: 'c0ffee00c0ffee00', sizeBytes: 16 });
    assert.deepEqual([a.handle, b.handle], [FIRST_HANDLE, FIRST_HANDLE + 1]);
    assert.match(a.id, /^[0-9a-f]{16}$/);
    assert.equal(b.id, 'c0ffee00c0ffee00');
    assert.deepEqual([a.owner, a.keyClass, a.keyType, a.sizeBytes, a.extractable, a.engine], ['kmsuser', 'secret-key', 'aes', 32, false, 'software']);
    assert.match(a.checkValue, /^[0-9a-f]{6}$/);
    await assert.rejects(f.keys.create(SCOPE, ID, admin, { label: 'x' }), refused('PERMISSION_DENIED'));
    await assert.rejects(f.keys.create(SCOPE, ID, kms, { label: 'x', sizeBytes: 20 }), refused('INVALID_INPUT'));
    await assert.rejects(f.keys.create(SCOPE, ID, kms, { label: 'x'.repeat(128) }), refused('INVALID_INPUT'));
  }));

test('list: a crypto user sees the keys it owns or shares, an admin sees all; filters narrow', () =>
  withKeys(async (f, { admin, kms, bob }) => {
    const a = await f.keys.create(SCOPE, ID, kms, { label: ARN });
    const b = await f.keys.create(SCOPE, ID, kms, { label: 'other' });
    const c = await f.keys.create(SCOPE, ID, bob, { label: 'bobs' });
    const handles = async (session: string, filter = {}) => (await f.keys.list(SCOPE, ID, session, filter)).map((k) => k.handle);
    assert.deepEqual(await handles(kms), [a.handle, b.handle]);
    assert.deepEqual(await handles(bob), [c.handle]);
    assert.deepEqual(await handles(admin), [a.handle, b.handle, c.handle]);
    assert.deepEqual(await handles(kms, parseKeyFilter([`attr.label=${ARN}`])), [a.handle]);
    assert.deepEqual(await handles(kms, parseKeyFilter([`attr.id=0x${b.id}`])), [b.handle]);
    assert.deepEqual(await handles(kms, parseKeyFilter([`key-reference=${keyReference(c.handle)}`])), [], 'not visible to kmsuser');
    assert.deepEqual(await handles(kms, parseKeyFilter([`attr.label=${ARN}`, `attr.id=0x${b.id}`])), [], 'every attribute must match');
    assert.equal((await f.keys.get(SCOPE, ID, kms, a.handle)).label, ARN);
    await assert.rejects(f.keys.get(SCOPE, ID, kms, c.handle), refused('KEY_ACCESS_DENIED'));
    await assert.rejects(f.keys.get(SCOPE, ID, kms, 1), refused('KEY_NOT_FOUND', 'HsmNotFound'));
  }));

test('delete: only the owner deletes, exactly one key, found by id, label or key reference', () =>
  withKeys(async (f, { admin, kms, bob }) => {
    const a = await f.keys.create(SCOPE, ID, kms, { label: 'same' });
    const b = await f.keys.create(SCOPE, ID, kms, { label: 'same' });
    await assert.rejects(f.keys.remove(SCOPE, ID, kms, parseKeyFilter(['attr.label=same'])), refused('AMBIGUOUS_FILTER'));
    await assert.rejects(f.keys.remove(SCOPE, ID, kms, {}), refused('AMBIGUOUS_FILTER'));
    await assert.rejects(f.keys.remove(SCOPE, ID, bob, parseKeyFilter([`key-reference=${keyReference(a.handle)}`])), refused('KEY_ACCESS_DENIED', 'HsmAccessDenied'));
    await assert.rejects(f.keys.remove(SCOPE, ID, bob, parseKeyFilter([`attr.id=0x${a.id}`])), refused('KEY_NOT_FOUND'));
    await assert.rejects(f.keys.remove(SCOPE, ID, admin, parseKeyFilter([`attr.id=0x${a.id}`])), refused('KEY_ACCESS_DENIED'));
    await assert.rejects(f.keys.remove(SCOPE, ID, kms, parseKeyFilter(['key-reference=0x1'])), refused('KEY_NOT_FOUND'));
    assert.equal((await f.keys.remove(SCOPE, ID, kms, parseKeyFilter([`attr.id=0x${a.id}`]))).handle, a.handle);
    assert.deepEqual((await f.keys.list(SCOPE, ID, kms)).map((k) => k.handle), [b.handle]);
    assert.equal((await f.keys.remove(SCOPE, ID, kms, parseKeyFilter([`key-reference=${keyReference(b.handle)}`]))).handle, b.handle);
    assert.deepEqual(await f.keys.list(SCOPE, ID, kms), []);
  }));

test('findAllKeys: an admin lists the keys of one user by user id', () =>
  withKeys(async (f, { admin, kms, bob }) => {
    const a = await f.keys.create(SCOPE, ID, kms, { label: 'a' });
    await f.keys.create(SCOPE, ID, bob, { label: 'b' });
    const kmsuserId = (await f.users.list(SCOPE, ID)).find((u) => u.username === 'kmsuser')!.userId;
    assert.deepEqual((await f.keys.ofUser(SCOPE, ID, admin, kmsuserId)).map((k) => [k.key.handle, k.shared]), [[a.handle, false]]);
    await assert.rejects(f.keys.ofUser(SCOPE, ID, kms, kmsuserId), refused('PERMISSION_DENIED'));
    await assert.rejects(f.keys.ofUser(SCOPE, ID, admin, 99), refused('USER_NOT_FOUND'));
  }));

test('crypto: AES-GCM inside the cluster with a key object; tampering and deletion are reported by reason', () =>
  withKeys(async (f, { admin, kms, bob }) => {
    const key = await f.keys.create(SCOPE, ID, kms, { label: ARN });
    const aad = Buffer.from('context');
    const sealed = await f.crypto.encrypt(SCOPE, ID, kms, key.id, Buffer.from('data key'), aad);
    assert.equal(sealed.iv.length, 12);
    assert.equal((await f.crypto.decrypt(SCOPE, ID, kms, `0x${key.id.toUpperCase()}`, sealed, aad)).toString(), 'data key');
    await assert.rejects(f.crypto.decrypt(SCOPE, ID, kms, key.id, sealed, Buffer.from('other')), refused('INVALID_CIPHERTEXT'));
    await assert.rejects(f.crypto.encrypt(SCOPE, ID, bob, key.id, Buffer.from('x')), refused('KEY_ACCESS_DENIED'));
    await assert.rejects(f.crypto.encrypt(SCOPE, ID, admin, key.id, Buffer.from('x')), refused('PERMISSION_DENIED'));
    assert.equal((await f.crypto.random(SCOPE, ID, kms, 32)).length, 32);
    await f.keys.remove(SCOPE, ID, kms, { id: key.id });
    await assert.rejects(f.crypto.decrypt(SCOPE, ID, kms, key.id, sealed, aad), refused('KEY_NOT_FOUND'));
  }));

test('crypto: a copy of the content in another cluster (a restored backup) decrypts what the original encrypted', () =>
  withKeys(async (f, { kms }) => {
    const key = await f.keys.create(SCOPE, ID, kms, { label: ARN });
    const sealed = await f.crypto.encrypt(SCOPE, ID, kms, key.id, Buffer.from('survives'));
    const snapshot = structuredClone(await f.store.contents.get(ID));
    await f.keys.remove(SCOPE, ID, kms, { id: key.id });
    await f.addCluster('cluster-restoredabcd', 'ACTIVE', 1, { sourceBackupId: 'backup-abcdefghijk' });
    await f.store.contents.put('cluster-restoredabcd', snapshot!);
    const restored = await f.login('kmsuser', KMSUSER_PASSWORD, 'crypto-user', 'cluster-restoredabcd');
    assert.equal((await f.crypto.decrypt(SCOPE, 'cluster-restoredabcd', restored, key.id, sealed)).toString(), 'survives');
  }));

test('crypto: needs a cluster with an ACTIVE HSM', () =>
  withKeys(async (f, { kms }) => {
    const key = await f.keys.create(SCOPE, ID, kms, { label: ARN });
    await f.setHsms(ID, []);
    await assert.rejects(f.crypto.encrypt(SCOPE, ID, kms, key.id, Buffer.from('x')), refused('NO_ACTIVE_HSM'));
  }));
