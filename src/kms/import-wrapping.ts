import { constants, createDecipheriv, generateKeyPair, privateDecrypt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { UnsupportedOperationException } from './errors.js';

// The wrapping side of importing key material: the RSA key pair a client encrypts its material
// to, and the unwrap that reverses what the client did for each WrappingAlgorithm.

export type WrappingAlgorithm = 'RSAES_PKCS1_V1_5' | 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256' | 'SM2PKE';
export type WrappingKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096' | 'SM2';

/** RFC 5649's alternative initial value, which Node takes as the cipher's IV. */
const RFC5649_IV = Buffer.from('a65959a6', 'hex');

const MODULUS_BITS: Partial<Record<WrappingKeySpec, number>> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/** The RSA wrapping algorithms this service unwraps (SM2PKE is for China Regions only). */
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

/** Throws AWS's refusal for a wrapping key spec or algorithm this service does not offer. */
export function checkWrapping(algorithm: WrappingAlgorithm, spec: WrappingKeySpec): void {
  if (MODULUS_BITS[spec] === undefined) throw new UnsupportedOperationException(`WrappingKeySpec ${spec} is not supported in this Region.`);
  if (OAEP_HASH[algorithm] === undefined) throw new UnsupportedOperationException(`WrappingAlgorithm ${algorithm} is not supported.`);
}

/**
 * A fresh wrapping key pair: each GetParametersForImport call gets its own. Made off the event
 * loop: an RSA_4096 pair can take a second, during which other requests must still be served.
 */
export async function newWrappingKeyPair(spec: WrappingKeySpec): Promise<WrappingKeyPair> {
  const pair = await promisify(generateKeyPair)('rsa', { modulusLength: MODULUS_BITS[spec]! });
  return {
    publicKey: pair.publicKey.export({ type: 'spki', format: 'der' }),
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
  };
}

/**
 * The key material in `wrapped`, or undefined when it was not wrapped with this pair's public key
 * and algorithm. RSAES_OAEP_*: the material is RSA-OAEP encrypted (MGF1 with the same hash).
 * RSA_AES_KEY_WRAP_*: RSA-OAEP encrypts a 256-bit AES key (the first modulus-length bytes), and
 * that key wraps the material with AES key wrap with padding (RFC 5649) in the rest.
 */
export function unwrapMaterial(algorithm: WrappingAlgorithm, privateKey: KeyObject, wrapped: Buffer): Buffer | undefined {
  const hash = OAEP_HASH[algorithm];
  if (!hash) return undefined;
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
