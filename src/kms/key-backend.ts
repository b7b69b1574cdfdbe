import type { KeyMaterial, KeyRecord, KeyUsage, Scope } from './key.js';
import type { KeySpec, UsageAlgorithms } from './key-specs.js';

// Where a KMS key's material lives and its cryptography runs. Every key has one backend, chosen
// per key (key-backends.ts): the service itself (material sealed under the root key, computed
// with in-process), or the cluster of the key's custom key store (a backing key in its HSMs,
// keystores/ implements that one). The crypto path asks the key's backend and never which kind
// it is; what a backend can hold and do is data, its capabilities, which the checks of CreateKey,
// rotation and data key pairs read. key-backend-contract.ts is the suite every backend runs.

/** What a backend offers KMS keys, as data. */
export interface KeyBackendCapabilities {
  /**
   * The key specs whose material the backend makes and holds, each with the key usages it offers
   * for them and the algorithms of each usage (the shape of key-specs.ts, of which this is a part).
   */
  keySpecs: Readonly<Partial<Record<KeySpec, Readonly<Partial<Record<KeyUsage, UsageAlgorithms>>>>>>;
  /**
   * The material may be opened in the service's memory, where signing, MACs, key agreement and
   * RSA or SM2 decryption run (ExtractableKeyBackend). An HSM's keys never leave it: not extractable.
   */
  extractable: boolean;
  /** New material versions: automatic and on-demand rotation. */
  rotation: boolean;
  /** Material that the key owner imports (Origin EXTERNAL). */
  importedMaterial: boolean;
  /** Related keys in several Regions that share one material. */
  multiRegion: boolean;
  /** Data key pairs sealed under its keys (AWS refuses GenerateDataKeyPair for keys in a custom key store). */
  dataKeyPairs: boolean;
}

/** The key a backend makes material for, before the key is stored. */
export interface NewKeyMaterial {
  keyId: string;
  keySpec: KeySpec;
  /** The key's ARN: a cluster labels the backing key with it. */
  arn: string;
  now: number;
  customKeyStoreId?: string;
}

/** What a key record holds of the material its backend made for it. */
export type KeyPlacement = Pick<KeyRecord, 'materials' | 'customKeyStoreId' | 'backingKey'>;

/** One version of a key's symmetric material, as a ciphertext names it. */
export interface MaterialVersion {
  /** Written in the ciphertext header (docs/ciphertext.md). */
  version: number;
  /** The KeyMaterialId that KMS reports; absent where the material is not KMS's own. */
  materialId?: string;
}

/** AES-GCM output: the ciphertext body and its 16-byte tag. */
export interface GcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

export interface KeyBackend {
  readonly capabilities: KeyBackendCapabilities;
  /**
   * Material for a new key of a key spec the backend lists, made before the key is stored so that
   * no key is ever seen without it. Fails with the AWS error a caller of CreateKey gets.
   */
  create(scope: Scope, key: NewKeyMaterial): Promise<KeyPlacement>;
  /** The symmetric material that encrypts now. */
  current(key: KeyRecord): MaterialVersion;
  /** The material of the version a ciphertext names; undefined when the key has none such. */
  find(key: KeyRecord, version: number): MaterialVersion | undefined;
  /** AES-GCM with the caller's IV and associated data (the ciphertext header, then the encryption context). */
  encrypt(key: KeyRecord, version: number, plaintext: Buffer, iv: Buffer, aad: Buffer): Promise<GcmSealed>;
  /** InvalidCiphertextException, with no message, when the body, tag, IV or associated data do not verify. */
  decrypt(key: KeyRecord, version: number, sealed: GcmSealed & { iv: Buffer }, aad: Buffer): Promise<Buffer>;
}

/** A backend whose material the service opens in memory to compute with (capabilities.extractable). */
export interface ExtractableKeyBackend extends KeyBackend {
  /**
   * A key version's secret material, in the form `decode` makes of it (which may keep no
   * reference to the bytes it is given: they are zeroed), opened once and then kept in memory.
   */
  secret<T>(keyId: string, material: KeyMaterial, decode: (raw: Buffer) => T): T;
}

export const isExtractable = (backend: KeyBackend): backend is ExtractableKeyBackend => backend.capabilities.extractable;

/**
 * What KMS offers for keys in an AWS CloudHSM key store, whatever holds the backing keys: only
 * symmetric encryption keys, never rotated, imported, replicated or used to seal data key pairs.
 */
export const CLOUDHSM_KEY_STORE_CAPABILITIES: KeyBackendCapabilities = {
  keySpecs: { SYMMETRIC_DEFAULT: { ENCRYPT_DECRYPT: { encryption: ['SYMMETRIC_DEFAULT'] } } },
  extractable: false,
  rotation: false,
  importedMaterial: false,
  multiRegion: false,
  dataKeyPairs: false,
};

/** "SYMMETRIC_DEFAULT keys for ENCRYPT_DECRYPT": what a backend's key specs are, in a sentence. */
export function describeKeySpecs(capabilities: KeyBackendCapabilities): string {
  return Object.entries(capabilities.keySpecs)
    .map(([spec, usages]) => `${spec} keys for ${Object.keys(usages ?? {}).join(' or ')}`)
    .join(', ');
}
