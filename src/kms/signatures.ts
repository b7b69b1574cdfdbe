import { constants, KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import type { Random } from '../core/random.js';
import { mlDsa, type PrivateKey, type PublicKey } from './asymmetric-material.js';
import { signEcdsaDigest, signPkcs1Digest, signPssDigest, verifyEcdsaDigest, verifyPkcs1Digest, verifyPssDigest } from './digest-signatures.js';
import { SIGNING_ALGORITHMS, type MessageType, type SigningAlgorithm } from './key-specs.js';
import { sm2MessageDigest, sm2Sign, sm2Verify } from './sm2.js';

// The signature algorithms of KMS, one function each way. The caller has checked that the key,
// the algorithm and the message type belong together and that the message has the right length.
// RSA, ECDSA and Ed25519 over messages run in Node's crypto; what Node 20 lacks runs in @noble:
// ML-DSA, Ed25519ph, and ECDSA over a caller's digest (digest-signatures.ts).

export function createSignature(algorithm: SigningAlgorithm, key: PrivateKey, message: Buffer, type: MessageType, random: Random): Buffer {
  const entry = SIGNING_ALGORITHMS[algorithm];
  if (!(key instanceof KeyObject)) {
    if (key.kind === 'ml-dsa') {
      const dsa = mlDsa(key.level);
      return Buffer.from(type === 'EXTERNAL_MU' ? dsa.internal.sign(message, key.secretKey, { externalMu: true }) : dsa.sign(message, key.secretKey));
    }
    return sm2Sign(key.scalar, type === 'DIGEST' ? message : sm2MessageDigest(key.point, message), random);
  }
  const digest = type === 'DIGEST';
  switch (entry.scheme) {
    case 'rsa-pkcs1':
      return digest ? signPkcs1Digest(key, hashOf(entry), message) : nodeSign(entry.hash!, message, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss':
      return digest ? signPssDigest(key, hashOf(entry), message, random) : nodeSign(entry.hash!, message, pss(key));
    case 'ecdsa':
      return digest ? signEcdsaDigest(key, message) : nodeSign(entry.hash!, message, key);
    case 'ed25519':
      return nodeSign(null, message, key);
    case 'ed25519ph':
      return withEd25519Seed(key, (seed) => Buffer.from(ed25519ph.sign(message, seed)));
    default:
      throw new Error(`${algorithm} does not sign with ${key.asymmetricKeyType} keys`);
  }
}

/** Whether `signature` is a valid signature of the message; malformed signatures are simply invalid. */
export function checkSignature(algorithm: SigningAlgorithm, key: PublicKey, message: Buffer, type: MessageType, signature: Buffer): boolean {
  const entry = SIGNING_ALGORITHMS[algorithm];
  if (!(key instanceof KeyObject)) {
    if (key.kind === 'ml-dsa') {
      const dsa = mlDsa(key.level);
      try {
        return type === 'EXTERNAL_MU'
          ? dsa.internal.verify(signature, message, key.publicKey, { externalMu: true })
          : dsa.verify(signature, message, key.publicKey);
      } catch {
        return false;
      }
    }
    return sm2Verify(key.point, type === 'DIGEST' ? message : sm2MessageDigest(key.point, message), signature);
  }
  const digest = type === 'DIGEST';
  try {
    switch (entry.scheme) {
      case 'rsa-pkcs1':
        return digest
          ? verifyPkcs1Digest(key, hashOf(entry), message, signature)
          : nodeVerify(entry.hash!, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'rsa-pss':
        return digest ? verifyPssDigest(key, hashOf(entry), message, signature) : nodeVerify(entry.hash!, message, pss(key), signature);
      case 'ecdsa':
        return digest ? verifyEcdsaDigest(key, message, signature) : nodeVerify(entry.hash!, message, key, signature);
      case 'ed25519':
        return nodeVerify(null, message, key, signature);
      case 'ed25519ph': {
        const raw = Buffer.from((key.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
        return ed25519ph.verify(signature, message, raw);
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** AWS's RSASSA-PSS: MGF1 with the message digest's hash, salt as long as the digest. */
const pss = (key: KeyObject) => ({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });

const hashOf = (entry: (typeof SIGNING_ALGORITHMS)[SigningAlgorithm]) => entry.hash as 'sha256' | 'sha384' | 'sha512';

/** Ed25519ph needs the key's 32-byte seed, which Node exposes only through JWK. */
function withEd25519Seed<T>(key: KeyObject, use: (seed: Buffer) => T): T {
  const seed = Buffer.from((key.export({ format: 'jwk' }) as { d: string }).d, 'base64url');
  try {
    return use(seed);
  } finally {
    seed.fill(0);
  }
}
