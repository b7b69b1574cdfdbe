import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { CALLER, kmsDeps } from '../../test/support/kms-deps.js';
import { canonicalContext, encodeHeader, HEADER_LENGTH, OVERHEAD, parseCiphertext } from './ciphertext.js';
import { InvalidCiphertextException } from './errors.js';
import { createKmsServices } from './services.js';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

test('the header round-trips key id, material version and IV', () => {
  const iv = randomBytes(12);
  const header = encodeHeader({ keyId: KEY_ID, materialVersion: 258, iv });
  assert.equal(header.length, HEADER_LENGTH);
  assert.equal(header[0], 1);
  const parsed = parseCiphertext(Buffer.concat([header, Buffer.alloc(17)]));
  assert.equal(parsed.keyId, KEY_ID);
  assert.equal(parsed.materialVersion, 258);
  assert.deepEqual(parsed.iv, iv);
});

test('a multi-Region key id round-trips with format version 2, a UUID with version 1', () => {
  const mrk = 'mrk-1234abcd12ab34cd56ef1234567890ab';
  const header = encodeHeader({ keyId: mrk, materialVersion: 3, iv: randomBytes(12) });
  assert.equal(header.length, HEADER_LENGTH);
  assert.equal(header[0], 2);
  assert.equal(header.toString('hex', 1, 17), mrk.slice(4));
  assert.equal(parseCiphertext(Buffer.concat([header, Buffer.alloc(17)])).keyId, mrk);
  // The same 16 bytes under the other version byte name the UUID key, not the multi-Region one.
  const asUuid = Buffer.concat([header, Buffer.alloc(17)]);
  asUuid[0] = 1;
  assert.equal(parseCiphertext(asUuid).keyId, '1234abcd-12ab-34cd-56ef-1234567890ab');
});

test('short blobs and unknown format versions are InvalidCiphertextException', () => {
  assert.throws(() => parseCiphertext(Buffer.alloc(OVERHEAD)), InvalidCiphertextException);
  const blob = Buffer.concat([encodeHeader({ keyId: KEY_ID, materialVersion: 1, iv: randomBytes(12) }), Buffer.alloc(20)]);
  for (const version of [0, 3, 0xff]) {
    blob[0] = version;
    assert.throws(() => parseCiphertext(blob), InvalidCiphertextException);
  }
});

test('the canonical context ignores key order and distinguishes every context', () => {
  assert.deepEqual(canonicalContext({ a: '1', b: '2' }), canonicalContext({ b: '2', a: '1' }));
  assert.equal(canonicalContext({}).length, 0);
  assert.equal(canonicalContext(undefined).length, 0);
  assert.notDeepEqual(canonicalContext({ ab: 'c' }), canonicalContext({ a: 'bc' }));
  assert.notDeepEqual(canonicalContext({ a: 'b' }), canonicalContext({ a: 'B' }));
});

test('a sealed blob opens only with its context, and any changed byte fails', async () => {
  const kms = createKmsServices(kmsDeps(() => Date.UTC(2026, 0, 1)));
  const { keyId } = (await kms.keys.create(CALLER, {})).key;
  const plaintext = Buffer.from('attack at dawn');
  const blob = (await kms.crypto.encrypt(CALLER, keyId, plaintext, { purpose: 'test' })).ciphertext;
  assert.equal(blob.length, plaintext.length + OVERHEAD);
  assert.deepEqual((await kms.crypto.decrypt(CALLER, blob, { purpose: 'test' })).plaintext, plaintext);
  await assert.rejects(kms.crypto.decrypt(CALLER, blob, { purpose: 'other' }), InvalidCiphertextException);
  await assert.rejects(kms.crypto.decrypt(CALLER, blob), InvalidCiphertextException);
  for (let i = 0; i < blob.length; i++) {
    const altered = Buffer.from(blob);
    altered[i]! ^= 0x01;
    await assert.rejects(kms.crypto.decrypt(CALLER, altered, { purpose: 'test' }), InvalidCiphertextException, `byte ${i}`);
  }
});
