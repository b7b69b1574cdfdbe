import { constants, createPublicKey, privateDecrypt, publicEncrypt, KeyObject } from 'node:crypto';
import { ValidationException } from '../core/common-errors.js';
import type { Random } from '../core/random.js';
import { publicKeyFromSpki, type KeyPairRecipe, type PrivateKey } from './asymmetric-material.js';
import { keySpecEntry, oaepPlaintextLimit, SM2PKE_PLAINTEXT_LIMIT, type EncryptionAlgorithm, type KeySpec } from './key-specs.js';
import { sm2Decrypt, sm2Encrypt } from './sm2-encryption.js';

// Encryption with the key pairs of ENCRYPT_DECRYPT keys: RSAES-OAEP for RSA keys, SM2PKE for SM2
// keys. The ciphertext is the scheme's own output and nothing else (AWS's asymmetric ciphertexts
// carry no metadata), so a ciphertext anyone made with the public key decrypts here, and
// Decrypt must be told the key and the algorithm.

export type AsymmetricEncryptionAlgorithm = Exclude<EncryptionAlgorithm, 'SYMMETRIC_DEFAULT'>;

/** The most bytes `algorithm` encrypts under a key of `spec`, as AWS documents for Encrypt. */
export function plaintextLimit(spec: KeySpec, algorithm: AsymmetricEncryptionAlgorithm): number {
  if (algorithm === 'SM2PKE') return SM2PKE_PLAINTEXT_LIMIT;
  const recipe = keySpecEntry(spec).material;
  if (recipe.kind !== 'rsa') throw new Error(`${algorithm} needs an RSA key, not ${spec}`);
  return oaepPlaintextLimit(recipe.modulusBits, algorithm);
}

export function checkPlaintextLength(spec: KeySpec, algorithm: AsymmetricEncryptionAlgorithm, plaintext: Buffer): void {
  const limit = plaintextLimit(spec, algorithm);
  if (plaintext.length > limit) {
    throw new ValidationException(`Algorithm ${algorithm} and key spec ${spec} cannot encrypt data larger than ${limit} bytes.`);
  }
}

/**
 * The standard asymmetric schemes have no associated data, so AWS takes no encryption context
 * with them. An empty context is no context (it changes nothing in a symmetric ciphertext either).
 */
export function checkNoEncryptionContext(member: string, context: Record<string, string> | undefined): void {
  if (context !== undefined && Object.keys(context).length > 0) {
    throw new ValidationException(`${member} is not supported with asymmetric KMS keys: RSAES_OAEP and SM2PKE ciphertexts cannot bind an encryption context.`);
  }
}

const OAEP_HASH: Record<'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256', string> = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' };

/** Encrypts with a key's public key (SubjectPublicKeyInfo DER), as anyone holding it could. */
export function encryptWithPublicKey(
  recipe: KeyPairRecipe,
  publicKeyDer: Buffer,
  algorithm: AsymmetricEncryptionAlgorithm,
  plaintext: Buffer,
  random: Random,
): Buffer {
  if (algorithm === 'SM2PKE') {
    const key = publicKeyFromSpki(recipe, publicKeyDer);
    if (key instanceof KeyObject || key.kind !== 'sm2') throw new Error('SM2PKE needs an SM2 public key');
    return sm2Encrypt(key.point, plaintext, random);
  }
  // MGF1 uses the OAEP digest too: that is what RSAES_OAEP_SHA_256 means at AWS.
  const key = createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, plaintext);
}

/** The plaintext, or undefined when the ciphertext was not made with this key and algorithm (or was altered). */
export function decryptWithPrivateKey(privateKey: PrivateKey, algorithm: AsymmetricEncryptionAlgorithm, ciphertext: Buffer): Buffer | undefined {
  if (algorithm === 'SM2PKE') {
    if (privateKey instanceof KeyObject || privateKey.kind !== 'sm2') return undefined;
    return sm2Decrypt(privateKey.scalar, ciphertext);
  }
  if (!(privateKey instanceof KeyObject) || privateKey.asymmetricKeyType !== 'rsa') return undefined;
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[algorithm] }, ciphertext);
  } catch {
    return undefined;
  }
}
