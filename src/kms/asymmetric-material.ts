import { createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import type { Random } from '../core/random.js';
import type { MaterialRecipe, MlDsaLevel } from './key-specs.js';

// Key pairs of the asymmetric key specs, in the encodings AWS uses at its edges: the private key
// as PKCS #8 DER (what the service's key backend seals), the public key as DER
// SubjectPublicKeyInfo (what GetPublicKey returns). Node's crypto makes and reads RSA, EC and
// Ed25519 keys; Node 20 has no ML-DSA, so those keys come from @noble/post-quantum and are
// encoded here.

export type KeyPairRecipe = Exclude<MaterialRecipe, { kind: 'aes' } | { kind: 'hmac' }>;

export interface KeyPairDer {
  /** PKCS #8 PrivateKeyInfo, DER. */
  privateKey: Buffer;
  /** SubjectPublicKeyInfo, DER. */
  publicKey: Buffer;
}

/** An ML-DSA private key ready to sign: the expanded key from its 32-byte seed, and its public key. */
export interface MlDsaPrivateKey {
  kind: 'ml-dsa';
  level: MlDsaLevel;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/**
 * An SM2 private key: its scalar and public point. Node's OpenSSL reads SM2 keys as a key type
 * Node cannot use, so the SM2 algorithms work on the raw values.
 */
export interface Sm2PrivateKey {
  kind: 'sm2';
  scalar: Uint8Array;
  /** Uncompressed: 04 || x || y. */
  point: Uint8Array;
}

/** A private key as the signing and decryption code uses it. */
export type PrivateKey = KeyObject | MlDsaPrivateKey | Sm2PrivateKey;
/** A public key as the verification code uses it: ML-DSA and SM2 keys are their raw encoding. */
export type PublicKey = KeyObject | { kind: 'ml-dsa'; level: MlDsaLevel; publicKey: Uint8Array } | { kind: 'sm2'; point: Uint8Array };

const DER = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } } as const;

/** Node's generateKeyPair with DER output, as a promise (its overloads defeat promisify's typing). */
function generateDer(type: 'rsa' | 'ec' | 'ed25519', options: Record<string, unknown>): Promise<KeyPairDer> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: Buffer, privateKey: Buffer) => (err ? reject(err) : resolve({ privateKey, publicKey }));
    (nodeGenerateKeyPair as unknown as (t: string, o: object, cb: typeof done) => void)(type, { ...options, ...DER }, done);
  });
}

/**
 * A new key pair. RSA and EC keys are generated on libuv's thread pool, so an RSA_4096 key
 * (around a second of work) does not stall the requests the server is answering meanwhile.
 */
export async function generateKeyPair(recipe: KeyPairRecipe, random: Random): Promise<KeyPairDer> {
  switch (recipe.kind) {
    case 'rsa':
      return generateDer('rsa', { modulusLength: recipe.modulusBits, publicExponent: 65537 });
    case 'ec':
      return generateDer('ec', { namedCurve: recipe.curve });
    case 'ed25519':
      return generateDer('ed25519', {});
    case 'ml-dsa': {
      const seed = random.bytes(ML_DSA_SEED_BYTES);
      const { publicKey } = mlDsa(recipe.level).keygen(seed);
      const pair = { privateKey: mlDsaPkcs8(recipe.level, seed), publicKey: mlDsaSpki(recipe.level, publicKey) };
      seed.fill(0);
      return pair;
    }
  }
}

/** Reads a private key this module encoded (its bytes are not kept: the caller zeroes them). */
export function privateKeyFromPkcs8(recipe: KeyPairRecipe, der: Buffer): PrivateKey {
  if (recipe.kind === 'ml-dsa') {
    const seed = der.subarray(der.length - ML_DSA_SEED_BYTES);
    const { secretKey, publicKey } = mlDsa(recipe.level).keygen(seed);
    return { kind: 'ml-dsa', level: recipe.level, secretKey, publicKey };
  }
  if (recipe.kind === 'ec' && recipe.curve === 'SM2') {
    // Node writes SEC 1's ECPrivateKey { version 1, privateKey OCTET STRING (32), [0] curve?, [1] public key }.
    const at = der.indexOf(SEC1_SCALAR_32);
    if (at < 0) throw new Error('not an SM2 private key of this service');
    const scalar = Uint8Array.from(der.subarray(at + SEC1_SCALAR_32.length, at + SEC1_SCALAR_32.length + 32));
    return { kind: 'sm2', scalar, point: Uint8Array.from(der.subarray(der.length - 65)) };
  }
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Reads a public key this module encoded. */
export function publicKeyFromSpki(recipe: KeyPairRecipe, der: Buffer): PublicKey {
  if (recipe.kind === 'ml-dsa') {
    return { kind: 'ml-dsa', level: recipe.level, publicKey: der.subarray(der.length - ML_DSA_PUBLIC_BYTES[recipe.level]) };
  }
  if (recipe.kind === 'ec' && recipe.curve === 'SM2') return { kind: 'sm2', point: der.subarray(der.length - 65) };
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

const SEC1_SCALAR_32 = Buffer.from([0x02, 0x01, 0x01, 0x04, 0x20]);

export const mlDsa = (level: MlDsaLevel) => (level === 44 ? ml_dsa44 : level === 65 ? ml_dsa65 : ml_dsa87);

// ML-DSA encodings (RFC 9881): the algorithm identifiers are id-ml-dsa-44/65/87 with absent
// parameters; the private key is kept in its 32-byte seed form, which is what OpenSSL and
// Python's cryptography write and read by default.

const ML_DSA_SEED_BYTES = 32;
const ML_DSA_PUBLIC_BYTES: Record<MlDsaLevel, number> = { 44: 1312, 65: 1952, 87: 2592 };
const ML_DSA_OID_LAST: Record<MlDsaLevel, number> = { 44: 0x11, 65: 0x12, 87: 0x13 };

/** SEQUENCE { OID 2.16.840.1.101.3.4.3.n } */
const algorithmIdentifier = (level: MlDsaLevel) =>
  Buffer.from([0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, ML_DSA_OID_LAST[level]]);

function mlDsaPkcs8(level: MlDsaLevel, seed: Uint8Array): Buffer {
  // PrivateKeyInfo { version 0, algorithm, privateKey OCTET STRING { seed [0] IMPLICIT OCTET STRING } }
  const inner = Buffer.concat([Buffer.from([0x04, 0x22, 0x80, 0x20]), seed]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x00]), algorithmIdentifier(level), inner]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function mlDsaSpki(level: MlDsaLevel, publicKey: Uint8Array): Buffer {
  const bits = Buffer.concat([Buffer.from([0x03, 0x82, 0, 0, 0x00]), publicKey]);
  bits.writeUInt16BE(publicKey.length + 1, 2);
  const body = Buffer.concat([algorithmIdentifier(level), bits]);
  const head = Buffer.from([0x30, 0x82, 0, 0]);
  head.writeUInt16BE(body.length, 2);
  return Buffer.concat([head, body]);
}
