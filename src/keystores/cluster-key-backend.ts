import { CLUSTER_MATERIAL_VERSION } from '../kms/ciphertext.js';
import { CloudHsmClusterInvalidConfigurationException, KMSInvalidStateException } from '../kms/errors.js';
import { CLOUDHSM_KEY_STORE_CAPABILITIES, type GcmSealed, type KeyBackend, type KeyPlacement, type MaterialVersion, type NewKeyMaterial } from '../kms/key-backend.js';
import { keyArn, type KeyRecord } from '../kms/key.js';
import { BackingKeyNotFound, type Link, link, refusal } from './cluster-link.js';
import { requireKeyStoreConfiguration } from './cluster-requirements.js';
import type { KeyStoreDeps } from './context.js';
import type { Scope } from './model.js';

export type BackingKeyDeletionStatus = 'SUCCESS' | 'FAILURE';

/** The only material of a key in a custom key store: its backing key, never rotated. */
const BACKING_KEY: MaterialVersion = { version: CLUSTER_MATERIAL_VERSION };

/**
 * Where the material of a key in an AWS CloudHSM key store lives: a persistent AES-256 key object
 * in the store's cluster, owned by kmsuser and labelled with the key's ARN, used through the
 * service's kmsuser session. The cluster runs the AES-GCM with the IV and associated data KMS
 * gives it (whatever engine its HSMs run); KMS never sees the key.
 */
export class ClusterKeyBackend implements KeyBackend {
  readonly capabilities = CLOUDHSM_KEY_STORE_CAPABILITIES;

  constructor(private readonly deps: KeyStoreDeps) {}

  /**
   * CustomKeyStoreNotFoundException, CustomKeyStoreInvalidStateException (not CONNECTED),
   * CloudHsmClusterInvalidConfigurationException (fewer than two active HSMs in different zones).
   */
  async create(scope: Scope, key: NewKeyMaterial): Promise<KeyPlacement> {
    const customKeyStoreId = key.customKeyStoreId;
    if (customKeyStoreId === undefined) throw new Error(`key ${key.keyId} names no custom key store`);
    const { store, sessionId } = await link(this.deps, scope, customKeyStoreId, 'createKey');
    const cluster = await this.deps.clusters.find(scope, store.clusterId);
    if (!cluster) throw new CloudHsmClusterInvalidConfigurationException(`AWS CloudHSM cluster ${store.clusterId} of custom key store ${customKeyStoreId} does not exist any more.`);
    requireKeyStoreConfiguration(cluster);
    try {
      const object = await this.deps.hsm.keys.create(scope, store.clusterId, sessionId, { label: key.arn, sizeBytes: 32 });
      return { materials: [], customKeyStoreId, backingKey: { backingKeyId: object.id, keyHandle: object.handle } };
    } catch (err) {
      throw refusal(err, store, 'createKey');
    }
  }

  current(): MaterialVersion {
    return BACKING_KEY;
  }

  find(_key: KeyRecord, version: number): MaterialVersion | undefined {
    return version === CLUSTER_MATERIAL_VERSION ? BACKING_KEY : undefined;
  }

  encrypt(key: KeyRecord, _version: number, plaintext: Buffer, iv: Buffer, aad: Buffer): Promise<GcmSealed> {
    return this.withBackingKey(key, async ({ store, sessionId }, backingKeyId) => {
      const out = await this.deps.hsm.crypto.encrypt(key, store.clusterId, sessionId, backingKeyId, plaintext, aad, iv);
      return { ciphertext: out.ciphertext, tag: out.tag };
    });
  }

  decrypt(key: KeyRecord, _version: number, sealed: GcmSealed & { iv: Buffer }, aad: Buffer): Promise<Buffer> {
    return this.withBackingKey(key, ({ store, sessionId }, backingKeyId) => this.deps.hsm.crypto.decrypt(key, store.clusterId, sessionId, backingKeyId, sealed, aad));
  }

  /** Best effort, at the end of a key's waiting period: FAILURE when the store is not connected or the cluster refuses. */
  async deleteBackingKey(scope: Scope, customKeyStoreId: string, backingKeyId: string): Promise<BackingKeyDeletionStatus> {
    try {
      const { store, sessionId } = await link(this.deps, scope, customKeyStoreId, 'crypto');
      await this.deps.hsm.keys.remove(scope, store.clusterId, sessionId, { id: backingKeyId });
      return 'SUCCESS';
    } catch {
      return 'FAILURE';
    }
  }

  /**
   * Runs a call against the key's backing key. When the cluster no longer holds it, the key is
   * marked at once (it shows Unavailable until the store's health check finds the material again)
   * rather than waiting for the next health check.
   */
  private async withBackingKey<T>(key: KeyRecord, work: (link: Link, backingKeyId: string) => Promise<T>): Promise<T> {
    const backingKeyId = key.backingKey!.backingKeyId;
    const linked = await link(this.deps, key, key.customKeyStoreId!, 'crypto');
    try {
      return await work(linked, backingKeyId);
    } catch (err) {
      const refused = refusal(err, linked.store, 'crypto');
      if (!(refused instanceof BackingKeyNotFound)) throw refused;
      await this.deps.keys.update(key, key.keyId, (k) =>
        k.backingKey && !k.backingKey.missing ? { ...k, backingKey: { ...k.backingKey, missing: true } } : k,
      );
      throw new KMSInvalidStateException(
        `${keyArn(key, key.keyId)} is unavailable: its key material (backing key ${backingKeyId}) is not in AWS CloudHSM cluster ${linked.store.clusterId}.`,
      );
    }
  }
}
