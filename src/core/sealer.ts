import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { Random } from './random.js';

const IV = 12;
const TAG = 16;

/** AES-256-GCM under a root key that the service never holds: a key inside an HSM. */
export interface SealingKey {
  encrypt(iv: Buffer, aad: Buffer, data: Buffer): { ciphertext: Buffer; tag: Buffer };
  /** Throws if the tag does not verify. */
  decrypt(iv: Buffer, aad: Buffer, ciphertext: Buffer, tag: Buffer): Buffer;
}

/**
 * Encrypts secrets at rest under the service's root key (AES-256-GCM). The associated data binds
 * each sealed value to what it belongs to (a key id and version, a cluster id), so a sealed value
 * cannot be moved to another owner. The root key is 32 bytes in memory, or a key in an HSM that
 * does the same AES-GCM (`--root-key pkcs11`); the sealed format is the same.
 */
export class Sealer {
  private readonly key: KeyObject | undefined;
  private readonly external: SealingKey | undefined;

  constructor(rootKey: Buffer | SealingKey, private readonly random: Random) {
    if (Buffer.isBuffer(rootKey)) {
      if (rootKey.length !== 32) throw new Error('the root key must be 32 bytes');
      this.key = createSecretKey(rootKey);
    } else {
      this.external = rootKey;
    }
  }

  seal(data: Buffer, aad: string): Buffer {
    const iv = this.random.nonce(IV);
    if (this.external) {
      const out = this.external.encrypt(iv, Buffer.from(aad), data);
      return Buffer.concat([iv, out.ciphertext, out.tag]);
    }
    const cipher = createCipheriv('aes-256-gcm', this.key!, iv);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  }

  /** Throws if the value was altered, sealed for another owner, or under another root key. */
  open(sealed: Buffer, aad: string): Buffer {
    const iv = sealed.subarray(0, IV);
    const tag = sealed.subarray(sealed.length - TAG);
    const body = sealed.subarray(IV, sealed.length - TAG);
    if (this.external) return this.external.decrypt(iv, Buffer.from(aad), body, tag);
    const decipher = createDecipheriv('aes-256-gcm', this.key!, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  }
}
