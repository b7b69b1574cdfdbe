import { isHsmError } from '../cluster/hsm-errors.js';
import type { AwsError } from '../core/aws-error.js';
import {
  BackingKeyNotFound,
  type BackingKey,
  type BackingKeyDeletionStatus,
  type ClusterCiphertext,
  type CustomKeyStorePort,
  type CustomKeyStoreStatus,
  customKeyStoreNotFound,
} from '../kms/custom-key-store-port.js';
import { CloudHsmClusterInvalidConfigurationException, KMSInternalException, KMSInvalidStateException } from '../kms/errors.js';
import { invalidCiphertext } from '../kms/key-vault.js';
import { requireKeyStoreConfiguration } from './cluster-requirements.js';
import { invalidState } from './connection-states.js';
import { type KeyStoreDeps, openSession } from './context.js';
import { CANNOT_COMMUNICATE, KMSUSER_LOCKED_OUT, noSessions } from './messages.js';
import type { CustomKeyStoreRecord, Scope } from './model.js';

/** How a refusal of the cluster reaches a KMS caller: the error for each kind of call. */
type Call = 'crypto' | 'createKey' | 'random';

interface Link {
  store: CustomKeyStoreRecord;
  sessionId: string;
}

/**
 * What KMS does in a custom key store's cluster, through the kmsuser session the service holds
 * while the store is CONNECTED. Refusals of the cluster become the errors the troubleshooting
 * guide describes: cannot communicate (network cut, cluster deleted, no active HSM), kmsuser
 * locked out, no PKCS #11 sessions (KMSInternalException, so clients back off and retry), and a
 * backing key that is gone (BackingKeyNotFound, which makes the KMS key Unavailable).
 */
export class ClusterKeyStorePort implements CustomKeyStorePort {
  constructor(private readonly deps: KeyStoreDeps) {}

  async status(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreStatus | undefined> {
    const store = await this.deps.stores.get(scope, customKeyStoreId);
    return store && { customKeyStoreId, connectionState: store.connectionState, clusterId: store.clusterId };
  }

  async createBackingKey(scope: Scope, customKeyStoreId: string, label: string): Promise<BackingKey> {
    const { store, sessionId } = await this.link(scope, customKeyStoreId, 'createKey');
    const cluster = await this.deps.clusters.find(scope, store.clusterId);
    if (!cluster) throw new CloudHsmClusterInvalidConfigurationException(`AWS CloudHSM cluster ${store.clusterId} of custom key store ${customKeyStoreId} does not exist any more.`);
    requireKeyStoreConfiguration(cluster);
    try {
      const object = await this.deps.hsm.keys.create(scope, store.clusterId, sessionId, { label, sizeBytes: 32 });
      return { backingKeyId: object.id, keyHandle: object.handle };
    } catch (err) {
      throw refusal(err, store, 'createKey');
    }
  }

  async encrypt(scope: Scope, customKeyStoreId: string, backingKeyId: string, plaintext: Buffer, iv: Buffer, aad: Buffer): Promise<ClusterCiphertext> {
    const { store, sessionId } = await this.link(scope, customKeyStoreId, 'crypto');
    try {
      const out = await this.deps.hsm.crypto.encrypt(scope, store.clusterId, sessionId, backingKeyId, plaintext, aad, iv);
      return { ciphertext: out.ciphertext, tag: out.tag };
    } catch (err) {
      throw refusal(err, store, 'crypto');
    }
  }

  async decrypt(scope: Scope, customKeyStoreId: string, backingKeyId: string, sealed: ClusterCiphertext & { iv: Buffer }, aad: Buffer): Promise<Buffer> {
    const { store, sessionId } = await this.link(scope, customKeyStoreId, 'crypto');
    try {
      return await this.deps.hsm.crypto.decrypt(scope, store.clusterId, sessionId, backingKeyId, sealed, aad);
    } catch (err) {
      throw refusal(err, store, 'crypto');
    }
  }

  async random(scope: Scope, customKeyStoreId: string, numberOfBytes: number): Promise<Buffer> {
    const { store, sessionId } = await this.link(scope, customKeyStoreId, 'random');
    try {
      return await this.deps.hsm.crypto.random(scope, store.clusterId, sessionId, numberOfBytes);
    } catch (err) {
      throw refusal(err, store, 'random');
    }
  }

  async deleteBackingKey(scope: Scope, customKeyStoreId: string, backingKeyId: string): Promise<BackingKeyDeletionStatus> {
    try {
      const { store, sessionId } = await this.link(scope, customKeyStoreId, 'crypto');
      await this.deps.hsm.keys.remove(scope, store.clusterId, sessionId, { id: backingKeyId });
      return 'SUCCESS';
    } catch {
      return 'FAILURE';
    }
  }

  /** The store and the service's session in its cluster, if it is CONNECTED and the cluster reachable. */
  private async link(scope: Scope, customKeyStoreId: string, call: Call): Promise<Link> {
    const store = await this.deps.stores.get(scope, customKeyStoreId);
    if (!store) throw customKeyStoreNotFound(customKeyStoreId);
    const sessionId = store.connectionState === 'CONNECTED' ? openSession(this.deps.sealer, store) : undefined;
    if (sessionId === undefined) {
      // KMS checked the key's state before calling; the store changed since.
      if (call === 'crypto') throw new KMSInvalidStateException(`Custom key store ${customKeyStoreId} is ${store.connectionState}; its KMS keys are unavailable.`);
      throw invalidState(customKeyStoreId, store.connectionState, 'useKeys');
    }
    if (this.deps.faults.networkCut(store.clusterId)) throw unreachable(call);
    return { store, sessionId };
  }
}

function unreachable(call: Call): AwsError {
  return call === 'crypto' ? new KMSInvalidStateException(CANNOT_COMMUNICATE) : new KMSInternalException(CANNOT_COMMUNICATE);
}

/** The KMS error for a refusal of the cluster. */
function refusal(err: unknown, store: CustomKeyStoreRecord, call: Call): unknown {
  if (!isHsmError(err)) return err;
  switch (err.reason) {
    case 'KEY_NOT_FOUND':
      return call === 'crypto' ? new BackingKeyNotFound(err.message) : new KMSInternalException(err.message);
    case 'INVALID_CIPHERTEXT':
      return invalidCiphertext();
    case 'NO_SESSIONS':
      return new KMSInternalException(noSessions(store.clusterId));
    case 'USER_LOCKED_OUT':
      return call === 'crypto' ? new KMSInvalidStateException(KMSUSER_LOCKED_OUT) : new KMSInternalException(KMSUSER_LOCKED_OUT);
    case 'CLUSTER_NOT_FOUND':
    case 'CLUSTER_NOT_READY':
    case 'NO_ACTIVE_HSM':
    case 'NOT_LOGGED_IN':
      return unreachable(call);
    default:
      return new KMSInternalException(`AWS CloudHSM cluster ${store.clusterId} refused the request: ${err.message}`);
  }
}
