import { CustomKeyStoreNotFoundException } from './errors.js';
import type { Scope } from './key.js';

// What the KMS domain needs from custom key stores, which live in a layer above it
// (keystores/ implements this port; app.ts passes the implementation in).

export type ConnectionState = 'CONNECTED' | 'CONNECTING' | 'FAILED' | 'DISCONNECTED' | 'DISCONNECTING';

/** What KMS needs to know of a key's custom key store to derive the key's state and metadata. */
export interface CustomKeyStoreStatus {
  customKeyStoreId: string;
  connectionState: ConnectionState;
  /** The store's current cluster: the CloudHsmClusterId of its keys. */
  clusterId: string;
}

/** A key object made in the cluster for a KMS key: its `id` attribute (hex) and its handle. */
export interface BackingKey {
  backingKeyId: string;
  keyHandle: number;
}

/** AES-GCM output of the backing key. */
export interface ClusterCiphertext {
  ciphertext: Buffer;
  tag: Buffer;
}

export type BackingKeyDeletionStatus = 'SUCCESS' | 'FAILURE';

/**
 * The cluster does not hold the backing key (deleted by its owner, or the store now points at a
 * cluster restored from a backup taken before the key existed). KMS marks the key, which makes it
 * `Unavailable` until the store's health check finds the key object again.
 */
export class BackingKeyNotFound extends Error {}

/**
 * Custom key stores as KMS uses them. Every method but `status` talks to the store's cluster
 * through the session the service holds while the store is CONNECTED, and answers failures with
 * the AWS error KMS gives for them (KMSInvalidStateException with the troubleshooting guide's
 * message, KMSInternalException for exhausted PKCS #11 sessions, …).
 */
export interface CustomKeyStorePort {
  /** Undefined when the store does not exist in this account and Region. */
  status(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreStatus | undefined>;
  /**
   * A persistent AES-256 key in the cluster, owned by kmsuser, labelled `label` (the KMS key ARN).
   * CustomKeyStoreNotFoundException, CustomKeyStoreInvalidStateException (not CONNECTED),
   * CloudHsmClusterInvalidConfigurationException (fewer than two active HSMs in different zones).
   */
  createBackingKey(scope: Scope, customKeyStoreId: string, label: string): Promise<BackingKey>;
  /** AES-GCM in the cluster with the caller's IV and associated data; BackingKeyNotFound when the key object is gone. */
  encrypt(scope: Scope, customKeyStoreId: string, backingKeyId: string, plaintext: Buffer, iv: Buffer, aad: Buffer): Promise<ClusterCiphertext>;
  decrypt(scope: Scope, customKeyStoreId: string, backingKeyId: string, sealed: ClusterCiphertext & { iv: Buffer }, aad: Buffer): Promise<Buffer>;
  /** Random bytes from the cluster's HSMs (GenerateRandom with CustomKeyStoreId). */
  random(scope: Scope, customKeyStoreId: string, numberOfBytes: number): Promise<Buffer>;
  /** Best effort, at the end of a key's waiting period: FAILURE when the store is not connected or the cluster refuses. */
  deleteBackingKey(scope: Scope, customKeyStoreId: string, backingKeyId: string): Promise<BackingKeyDeletionStatus>;
}

export const customKeyStoreNotFound = (customKeyStoreId: string) =>
  new CustomKeyStoreNotFoundException(`Custom key store ${customKeyStoreId} does not exist in this account and Region.`);

/** For a KMS domain built without custom key stores (unit tests): no store exists. */
export const noCustomKeyStores: CustomKeyStorePort = {
  status: async () => undefined,
  createBackingKey: async (_s, id) => Promise.reject(customKeyStoreNotFound(id)),
  encrypt: async (_s, id) => Promise.reject(customKeyStoreNotFound(id)),
  decrypt: async (_s, id) => Promise.reject(customKeyStoreNotFound(id)),
  random: async (_s, id) => Promise.reject(customKeyStoreNotFound(id)),
  deleteBackingKey: async () => 'FAILURE',
};
