import { createCipheriv, createDecipheriv, type KeyObject, createSecretKey } from 'node:crypto';
import type { Random } from '../core/random.js';
import type { Sealer } from '../core/sealer.js';
import { InvalidCiphertextException } from './errors.js';
import { canonicalContext, encodeHeader, IV_LENGTH, parseCiphertext, TAG_LENGTH } from './ciphertext.js';
import type { KeyMaterial } from './key.js';

const CACHE_LIMIT = 10_000;

/**
 * Holds the root key, wraps and unwraps key material under it, and performs the symmetric
 * cryptography with a key's material. Unwrapped material stays in a bounded in-memory cache so
 * the hot path (Encrypt, Decrypt) does one AES-GCM operation, not two.
 */
export class KeyVault {
  private readonly cache = new Map<string, KeyObject>();

  constructor(
    private readonly sealer: Sealer,
    private readonly random: Random,
  ) {}

  /** New random AES-256 material for a key, wrapped for storage. */
  newMaterial(keyId: string, version: number, now: number): KeyMaterial {
    const material = this.random.bytes(32);
    const wrapped = this.sealer.seal(material, `${keyId}/${version}`);
    material.fill(0);
    return { version, materialId: this.random.bytes(32).toString('hex'), wrapped: wrapped.toString('base64'), createdAt: now };
  }

  encrypt(keyId: string, material: KeyMaterial, plaintext: Buffer, context?: Record<string, string>): Buffer {
    const iv = this.random.nonce(IV_LENGTH);
    const header = encodeHeader({ keyId, materialVersion: material.version, iv });
    const cipher = createCipheriv('aes-256-gcm', this.unwrap(keyId, material), iv);
    const aad = canonicalContext(context);
    cipher.setAAD(aad.length ? Buffer.concat([header, aad]) : header);
    const body = cipher.update(plaintext);
    const tail = cipher.final();
    return Buffer.concat([header, body, tail, cipher.getAuthTag()]);
  }

  decrypt(keyId: string, material: KeyMaterial, blob: Buffer, context?: Record<string, string>): Buffer {
    const parsed = parseCiphertext(blob);
    const decipher = createDecipheriv('aes-256-gcm', this.unwrap(keyId, material), parsed.iv);
    const aad = canonicalContext(context);
    decipher.setAAD(aad.length ? Buffer.concat([parsed.header, aad]) : parsed.header);
    decipher.setAuthTag(parsed.tag);
    try {
      return Buffer.concat([decipher.update(parsed.body), decipher.final()]);
    } catch {
      throw invalidCiphertext();
    }
  }

  private unwrap(keyId: string, material: KeyMaterial): KeyObject {
    const id = `${keyId}/${material.version}`;
    let key = this.cache.get(id);
    if (key) return key;
    const raw = this.sealer.open(Buffer.from(material.wrapped, 'base64'), id);
    key = createSecretKey(raw);
    raw.fill(0);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, key);
    return key;
  }
}

export const invalidCiphertext = () => new InvalidCiphertextException('The ciphertext is invalid or was altered, or the encryption context does not match.');
