import { constants, createHash, privateDecrypt, privateEncrypt, publicDecrypt, publicEncrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { Random } from '../core/random.js';

// Signatures over a digest the caller computed (MessageType DIGEST). Node's crypto only signs
// messages it hashes itself, so RSA signatures are encoded here (EMSA-PKCS1-v1_5 and EMSA-PSS,
// RFC 8017) around Node's raw RSA operation, and ECDSA runs in @noble/curves, which signs a
// given digest. The results are the same signatures a RAW message with that digest gets.

export type DigestHash = 'sha256' | 'sha384' | 'sha512';

const HASH_LENGTH: Record<DigestHash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER DigestInfo up to the digest itself (RFC 8017, section 9.2, note 1). */
const DIGEST_INFO: Record<DigestHash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export function signPkcs1Digest(key: KeyObject, hash: DigestHash, digest: Buffer): Buffer {
  // Private-key "encryption" with PKCS #1 type 1 padding is exactly RSASSA-PKCS1-v1_5's signature primitive.
  return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[hash], digest]));
}

export function verifyPkcs1Digest(key: KeyObject, hash: DigestHash, digest: Buffer, signature: Buffer): boolean {
  // RFC 8017 8.2.2: a signature is exactly as long as the modulus. OpenSSL's public decryption
  // would take one a leading zero byte shorter as the same number.
  if (signature.length !== Math.ceil(key.asymmetricKeyDetails!.modulusLength! / 8)) return false;
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = Buffer.concat([DIGEST_INFO[hash], digest]);
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}

/** RSASSA-PSS with MGF1 over the same hash and a salt as long as the digest, as AWS signs. */
export function signPssDigest(key: KeyObject, hash: DigestHash, digest: Buffer, random: Random): Buffer {
  const modBits = key.asymmetricKeyDetails!.modulusLength!;
  const em = pssEncode(hash, digest, random.bytes(HASH_LENGTH[hash]), modBits - 1);
  return privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, leftPad(em, Math.ceil(modBits / 8)));
}

export function verifyPssDigest(key: KeyObject, hash: DigestHash, digest: Buffer, signature: Buffer): boolean {
  const modBits = key.asymmetricKeyDetails!.modulusLength!;
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) return false;
  let em: Buffer;
  try {
    // Fails for a signature not below the modulus, which is invalid anyway.
    em = publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emLen = Math.ceil((modBits - 1) / 8);
  if (em.length - emLen > 0 && em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false;
  return pssVerify(hash, digest, em.subarray(em.length - emLen), modBits - 1);
}

/** EMSA-PSS-ENCODE (RFC 8017, section 9.1.1). */
function pssEncode(hash: DigestHash, mHash: Buffer, salt: Buffer, emBits: number): Buffer {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[emLen - salt.length - hLen - 2] = 0x01;
  salt.copy(db, db.length - salt.length);
  xorInPlace(db, mgf1(hash, h, db.length));
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017, section 9.1.2) with the salt length fixed to the digest's. */
function pssVerify(hash: DigestHash, mHash: Buffer, em: Buffer, emBits: number): boolean {
  const hLen = HASH_LENGTH[hash];
  const emLen = em.length;
  if (emLen < 2 * hLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 0xff >> (8 * emLen - emBits);
  if ((db[0]! & ~topBits) !== 0) return false;
  xorInPlace(db, mgf1(hash, h, db.length));
  db[0]! &= topBits;
  const separator = emLen - 2 * hLen - 2;
  if (db.subarray(0, separator).some((b) => b !== 0) || db[separator] !== 0x01) return false;
  const salt = db.subarray(db.length - hLen);
  const expected = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  return timingSafeEqual(expected, h);
}

function mgf1(hash: DigestHash, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, made = 0; made < length; i++, made += HASH_LENGTH[hash]) {
    counter.writeUInt32BE(i);
    blocks.push(createHash(hash).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function xorInPlace(target: Buffer, mask: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= mask[i]!;
}

const leftPad = (b: Buffer, length: number) => (b.length >= length ? b : Buffer.concat([Buffer.alloc(length - b.length), b]));

// ECDSA over a digest.

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521, secp256k1 } as const;

/** The key's curve and its raw values, from the JWK Node exports. */
function ecKey(key: KeyObject): { curve: (typeof CURVES)[keyof typeof CURVES]; jwk: JsonWebKeyLike } {
  const jwk = key.export({ format: 'jwk' }) as JsonWebKeyLike;
  const curve = CURVES[jwk.crv as keyof typeof CURVES];
  if (!curve) throw new Error(`no ECDSA over a digest for curve ${jwk.crv}`);
  return { curve, jwk };
}

interface JsonWebKeyLike {
  crv: string;
  x: string;
  y: string;
  d?: string;
}

const b64url = (s: string) => Buffer.from(s, 'base64url');

/** A DER ECDSA signature of `digest` (no hashing), as RAW signing of a message with that digest gives. */
export function signEcdsaDigest(key: KeyObject, digest: Buffer): Buffer {
  const { curve, jwk } = ecKey(key);
  const secret = b64url(jwk.d!);
  try {
    return Buffer.from(curve.sign(digest, secret, { prehash: false, format: 'der', lowS: false }));
  } finally {
    secret.fill(0);
  }
}

export function verifyEcdsaDigest(key: KeyObject, digest: Buffer, signature: Buffer): boolean {
  const { curve, jwk } = ecKey(key);
  const point = Buffer.concat([Buffer.from([0x04]), b64url(jwk.x), b64url(jwk.y)]);
  try {
    // High-S signatures are valid ECDSA (OpenSSL makes them); only secp256k1's users forbid them.
    return curve.verify(signature, digest, point, { prehash: false, format: 'der', lowS: false });
  } catch {
    return false;
  }
}
