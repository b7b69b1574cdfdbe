import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { Random } from '../core/random.js';
import type { Sealer } from '../core/sealer.js';
import { EngineAuthError, type GeneratedKey, type HsmEngine, type MaterialRef } from '../cluster/hsm-engine.js';

const CACHE_LIMIT = 10_000;
const SIZES = new Set([16, 24, 32]);

/**
 * The default engine: key material is random AES key bytes sealed under the service's root key
 * and kept in the key object itself; the cryptography runs in-process. The seal's associated
 * data is the key object's `id` attribute and nothing about the cluster, so the copy of a key
 * object that a backup carries into another cluster still opens there, as on real HSMs.
 */
export class SoftwareEngine implements HsmEngine {
  readonly name = 'software';
  private readonly cache = new Map<string, KeyObject>();

  constructor(
    private readonly sealer: Sealer,
    private readonly rng: Random,
  ) {}

  async generateAesKey(objectId: string, sizeBytes: number): Promise<GeneratedKey> {
    if (!SIZES.has(sizeBytes)) throw new RangeError(`AES keys are 16, 24 or 32 bytes, not ${sizeBytes}`);
    const raw = this.rng.bytes(sizeBytes);
    try {
      const material = this.sealer.seal(raw, aad(objectId)).toString('base64');
      return { material, checkValue: checkValue(raw) };
    } finally {
      raw.fill(0);
    }
  }

  async encrypt(ref: MaterialRef, plaintext: Buffer, iv: Buffer, associated: Buffer): Promise<{ ciphertext: Buffer; tag: Buffer }> {
    const key = this.key(ref);
    const cipher = createCipheriv(gcm(key), key, iv);
    cipher.setAAD(associated);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ciphertext, tag: cipher.getAuthTag() };
  }

  async decrypt(ref: MaterialRef, ciphertext: Buffer, iv: Buffer, associated: Buffer, tag: Buffer): Promise<Buffer> {
    const key = this.key(ref);
    try {
      const decipher = createDecipheriv(gcm(key), key, iv);
      decipher.setAAD(associated);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    } catch {
      throw new EngineAuthError('the ciphertext, its tag or its associated data do not verify under this key');
    }
  }

  /** The material lives in the key object (and in backups); there is nothing to release. */
  async destroy(ref: MaterialRef): Promise<void> {
    this.cache.delete(cacheKey(ref));
  }

  async random(n: number): Promise<Buffer> {
    return this.rng.bytes(n);
  }

  /** Unsealed keys stay in a bounded cache so the hot path does one AES-GCM operation, not two. */
  private key(ref: MaterialRef): KeyObject {
    const id = cacheKey(ref);
    let key = this.cache.get(id);
    if (key) return key;
    let raw: Buffer;
    try {
      raw = this.sealer.open(Buffer.from(ref.material, 'base64'), aad(ref.objectId));
    } catch {
      throw new Error(`the material of key object ${ref.objectId} does not open under this service's root key`);
    }
    key = createSecretKey(raw);
    raw.fill(0);
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(id, key);
    return key;
  }
}

const aad = (objectId: string) => `hsm-key/${objectId}`;
const cacheKey = (ref: MaterialRef) => `${ref.objectId}/${ref.material}`;
const gcm = (key: KeyObject) => `aes-${key.symmetricKeySize! * 8}-gcm` as 'aes-256-gcm';

/** The key check value CloudHSM shows: the first 3 bytes of AES-ECB over one zero block, hex. */
export function checkValue(raw: Buffer): string {
  const cipher = createCipheriv(`aes-${raw.length * 8}-ecb`, raw, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]).subarray(0, 3).toString('hex');
}
