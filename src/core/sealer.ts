import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { Random } from './random.js';

const IV = 12;
const TAG = 16;

/**
 * Encrypts secrets at rest under the service's root key (AES-256-GCM). The associated data binds
 * each sealed value to what it belongs to (a key id and version, a cluster id), so a sealed value
 * cannot be moved to another owner.
 */
export class Sealer {
  private readonly key: KeyObject;

  constructor(rootKey: Buffer, private readonly random: Random) {
    if (rootKey.length !== 32) throw new Error('the root key must be 32 bytes');
    this.key = createSecretKey(rootKey);
  }

  seal(data: Buffer, aad: string): Buffer {
    const iv = this.random.nonce(IV);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  }

  /** Throws if the value was altered, sealed for another owner, or under another root key. */
  open(sealed: Buffer, aad: string): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(IV, sealed.length - TAG)), decipher.final()]);
  }
}
