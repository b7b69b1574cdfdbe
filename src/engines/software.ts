import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { Random } from '../core/random.js';
import type { Sealer } from '../core/sealer.js';
import { UnsealedKeys } from '../core/unsealed-keys.js';
import { EngineAuthError, type GeneratedKey, type HsmEngine, type MaterialRef } from '../cluster/hsm-engine.js';

const SIZES = new Set([16, 24, 32]);

/**
 * The default engine: key material is random AES key bytes sealed under the service's root key
 * and kept in the key object itself; the cryptography runs in-process. The seal's associated
 * data is the key object's `id` attribute and nothing about the cluster, so the copy of a key
 * object that a backup carries into another cluster still opens there, as on real HSMs.
 */
export class SoftwareEngine implements HsmEngine {
  readonly name = 'software';

  /** `unsealed` is the service's one cache of opened keys (app.ts shares it with KMS's own keys). */
  constructor(
    private readonly sealer: Sealer,
    private readonly rng: Random,
    private readonly unsealed = new UnsealedKeys(sealer),
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
    this.unsealed.forget(aad(ref.objectId));
  }

  async random(n: number): Promise<Buffer> {
    return this.rng.bytes(n);
  }

  private key(ref: MaterialRef): KeyObject {
    try {
      return this.unsealed.open(aad(ref.objectId), ref.material, (raw) => createSecretKey(raw));
    } catch {
      throw new Error(`the material of key object ${ref.objectId} does not open under this service's root key`);
    }
  }
}

const aad = (objectId: string) => `hsm-key/${objectId}`;
const gcm = (key: KeyObject) => `aes-${key.symmetricKeySize! * 8}-gcm` as 'aes-256-gcm';

/** The key check value CloudHSM shows: the first 3 bytes of AES-ECB over one zero block, hex. */
export function checkValue(raw: Buffer): string {
  const cipher = createCipheriv(`aes-${raw.length * 8}-ecb`, raw, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]).subarray(0, 3).toString('hex');
}
