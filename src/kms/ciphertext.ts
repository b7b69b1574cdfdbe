import { InvalidCiphertextException } from './errors.js';

/**
 * Keywarden's ciphertext blob (docs/ciphertext.md):
 *
 *   offset  size  field
 *   0       1     format version: 0x01 for a key id that is a UUID, 0x02 for a multi-Region key's `mrk-…` id
 *   1       16    key id (the UUID's 16 bytes, or the 32 hex digits after `mrk-`)
 *   17      4     key material version, unsigned big-endian (0: the backing key in a custom key store's cluster)
 *   21      12    AES-GCM initialisation vector
 *   33      n     AES-256-GCM ciphertext
 *   33+n    16    AES-GCM authentication tag
 *
 * The 33 header bytes and the canonical encryption context are the GCM associated data, so a
 * changed byte anywhere, or a different context, fails authentication.
 */
export const FORMAT_VERSION = 1;
/**
 * The same layout for multi-Region keys, whose ids are `mrk-` and 32 hex digits: the 16 bytes
 * alone cannot tell the two id shapes apart, the first byte does.
 */
export const MRK_FORMAT_VERSION = 2;
const MRK_PREFIX = 'mrk-';
export const HEADER_LENGTH = 33;
export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;
export const OVERHEAD = HEADER_LENGTH + TAG_LENGTH;
/**
 * The material version of every ciphertext made with a key in a custom key store. Such a key has
 * one material, its backing key in the cluster, and is never rotated; its own versions start at 1.
 */
export const CLUSTER_MATERIAL_VERSION = 0;

export interface CiphertextHeader {
  keyId: string;
  materialVersion: number;
  iv: Buffer;
}

export interface ParsedCiphertext extends CiphertextHeader {
  header: Buffer;
  body: Buffer;
  tag: Buffer;
}

export function encodeHeader(h: CiphertextHeader): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH);
  const mrk = h.keyId.startsWith(MRK_PREFIX);
  out[0] = mrk ? MRK_FORMAT_VERSION : FORMAT_VERSION;
  const hex = mrk ? h.keyId.slice(MRK_PREFIX.length) : h.keyId.replace(/-/g, '');
  out.write(hex, 1, 16, 'hex');
  out.writeUInt32BE(h.materialVersion, 17);
  h.iv.copy(out, 21);
  return out;
}

export function parseCiphertext(blob: Buffer): ParsedCiphertext {
  if (blob.length < OVERHEAD + 1 || (blob[0] !== FORMAT_VERSION && blob[0] !== MRK_FORMAT_VERSION)) {
    // AWS answers a blob it cannot parse as it answers any other bad ciphertext: the name alone.
    throw new InvalidCiphertextException('');
  }
  const hex = blob.toString('hex', 1, 17);
  const keyId =
    blob[0] === MRK_FORMAT_VERSION ? MRK_PREFIX + hex : `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return {
    keyId,
    materialVersion: blob.readUInt32BE(17),
    iv: blob.subarray(21, HEADER_LENGTH),
    header: blob.subarray(0, HEADER_LENGTH),
    body: blob.subarray(HEADER_LENGTH, blob.length - TAG_LENGTH),
    tag: blob.subarray(blob.length - TAG_LENGTH),
  };
}

/**
 * The encryption context as bytes: pairs sorted by key (code-unit order), each written as
 * length-prefixed UTF-8, so that no two different contexts share an encoding.
 */
export function canonicalContext(context: Record<string, string> | undefined): Buffer {
  if (!context) return EMPTY;
  const keys = Object.keys(context);
  if (keys.length === 0) return EMPTY;
  keys.sort();
  const parts: Buffer[] = [];
  for (const k of keys) {
    parts.push(lengthPrefixed(k), lengthPrefixed(context[k]!));
  }
  return Buffer.concat(parts);
}

const EMPTY = Buffer.alloc(0);

function lengthPrefixed(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(4 + body.length);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

/** AWS sends this error with no message whatever the cause, so no answer tells which check failed. */
export const invalidCiphertext = () => new InvalidCiphertextException('');
