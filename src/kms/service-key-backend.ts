import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { Random } from '../core/random.js';
import type { Sealer } from '../core/sealer.js';
import { UnsealedKeys } from '../core/unsealed-keys.js';
import { generateKeyPair } from './asymmetric-material.js';
import { invalidCiphertext } from './ciphertext.js';
import type { ExtractableKeyBackend, GcmSealed, KeyBackendCapabilities, KeyPlacement, MaterialVersion, NewKeyMaterial } from './key-backend.js';
import { currentMaterial, type KeyMaterial, type KeyRecord, type Scope } from './key.js';
import { KEY_SPECS, keySpecEntry, type KeySpecEntry } from './key-specs.js';

/** Every key spec KMS knows, with every usage and algorithm: the service holds them all. */
const SERVICE_CAPABILITIES: KeyBackendCapabilities = {
  keySpecs: Object.fromEntries(Object.values(KEY_SPECS).map((e) => [e.spec, e.usages])),
  extractable: true,
  rotation: true,
  importedMaterial: true,
  multiRegion: true,
  dataKeyPairs: true,
};

/**
 * The service's own keys: material sealed under the root key and kept in the key record, one
 * sealed value per material version (bound to the key id and version), and the cryptography done
 * in-process with material opened through the service's one cache of unsealed keys.
 */
export class ServiceKeyBackend implements ExtractableKeyBackend {
  readonly capabilities = SERVICE_CAPABILITIES;

  constructor(
    private readonly sealer: Sealer,
    private readonly random: Random,
    private readonly unsealed = new UnsealedKeys(sealer),
  ) {}

  async create(_scope: Scope, key: NewKeyMaterial): Promise<KeyPlacement> {
    return { materials: [await this.generate(keySpecEntry(key.keySpec), key.keyId, 1, key.now)] };
  }

  /** A new version of a symmetric key's material (rotation): random AES-256, sealed. */
  newVersion(keyId: string, version: number, now: number): KeyMaterial {
    return this.sealed(keyId, version, this.random.bytes(32), now);
  }

  /**
   * Imported material, sealed exactly as generated material is; its id is the caller's (a keyed
   * digest of the material). `secret` is left for the caller to zero.
   */
  importedMaterial(keyId: string, version: number, secret: Buffer, materialId: string, now: number): KeyMaterial {
    return { version, materialId, wrapped: this.sealer.seal(secret, owner(keyId, version)).toString('base64'), createdAt: now };
  }

  /** Drops a key's opened material from memory once the material is deleted. */
  forget(keyId: string, materials: readonly KeyMaterial[]): void {
    for (const m of materials) this.unsealed.forget(owner(keyId, m.version));
  }

  current(key: KeyRecord): MaterialVersion {
    const m = currentMaterial(key);
    return { version: m.version, materialId: m.materialId };
  }

  find(key: KeyRecord, version: number): MaterialVersion | undefined {
    const m = key.materials.find((v) => v.version === version);
    return m && { version: m.version, materialId: m.materialId };
  }

  async encrypt(key: KeyRecord, version: number, plaintext: Buffer, iv: Buffer, aad: Buffer): Promise<GcmSealed> {
    const cipher = createCipheriv('aes-256-gcm', this.aesKey(key, version), iv);
    cipher.setAAD(aad);
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { ciphertext, tag: cipher.getAuthTag() };
  }

  async decrypt(key: KeyRecord, version: number, sealed: GcmSealed & { iv: Buffer }, aad: Buffer): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.aesKey(key, version), sealed.iv);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.tag);
    try {
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch {
      throw invalidCiphertext();
    }
  }

  /** A key's material is always decoded the same way, so one cache entry per version serves every kind. */
  secret<T>(keyId: string, material: KeyMaterial, decode: (raw: Buffer) => T): T {
    return this.unsealed.open(owner(keyId, material.version), material.wrapped, decode);
  }

  private aesKey(key: KeyRecord, version: number): KeyObject {
    const material = key.materials.find((m) => m.version === version);
    if (!material) throw invalidCiphertext();
    return this.secret(key.keyId, material, (raw) => createSecretKey(raw));
  }

  /**
   * New material of the kind a key spec calls for, sealed: AES-256 bytes, HMAC key bytes, or a
   * key pair whose private key (PKCS #8 DER) is sealed exactly as symmetric material is, and whose
   * public key (SubjectPublicKeyInfo DER) is kept in clear beside it.
   */
  private async generate(entry: KeySpecEntry, keyId: string, version: number, now: number): Promise<KeyMaterial> {
    const recipe = entry.material;
    if (recipe.kind === 'aes' || recipe.kind === 'hmac') return this.sealed(keyId, version, this.random.bytes(recipe.bytes), now);
    const pair = await generateKeyPair(recipe, this.random);
    return this.sealed(keyId, version, pair.privateKey, now, pair.publicKey);
  }

  /** Seals `secret` (and then zeroes it) as the material of one key version. */
  private sealed(keyId: string, version: number, secret: Buffer, now: number, publicKey?: Buffer): KeyMaterial {
    const wrapped = this.sealer.seal(secret, owner(keyId, version));
    secret.fill(0);
    const material: KeyMaterial = { version, materialId: this.random.bytes(32).toString('hex'), wrapped: wrapped.toString('base64'), createdAt: now };
    if (publicKey) material.publicKey = publicKey.toString('base64');
    return material;
  }
}

/** The associated data a version's material is sealed with: the key it belongs to, and which version. */
const owner = (keyId: string, version: number) => `${keyId}/${version}`;
