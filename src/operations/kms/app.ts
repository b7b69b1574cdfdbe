import type { CustomKeyStoreService } from '../../keystores/key-stores.js';
import type { KmsServices } from '../../kms/services.js';

/** What the KMS operations call: the KMS domain, and the custom key stores above it. */
export interface KmsApp extends KmsServices {
  customKeyStores: CustomKeyStoreService;
}
