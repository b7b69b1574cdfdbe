import type { KeyObject } from '../cluster/model.js';
import type { DeletionListener } from '../kms/deletion.js';
import { deleteKeyEvent } from '../kms/deletion-events.js';
import type { CustomKeyStorePort } from '../kms/custom-key-store-port.js';
import type { ClusterKeyBackend } from './cluster-key-backend.js';
import type { KeyRecord } from '../kms/key.js';
import { type KeyStoreDeps, openSession } from './context.js';
import type { CustomKeyStoreRecord } from './model.js';

/**
 * The health check of backing keys: for each CONNECTED store, whether its cluster still holds the
 * key object of each of its KMS keys. A key whose backing key is gone is marked and shows
 * `Unavailable`; when the material is back (the store now points at a cluster restored from a
 * backup that holds it), the mark goes and the key shows its previous state again. Runs on the
 * maintenance schedule and whenever a store connects.
 */
export class BackingKeyHealth {
  constructor(private readonly deps: KeyStoreDeps) {}

  async checkAll(): Promise<number> {
    const connected = await this.deps.stores.inState('CONNECTED');
    for (const store of connected) await this.check(store);
    return connected.length;
  }

  /**
   * Looks at the cluster through the service's session. A cluster that cannot be reached tells
   * nothing about its keys, so nothing changes then.
   */
  async check(store: CustomKeyStoreRecord, sessionId = openSession(this.deps.sealer, store)): Promise<void> {
    const { faults, hsm, keys } = this.deps;
    if (sessionId === undefined || faults.networkCut(store.clusterId)) return;
    // The keys first, then what the cluster holds: a key is stored only once its backing key is
    // made, so every key read here has its object in a list read after it unless the object is
    // gone. The other order would mark a key created between the two reads as missing.
    const inStore = await keys.inCustomKeyStore(store.customKeyStoreId);
    let held: Map<string, KeyObject>;
    try {
      held = new Map((await hsm.keys.list(store, store.clusterId, sessionId)).map((k) => [k.id, k]));
    } catch {
      return;
    }
    for (const key of inStore) {
      const ref = key.backingKey;
      if (!ref) continue;
      const object = held.get(ref.backingKeyId);
      if (!object === !!ref.missing && (!object || object.handle === ref.keyHandle)) continue;
      await keys.update(key, key.keyId, (k) => {
        if (!k.backingKey) return k;
        const { missing: _m, ...rest } = k.backingKey;
        return { ...k, backingKey: object ? { ...rest, keyHandle: object.handle } : { ...rest, missing: true } };
      });
    }
  }
}

/**
 * What happens after the metadata of a key in a custom key store is deleted at the end of its
 * waiting period: a best-effort deletion of its backing key from the cluster (it fails when the
 * store is disconnected or the cluster refuses), and a `DeleteKey` service event that records the
 * outcome, the way CloudTrail does (seed 000, "How to delete orphaned key material").
 */
export function backingKeyDeletion(
  port: Pick<CustomKeyStorePort, 'status'>,
  backend: Pick<ClusterKeyBackend, 'deleteBackingKey'>,
  deps: Pick<KeyStoreDeps, 'events' | 'onError'>,
): DeletionListener {
  return async (key: KeyRecord, deletedAt: number) => {
    if (key.customKeyStoreId === undefined || key.backingKey === undefined) return;
    const { backingKeyId, keyHandle } = key.backingKey;
    const status = await port.status(key, key.customKeyStoreId);
    const deletionStatus = await backend.deleteBackingKey(key, key.customKeyStoreId, backingKeyId);
    try {
      await deps.events.emit(
        deleteKeyEvent(key, deletedAt, {
          customKeyStoreId: key.customKeyStoreId,
          clusterId: status?.clusterId ?? '',
          backingKeys: JSON.stringify([{ backingKeyId }]),
          backingKeysDeletionStatus: JSON.stringify([{ backingKeyId, keyHandle: String(keyHandle), deletionStatus }]),
        }),
      );
    } catch (err) {
      deps.onError?.(err);
    }
  };
}
