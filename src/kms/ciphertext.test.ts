import { Sealer } from '../core/sealer.js';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { canonicalContext, encodeHeader, HEADER_LENGTH, OVERHEAD, parseCiphertext } from './ciphertext.js';
import { InvalidCiphertextException } from './errors.js';
import { KeyVault } from './key-vault.js';

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

test('a sealed blob opens only with its context, and any changed byte fails', () => {
  const vault = new KeyVault(new Sealer(randomBytes(32), secureRandom), secureRandom);
  const material = vault.newMaterial(KEY_ID, 1, 0);
  const plaintext = Buffer.from('attack at dawn');
  const blob = vault.encrypt(KEY_ID, material, plaintext, { purpose: 'test' });
  assert.equal(blob.length, plaintext.length + OVERHEAD);
  assert.deepEqual(vault.decrypt(KEY_ID, material, blob, { purpose: 'test' }), plaintext);
  assert.throws(() => vault.decrypt(KEY_ID, material, blob, { purpose: 'other' }), InvalidCiphertextException);
  assert.throws(() => vault.decrypt(KEY_ID, material, blob), InvalidCiphertextException);
  for (let i = 0; i < blob.length; i++) {
    const altered = Buffer.from(blob);
    altered[i]! ^= 0x01;
    assert.throws(() => vault.decrypt(KEY_ID, material, altered, { purpose: 'test' }), InvalidCiphertextException, `byte ${i}`);
  }
});

test('material wrapped under one root key does not open under another', () => {
  const a = new KeyVault(new Sealer(randomBytes(32), secureRandom), secureRandom);
  const b = new KeyVault(new Sealer(randomBytes(32), secureRandom), secureRandom);
  const material = a.newMaterial(KEY_ID, 1, 0);
  assert.throws(() => b.encrypt(KEY_ID, material, Buffer.from('x')));
});
