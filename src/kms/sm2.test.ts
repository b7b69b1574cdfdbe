import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createECDH, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { sm2MessageDigest, sm2Sign, sm2Verify } from './sm2.js';

function keyPair() {
  const ecdh = createECDH('SM2');
  ecdh.generateKeys();
  return { scalar: ecdh.getPrivateKey(), point: ecdh.getPublicKey() };
}

test('SM2DSA signatures verify, and a changed message or signature does not', () => {
  const { scalar, point } = keyPair();
  const e = sm2MessageDigest(point, Buffer.from('message'));
  const signature = sm2Sign(scalar, e, secureRandom);
  assert.ok(sm2Verify(point, e, signature));
  assert.ok(!sm2Verify(point, sm2MessageDigest(point, Buffer.from('messagE')), signature));
  const flipped = Buffer.from(signature);
  flipped[flipped.length - 1]! ^= 1;
  assert.ok(!sm2Verify(point, e, flipped));
  assert.ok(!sm2Verify(point, e, Buffer.from('junk')));
  assert.ok(!sm2Verify(keyPair().point, e, signature));
});

test('OpenSSL verifies SM2DSA signatures with the default distinguishing ID, SM3 and the public key alone', () => {
  const { scalar, point } = keyPair();
  const message = Buffer.from('signed in a China Region');
  const signature = sm2Sign(scalar, sm2MessageDigest(point, message), secureRandom);
  // SubjectPublicKeyInfo: id-ecPublicKey on the SM2 curve.
  const spki = Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex'), point]);
  const dir = mkdtempSync(join(tmpdir(), 'kw-sm2-'));
  try {
    writeFileSync(join(dir, 'pub.pem'), createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(dir, 'msg'), message);
    writeFileSync(join(dir, 'sig'), signature);
    const args = ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-rawin', '-digest', 'sm3', '-in', join(dir, 'msg'), '-sigfile', join(dir, 'sig')];
    const out = execFileSync('openssl', [...args, '-pkeyopt', 'distid:1234567812345678'], { encoding: 'utf8', timeout: 10_000 });
    assert.match(out, /Signature Verified Successfully/);
    assert.throws(() => execFileSync('openssl', [...args, '-pkeyopt', 'distid:another', ], { stdio: 'pipe', timeout: 10_000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
