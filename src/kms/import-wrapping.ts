import { constants, createDecipheriv, createPrivateKey, generateKeyPair, privateDecrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { UnsupportedOperationException } from './errors.js';
import { privateKeyFromPkcs8, type Sm2PrivateKey } from './asymmetric-material.js';
import { CHINA_REGIONS } from './key-specs.js';
import { sm2Decrypt } from './sm2-encryption.js';

// The wrapping side of importing key material: the key pair a client encrypts its material to,
// and the unwrap that reverses what the client did for each WrappingAlgorithm.

export type WrappingAlgorithm = 'RSAES_PKCS1_V1_5' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256' | 'SM2PKE';
export type WrappingKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'SM2';

/** RFC 5649's alternative initial value, which Node takes as the cipher's IV. */
const RFC5649_IV = Buffer.from('a65959a6', 'hex');

const MODULUS_BITS: Partial<Record<WrappingKeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/**
 * The RSA wrapping algorithms and their OAEP hash. RSAES_PKCS1_V1_5 is not among them: AWS has
 * refused it since 10 October 2023, in every Region.
 */
const OAEP_HASH: Partial<Record<WrappingAlgorithm, 'sha1' | 'sha256'>> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
  RSA_AES_KEY_WRAP_SHA_1: 'sha1',
  RSA_AES_KEY_WRAP_SHA_256: 'sha256',
};

export interface WrappingKeyPair {
  /** DER SubjectPublicKeyInfo: what GetParametersForImport returns as PublicKey. */
  publicKey: Buffer;
  /** DER PKCS #8. */
  privateKey: Buffer;
}

/**
 * Throws AWS's refusal for a wrapping key spec or algorithm this service does not offer in the
 * caller's Region. The SM2 wrapping key spec and SM2PKE exist only in the China Regions, and only
 * with each other; the RSA key specs go with the RSA algorithms everywhere.
 */
export function checkWrapping(algorithm: WrappingAlgorithm, spec: WrappingKeySpec, region: string): void {
  if (algorithm === 'RSAES_PKCS1_V1_5') {
    throw new UnsupportedOperationException('WrappingAlgorithm RSAES_PKCS1_V1_5 is no longer supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.');
  }
  const china = CHINA_REGIONS.includes(region);
  if (spec === 'SM2' || algorithm === 'SM2PKE') {
    if (!china) {
      throw new UnsupportedOperationException(`${spec === 'SM2' ? 'WrappingKeySpec SM2' : 'WrappingAlgorithm SM2PKE'} is not supported in this Region.`);
    }
    if (spec !== 'SM2' || algorithm !== 'SM2PKE') {
      throw new UnsupportedOperationException(`WrappingAlgorithm ${algorithm} cannot be used with WrappingKeySpec ${spec}: the SM2 wrapping key spec goes with SM2PKE only.`);
    }
  }
}

/**
 * A fresh wrapping key pair: each GetParametersForImport call gets its own. Made off the event
 * loop: an RSA_4096 pair can take a second, during which other requests must still be served.
 */
export async function newWrappingKeyPair(spec: WrappingKeySpec): Promise<WrappingKeyPair> {
  const pair =
    spec === 'SM2'
      ? await promisify(generateKeyPair)('ec', { namedCurve: 'SM2' })
      : await promisify(generateKeyPair)('rsa', { modulusLength: MODULUS_BITS[spec]! });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
  };
}

/**
 * The key material in `wrapped`, or undefined when it was not wrapped with this pair's public key
 * and algorithm. RSAES_OAEP_*: the material is RSA-OAEP encrypted (MGF1 with the same hash).
 * RSA_AES_KEY_WRAP_*: RSA-OAEP encrypts a 256-bit AES key (the first modulus-length bytes), and
 * that key wraps the material with AES key wrap with padding (RFC 5649) in the rest. SM2PKE: the
 * material is SM2-encrypted (GB/T 32918.4), as `openssl pkeyutl -encrypt` does with an SM2 key.
 */
export function unwrapMaterial(algorithm: WrappingAlgorithm, privateKeyDer: Buffer, wrapped: Buffer): Buffer | undefined {
  if (algorithm === 'SM2PKE') {
    const sm2 = privateKeyFromPkcs8({ kind: 'ec', curve: 'SM2' }, privateKeyDer) as Sm2PrivateKey;
    try {
      return sm2Decrypt(sm2.scalar, wrapped);
    } finally {
      sm2.scalar.fill(0);
    }
  }
  const hash = OAEP_HASH[algorithm];
  if (!hash) return undefined;
  const privateKey = createPrivateKey({ key: privateKeyDer, format: 'der', type: 'pkcs8' });
  const oaep = (data: Buffer) => privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
  try {
    if (algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256') return oaep(wrapped);
    const modulusBytes = privateKey.asymmetricKeyDetails!.modulusLength! / 8;
    if (wrapped.length <= modulusBytes) return undefined;
    const aesKey = oaep(wrapped.subarray(0, modulusBytes));
    try {
      if (aesKey.length !== 32) return undefined;
      const decipher = createDecipheriv('id-aes256-wrap-pad', aesKey, RFC5649_IV);
      return Buffer.concat([decipher.update(wrapped.subarray(modulusBytes)), decipher.final()]);
    } finally {
      aesKey.fill(0);
    }
  } catch {
    return undefined;
  }
}
