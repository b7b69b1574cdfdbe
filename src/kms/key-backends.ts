import { customKeyStoreNotFound } from './custom-key-store-port.js';
import { CLOUDHSM_KEY_STORE_CAPABILITIES, isExtractable, type KeyBackend } from './key-backend.js';
import type { KeyMaterial, KeyRecord } from './key.js';
import type { ServiceKeyBackend } from './service-key-backend.js';

/**
 * The backends of a KMS domain and the choice among them, made per key and in this one place: a
 * key created in a custom key store has its material in that store's cluster, every other key in
 * the service.
 */
export class KeyBackends {
  constructor(
    /** The service's own keys; rotation and imported material, which only it offers, use it by name. */
    readonly service: ServiceKeyBackend,
    /** Keys in custom key stores (keystores/ implements it); none exist when absent. */
    private readonly customKeyStores: KeyBackend = noCustomKeyStores,
  ) {}

  /** Where a key's material lives and its cryptography runs. */
  of(key: Pick<KeyRecord, 'customKeyStoreId'>): KeyBackend {
    return key.customKeyStoreId === undefined ? this.service : this.customKeyStores;
  }

  /**
   * A key version's secret material opened in memory, for the operations that run in the service
   * (signing, MACs, key agreement, RSA and SM2 decryption). Only keys of extractable backends have
   * those key specs, so any other key here is a defect, not a caller's error.
   */
  secret<T>(key: KeyRecord, material: KeyMaterial, decode: (raw: Buffer) => T): T {
    const backend = this.of(key);
    if (!isExtractable(backend)) throw new Error(`the material of ${key.keyId} (${key.keySpec}) never leaves its backend`);
    return backend.secret(key.keyId, material, decode);
  }
}

/** For a KMS domain built without custom key stores (unit tests): no store exists. */
const noCustomKeyStores: KeyBackend = {
  capabilities: CLOUDHSM_KEY_STORE_CAPABILITIES,
  create: async (_scope, key) => Promise.reject(customKeyStoreNotFound(key.customKeyStoreId ?? '')),
  current: () => ({ version: 0 }),
  find: () => undefined,
  encrypt: async (key) => Promise.reject(customKeyStoreNotFound(key.customKeyStoreId ?? '')),
  decrypt: async (key) => Promise.reject(customKeyStoreNotFound(key.customKeyStoreId ?? '')),
};
