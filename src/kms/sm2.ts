import { createHash } from 'node:crypto';
import { weierstrass, DER } from '@noble/curves/abstract/weierstrass.js';
import type { Random } from '../core/random.js';

// SM2DSA (GB/T 32918.2), AWS's signing algorithm for SM2 keys in the China Regions. Node's
// OpenSSL has the SM2 curve and SM3 but Node reaches neither as SM2 signatures, so the point
// arithmetic is @noble/curves' and the scheme is written out here. Signatures are DER
// SEQUENCE { r, s }, as AWS returns them and OpenSSL verifies them.

const P = 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn;
const A = 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn;
const B = 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n;
export const SM2_ORDER = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;
const GX = 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n;
const GY = 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n;

/** The SM2 curve's points (GB/T 32918.5), shared by signing and encryption. */
export const SM2Point = weierstrass({ p: P, n: SM2_ORDER, h: 1n, a: A, b: B, Gx: GX, Gy: GY });

/** The distinguishing ID KMS uses (GM/T 0009's default), and so what offline verifiers must use. */
export const SM2_DEFAULT_ID = Buffer.from('1234567812345678');

const be32 = (n: bigint) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');
const toBigInt = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const mod = (a: bigint) => ((a % SM2_ORDER) + SM2_ORDER) % SM2_ORDER;

/** Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA): the signer's identity, hashed into every signature. */
function identityHash(point: Uint8Array): Buffer {
  const entl = Buffer.alloc(2);
  entl.writeUInt16BE(SM2_DEFAULT_ID.length * 8);
  return createHash('sm3')
    .update(entl)
    .update(SM2_DEFAULT_ID)
    .update(Buffer.concat([be32(A), be32(B), be32(GX), be32(GY)]))
    .update(point.subarray(1))
    .digest();
}

/** e = SM3(Z || M): what MessageType DIGEST hands over instead of the message. */
export function sm2MessageDigest(point: Uint8Array, message: Buffer): Buffer {
  return createHash('sm3').update(identityHash(point)).update(message).digest();
}

export function sm2Sign(scalar: Uint8Array, digest: Buffer, random: Random): Buffer {
  const d = toBigInt(scalar);
  const e = toBigInt(digest);
  const inverse = invert(mod(1n + d));
  for (;;) {
    const k = mod(toBigInt(random.bytes(40)));
    if (k === 0n) continue;
    const r = mod(e + SM2Point.BASE.multiply(k).x);
    if (r === 0n || r + k === SM2_ORDER) continue;
    const s = mod(inverse * (k - r * d));
    if (s === 0n) continue;
    return Buffer.from(DER.hexFromSig({ r, s }), 'hex');
  }
}

export function sm2Verify(point: Uint8Array, digest: Buffer, signature: Buffer): boolean {
  try {
    const { r, s } = DER.toSig(signature);
    if (r < 1n || r >= SM2_ORDER || s < 1n || s >= SM2_ORDER) return false;
    const t = mod(r + s);
    if (t === 0n) return false;
    const pub = SM2Point.fromBytes(point);
    const x1 = SM2Point.BASE.mulAddUnsafe(s, pub, t).x;
    return mod(toBigInt(digest) + x1) === r;
  } catch {
    return false;
  }
}

/** a^-1 mod SM2_ORDER (SM2_ORDER is prime): Fermat. */
function invert(a: bigint): bigint {
  let result = 1n;
  let base = a;
  for (let e = SM2_ORDER - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % SM2_ORDER;
    base = (base * base) % SM2_ORDER;
  }
  return result;
}
