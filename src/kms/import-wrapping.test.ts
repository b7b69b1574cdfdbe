import assert from 'node:assert/strict';
import { constants, createCipheriv, createPrivateKey, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { UnsupportedOperationException } from './errors.js';
import { checkWrapping, newWrappingKeyPair, unwrapMaterial, type WrappingAlgorithm } from './import-wrapping.js';

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
  const privateKey = createPrivateKey({ key: pair.privateKey, format: 'der', type: 'pkcs8' });
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

  it('offers only the RSA wrapping key specs and the OAEP-based algorithms', () => {
    assert.doesNotThrow(() => checkWrapping('RSA_AES_KEY_WRAP_SHA_1', 'RSA_4096'));
    assert.throws(() => checkWrapping('RSAES_OAEP_SHA_256', 'SM2'), UnsupportedOperationException);
    assert.throws(() => checkWrapping('RSAES_PKCS1_V1_5', 'RSA_2048'), UnsupportedOperationException);
  });
});
