import { createCipheriv, createDecipheriv, type KeyObject, createSecretKey } from 'node:crypto';
import type { Random } from '../core/random.js';
import type { Sealer } from '../core/sealer.js';
import { UnsealedKeys } from '../core/unsealed-keys.js';
import { InvalidCiphertextException } from './errors.js';
import { canonicalContext, encodeHeader, IV_LENGTH, parseCiphertext, TAG_LENGTH } from './ciphertext.js';
import type { KeyMaterial } from './key.js';
import { generateKeyPair } from './asymmetric-material.js';
import type { KeySpecEntry } from './key-specs.js';

/**
 * Holds the root key, wraps and unwraps key material under it, and performs the symmetric
 * cryptography with a key's material. Unwrapped material stays in the service's one cache of
 * unsealed keys (core/unsealed-keys.ts) so
 * the hot path (Encrypt, Decrypt, Sign) does one operation with the key, not two.
 */
export class KeyVault {
  constructor(
    private readonly sealer: Sealer,
    private readonly random: Random,
    private readonly unsealed = new UnsealedKeys(sealer),
  ) {}

  /** New random AES-256 material for a key, wrapped for storage. */
  newMaterial(keyId: string, version: number, now: number): KeyMaterial {
    return this.sealed(keyId, version, this.random.bytes(32), now);
  }

  /**
   * New material of the kind a key spec calls for, wrapped for storage: AES-256 bytes, HMAC key
   * bytes, or a key pair whose private key (PKCS #8 DER) is wrapped exactly as symmetric
   * material is, and whose public key (SubjectPublicKeyInfo DER) is kept in clear beside it.
   */
  async generateMaterial(entry: KeySpecEntry, keyId: string, version: number, now: number): Promise<KeyMaterial> {
    const recipe = entry.material;
    if (recipe.kind === 'aes' || recipe.kind === 'hmac') return this.sealed(keyId, version, this.random.bytes(recipe.bytes), now);
    const pair = await generateKeyPair(recipe, this.random);
    return this.sealed(keyId, version, pair.privateKey, now, pair.publicKey);
  }

  /**
   * Imported material, sealed exactly as generated material is; its id is the caller's (a keyed
   * digest of the material). `secret` is left for the caller to zero.
   */
  importedMaterial(keyId: string, version: number, secret: Buffer, materialId: string, now: number): KeyMaterial {
    return { version, materialId, wrapped: this.sealer.seal(secret, `${keyId}/${version}`).toString('base64'), createdAt: now };
  }

  /** Drops a key's unwrapped material from the cache once the material is deleted. */
  forget(keyId: string, materials: readonly KeyMaterial[]): void {
    for (const m of materials) this.unsealed.forget(`${keyId}/${m.version}`);
  }

  /** Seals `secret` (and then zeroes it) as the material of one key version. */
  private sealed(keyId: string, version: number, secret: Buffer, now: number, publicKey?: Buffer): KeyMaterial {
    const wrapped = this.sealer.seal(secret, `${keyId}/${version}`);
    secret.fill(0);
    const material: KeyMaterial = { version, materialId: this.random.bytes(32).toString('hex'), wrapped: wrapped.toString('base64'), createdAt: now };
    if (publicKey) material.publicKey = publicKey.toString('base64');
    return material;
  }

  /**
   * A key version's secret material, unwrapped once and then served from memory in the form
   * `decode` makes of it (which may keep no reference to the bytes it is given: they are zeroed).
   * A key's material is always decoded the same way, so one cache serves every kind.
   */
  secret<T>(keyId: string, material: KeyMaterial, decode: (raw: Buffer) => T): T {
    return this.unsealed.open(`${keyId}/${material.version}`, material.wrapped, decode);
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
    return this.secret(keyId, material, (raw) => createSecretKey(raw));
  }
}

/** AWS sends this error with no message whatever the cause, so no answer tells which check failed. */
export const invalidCiphertext = () => new InvalidCiphertextException('');
