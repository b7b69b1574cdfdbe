import { CustomKeyStoreNotFoundException } from './errors.js';
import type { Scope } from './key.js';

// What the KMS domain needs to know of custom key stores themselves, which live in a layer above
// it (keystores/ implements this port; app.ts passes the implementation in). The material of the
// keys in them is reached through the key-backend port (key-backend.ts), as every key's is.

export type ConnectionState = 'CONNECTED' | 'CONNECTING' | 'FAILED' | 'DISCONNECTED' | 'DISCONNECTING';

/** What KMS needs to know of a key's custom key store to derive the key's state and metadata. */
export interface CustomKeyStoreStatus {
  customKeyStoreId: string;
  connectionState: ConnectionState;
  /** The store's current cluster: the CloudHsmClusterId of its keys. */
  clusterId: string;
}

/**
 * Custom key stores as KMS uses them, apart from their keys' material. `random` talks to the
 * store's cluster through the session the service holds while the store is CONNECTED, and
 * answers failures with the AWS error KMS gives for them.
 */
export interface CustomKeyStorePort {
  /** Undefined when the store does not exist in this account and Region. */
  status(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreStatus | undefined>;
  /** Random bytes from the cluster's HSMs (GenerateRandom with CustomKeyStoreId). */
  random(scope: Scope, customKeyStoreId: string, numberOfBytes: number): Promise<Buffer>;
}

export const customKeyStoreNotFound = (customKeyStoreId: string) =>
  new CustomKeyStoreNotFoundException(`Custom key store ${customKeyStoreId} does not exist in this account and Region.`);

/** For a KMS domain built without custom key stores (unit tests): no store exists. */
export const noCustomKeyStores: CustomKeyStorePort = {
  status: async () => undefined,
  random: async (_s, id) => Promise.reject(customKeyStoreNotFound(id)),
};
