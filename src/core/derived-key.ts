import { hkdfSync } from 'node:crypto';

/**
 * A 256-bit key for one purpose, derived from a secret with HKDF-SHA-256 (no salt, the label as
 * its info): the root key's secrets for grant and import tokens, and the keys those secrets give.
 * The same secret and label always give the same key, so what was made with it survives restarts.
 */
export function derivedKey(secret: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32));
}
