import assert from 'node:assert/strict';
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { secureRandom } from '../core/random.js';
import { UnsupportedOperationException } from './errors.js';
import { checkWrapping, newWrappingKeyPair, unwrapMaterial, type WrappingAlgorithm } from './import-wrapping.js';
import { sm2Encrypt } from './sm2-encryption.js';

/** What a client does with the public key for each algorithm (AWS's documented procedures). */
function wrap(algorithm: WrappingAlgorithm, spki: Buffer, material: Buffer): Buffer {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const oaep = (data: Buffer) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return oaep(material);
  const aesKey = randomBytes(32);
  const kw = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([oaep(aesKey), kw.update(material), kw.final()]);
}

describe('unwrapping imported key material', async () => {
  const pair = await newWrappingKeyPair('RSA_2048');
  const privateKey = pair.privateKey;
  const algorithms: WrappingAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'];

  it('gives back the material each algorithm wrapped, of any length the key specs allow', () => {
    for (const algorithm of algorithms) {
      for (const length of [28, 32, 64, 128]) {
        if (algorithm.startsWith('RSAES_OAEP') && length > 190) continue;
        const material = randomBytes(length);
        assert.deepEqual(unwrapMaterial(algorithm, privateKey, wrap(algorithm, pair.publicKey, material)), material, `${algorithm} ${length}`);
      }
    }
  });

  it('refuses material wrapped with another algorithm, another key or altered on the way', async () => {
    const material = randomBytes(32);
    assert.equal(unwrapMaterial('RSAES_OAEP_SHA_1', privateKey, wrap('RSAES_OAEP_SHA_256', pair.publicKey, material)), undefined);
    assert.equal(unwrapMaterial('RSA_AES_KEY_WRAP_SHA_256', privateKey, wrap('RSAES_OAEP_SHA_256', pair.publicKey, material)), undefined);
    const other = await newWrappingKeyPair('RSA_2048');
    assert.equal(unwrapMaterial('RSAES_OAEP_SHA_256', privateKey, wrap('RSAES_OAEP_SHA_256', other.publicKey, material)), undefined);
    const bent = wrap('RSA_AES_KEY_WRAP_SHA_256', pair.publicKey, material);
    bent[bent.length - 1]! ^= 1;
    assert.equal(unwrapMaterial('RSA_AES_KEY_WRAP_SHA_256', privateKey, bent), undefined);
    assert.equal(unwrapMaterial('RSAES_PKCS1_V1_5', privateKey, wrap('RSAES_OAEP_SHA_256', pair.publicKey, material)), undefined);
  });

  it('makes RSA pairs of the wrapping key spec, a new one each time', async () => {
    const b = await newWrappingKeyPair('RSA_2048');
    assert.notDeepEqual(b.publicKey, pair.publicKey);
    assert.equal(createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
    const big = await newWrappingKeyPair('RSA_3072');
    assert.equal(createPublicKey({ key: big.publicKey, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 3072);
  });

  it('offers the RSA wrapping key specs with the OAEP-based algorithms everywhere, never RSAES_PKCS1_V1_5', () => {
    for (const region of ['us-east-1', 'cn-north-1']) {
      assert.doesNotThrow(() => checkWrapping('RSA_AES_KEY_WRAP_SHA_1', 'RSA_4096', region));
      assert.doesNotThrow(() => checkWrapping('RSAES_OAEP_SHA_256', 'RSA_2048', region));
      assert.throws(() => checkWrapping('RSAES_PKCS1_V1_5', 'RSA_2048', region), UnsupportedOperationException);
    }
  });

  it('offers the SM2 wrapping key spec, with SM2PKE and only with it, in the China Regions alone', () => {
    assert.doesNotThrow(() => checkWrapping('SM2PKE', 'SM2', 'cn-north-1'));
    assert.doesNotThrow(() => checkWrapping('SM2PKE', 'SM2', 'cn-northwest-1'));
    assert.throws(() => checkWrapping('SM2PKE', 'SM2', 'us-east-1'), /WrappingKeySpec SM2 is not supported in this Region/);
    assert.throws(() => checkWrapping('SM2PKE', 'RSA_2048', 'us-east-1'), /SM2PKE is not supported in this Region/);
    assert.throws(() => checkWrapping('RSAES_OAEP_SHA_256', 'SM2', 'cn-north-1'), UnsupportedOperationException);
    assert.throws(() => checkWrapping('SM2PKE', 'RSA_3072', 'cn-north-1'), UnsupportedOperationException);
  });

  it('SM2PKE: material SM2-encrypted to the SM2 wrapping public key comes back; to another key it does not', async () => {
    const sm2 = await newWrappingKeyPair('SM2');
    const point = sm2.publicKey.subarray(sm2.publicKey.length - 65);
    assert.equal(point[0], 0x04);
    for (const length of [32, 64, 1300]) {
      const material = randomBytes(length);
      assert.deepEqual(unwrapMaterial('SM2PKE', sm2.privateKey, sm2Encrypt(point, material, secureRandom)), material, `${length}`);
    }
    const other = await newWrappingKeyPair('SM2');
    const elsewhere = sm2Encrypt(other.publicKey.subarray(other.publicKey.length - 65), randomBytes(32), secureRandom);
    assert.equal(unwrapMaterial('SM2PKE', sm2.privateKey, elsewhere), undefined);
    assert.equal(unwrapMaterial('SM2PKE', sm2.privateKey, randomBytes(120)), undefined);
  });
});
