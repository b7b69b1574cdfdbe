import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { secureRandom } from '../core/random.js';
import { generateKeyPair, privateKeyFromPkcs8, type Sm2PrivateKey } from './asymmetric-material.js';
import { sm2Decrypt, sm2Encrypt } from './sm2-encryption.js';

const SM2 = { kind: 'ec', curve: 'SM2' } as const;

describe('SM2PKE', () => {
  let dir: string;
  let key: Sm2PrivateKey;
  let other: Sm2PrivateKey;
  let pkcs8: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-sm2pke-'));
    const pair = await generateKeyPair(SM2, secureRandom);
    pkcs8 = Buffer.from(pair.privateKey);
    key = privateKeyFromPkcs8(SM2, pair.privateKey) as Sm2PrivateKey;
    other = privateKeyFromPkcs8(SM2, (await generateKeyPair(SM2, secureRandom)).privateKey) as Sm2PrivateKey;
    assert.ok(!(key instanceof KeyObject) && key.kind === 'sm2');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** `openssl pkeyutl` with the key pair in PEM files; returns its output bytes. */
  function openssl(args: string[], input: Buffer): Buffer {
    const pem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(join(dir, 'key.pem'), pem);
    const pub = spawnSync('openssl', ['pkey', '-in', join(dir, 'key.pem'), '-pubout', '-out', join(dir, 'pub.pem')]);
    assert.equal(pub.status, 0, pub.stderr.toString());
    writeFileSync(join(dir, 'in'), input);
    const r = spawnSync('openssl', ['pkeyutl', ...args, '-in', join(dir, 'in'), '-out', join(dir, 'out')], { cwd: dir, timeout: 10_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    return readFileSync(join(dir, 'out'));
  }

  it('round-trips every length up to the 1024 bytes AWS allows, in the C1C3C2 DER layout', () => {
    for (const n of [1, 31, 32, 33, 1024]) {
      const plaintext = secureRandom.bytes(n);
      const ciphertext = sm2Encrypt(key.point, plaintext, secureRandom);
      assert.equal(ciphertext[0], 0x30, 'a DER SEQUENCE');
      assert.deepEqual(sm2Decrypt(key.scalar, ciphertext), plaintext);
    }
  });

  it('refuses another key, an altered byte anywhere, and bytes that are no ciphertext', () => {
    const ciphertext = sm2Encrypt(key.point, Buffer.from('attack at dawn'), secureRandom);
    assert.equal(sm2Decrypt(other.scalar, ciphertext), undefined);
    for (const at of [5, ciphertext.length - 40, ciphertext.length - 1]) {
      const altered = Buffer.from(ciphertext);
      altered[at]! ^= 0x01;
      assert.equal(sm2Decrypt(key.scalar, altered), undefined, `byte ${at}`);
    }
    assert.equal(sm2Decrypt(key.scalar, Buffer.from('not a ciphertext')), undefined);
    assert.equal(sm2Decrypt(key.scalar, Buffer.concat([ciphertext, Buffer.from([0])])), undefined);
    assert.equal(sm2Decrypt(key.scalar, Buffer.alloc(0)), undefined);
  });

  it('interoperates with OpenSSL in both directions', () => {
    const message = Buffer.from('sm2 across implementations');
    const fromOpenssl = openssl(['-encrypt', '-pubin', '-inkey', join(dir, 'pub.pem')], message);
    assert.deepEqual(sm2Decrypt(key.scalar, fromOpenssl), message);
    const ours = sm2Encrypt(key.point, message, secureRandom);
    assert.deepEqual(openssl(['-decrypt', '-inkey', join(dir, 'key.pem')], ours), message);
  });
});
