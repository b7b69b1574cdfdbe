import { createHash, timingSafeEqual } from 'node:crypto';
import type { Random } from '../core/random.js';
import { SM2_ORDER as N, SM2Point as Point } from './sm2.js';

// SM2PKE (GB/T 32918.4), AWS's encryption algorithm for SM2 keys in the China Regions. Node's
// OpenSSL has the SM2 curve and SM3 but no SM2 encryption Node can call, so the point arithmetic
// is @noble/curves' and the scheme is written out here. The ciphertext is GM/T 0009's DER
// SEQUENCE { x1 INTEGER, y1 INTEGER, C3 OCTET STRING, C2 OCTET STRING } (C1C3C2), which is what
// OpenSSL's `pkeyutl -encrypt` writes and reads for SM2 keys.

type CurvePoint = InstanceType<typeof Point>;

const COORDINATE_BYTES = 32;
const SM3_BYTES = 32;

/** Encrypts `plaintext` to the public point (uncompressed SEC 1, 65 bytes). */
export function sm2Encrypt(publicPoint: Uint8Array, plaintext: Buffer, random: Random): Buffer {
  const recipient = Point.fromBytes(publicPoint);
  recipient.assertValidity();
  for (;;) {
    // 40 random bytes reduced mod n: the bias is below 2^-64.
    const k = bigIntOf(random.bytes(40)) % N;
    if (k === 0n) continue;
    const c1 = Point.BASE.multiply(k);
    const shared = recipient.multiply(k);
    const mask = kdf(shared, plaintext.length);
    if (mask === undefined) continue;
    const c2 = xor(plaintext, mask);
    mask.fill(0);
    return encodeCiphertext(c1, digest(shared, plaintext), c2);
  }
}

/** The plaintext, or undefined when the ciphertext is malformed or was not made for this key. */
export function sm2Decrypt(scalar: Uint8Array, ciphertext: Buffer): Buffer | undefined {
  const parts = decodeCiphertext(ciphertext);
  if (parts === undefined || parts.c3.length !== SM3_BYTES || parts.c2.length === 0) return undefined;
  let c1: CurvePoint;
  try {
    c1 = Point.fromAffine({ x: parts.x, y: parts.y });
    c1.assertValidity();
  } catch {
    return undefined;
  }
  const shared = c1.multiply(bigIntOf(scalar));
  const mask = kdf(shared, parts.c2.length);
  if (mask === undefined) return undefined;
  const plaintext = xor(parts.c2, mask);
  mask.fill(0);
  if (!timingSafeEqual(digest(shared, plaintext), parts.c3)) {
    plaintext.fill(0);
    return undefined;
  }
  return plaintext;
}

/** KDF(x2 || y2, klen) of GB/T 32918.4 over SM3; undefined when it is all zeros (the scheme then starts over). */
function kdf(shared: CurvePoint, length: number): Buffer | undefined {
  const z = Buffer.concat([coordinate(shared.x), coordinate(shared.y)]);
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let ct = 1; blocks.length * SM3_BYTES < length; ct++) {
    counter.writeUInt32BE(ct);
    blocks.push(createHash('sm3').update(z).update(counter).digest());
  }
  const mask = Buffer.concat(blocks).subarray(0, length);
  z.fill(0);
  return mask.some((b) => b !== 0) ? mask : undefined;
}

/** C3 = SM3(x2 || M || y2). */
const digest = (shared: CurvePoint, plaintext: Buffer): Buffer =>
  createHash('sm3').update(coordinate(shared.x)).update(plaintext).update(coordinate(shared.y)).digest();

function xor(data: Buffer, mask: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ mask[i]!;
  return out;
}

const coordinate = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(COORDINATE_BYTES * 2, '0'), 'hex');
const bigIntOf = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);

// The ASN.1 of GM/T 0009's SM2Cipher, in DER. Only what the one structure needs: definite
// lengths, non-negative INTEGERs, OCTET STRINGs.

function encodeCiphertext(c1: CurvePoint, c3: Buffer, c2: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([tlv(0x02, derInteger(c1.x)), tlv(0x02, derInteger(c1.y)), tlv(0x04, c3), tlv(0x04, c2)]));
}

function decodeCiphertext(der: Buffer): { x: bigint; y: bigint; c3: Buffer; c2: Buffer } | undefined {
  const outer = readTlv(der, 0);
  if (outer === undefined || outer.tag !== 0x30 || outer.end !== der.length) return undefined;
  const fields: Buffer[] = [];
  let at = outer.start;
  for (const tag of [0x02, 0x02, 0x04, 0x04]) {
    const field = readTlv(der, at);
    if (field === undefined || field.tag !== tag || field.end > outer.end) return undefined;
    fields.push(der.subarray(field.start, field.end));
    at = field.end;
  }
  if (at !== outer.end) return undefined;
  const [x, y, c3, c2] = fields as [Buffer, Buffer, Buffer, Buffer];
  // Coordinates are positive and below p, so at most 33 bytes with a sign byte.
  if (x.length === 0 || y.length === 0 || x.length > COORDINATE_BYTES + 1 || y.length > COORDINATE_BYTES + 1) return undefined;
  if ((x[0]! & 0x80) !== 0 || (y[0]! & 0x80) !== 0) return undefined;
  return { x: bigIntOf(x), y: bigIntOf(y), c3, c2 };
}

function derInteger(n: bigint): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = Buffer.from(hex, 'hex');
  return bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
}

function tlv(tag: number, body: Buffer): Buffer {
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function readTlv(der: Buffer, at: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > der.length) return undefined;
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 2 || start + bytes > der.length) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = (length << 8) | der[start + i]!;
    start += bytes;
  }
  const end = start + length;
  return end <= der.length ? { tag, start, end } : undefined;
}
