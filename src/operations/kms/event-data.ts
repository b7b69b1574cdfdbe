import type { KeyView } from '../../kms/keys.js';
import type { CallContext } from '../../protocol/service.js';

// What the audit record of a call with a key in a custom key store carries beyond its parameters
// (CloudTrail's additionalEventData): the store, and the backing key as a JSON string.

export function backingKeyEventData(ctx: CallContext, view: KeyView): void {
  const { customKeyStoreId, backingKey } = view.key;
  if (customKeyStoreId === undefined || backingKey === undefined) return;
  ctx.additionalEventData = {
    ...ctx.additionalEventData,
    customKeyStoreId,
    backingKey: JSON.stringify({ backingKeyId: backingKey.backingKeyId }),
  };
}

/** ScheduleKeyDeletion: the store, its cluster, and the backing keys as a JSON array string. */
export function backingKeysEventData(ctx: CallContext, view: KeyView): void {
  const { customKeyStoreId, backingKey } = view.key;
  if (customKeyStoreId === undefined || backingKey === undefined) return;
  ctx.additionalEventData = {
    ...ctx.additionalEventData,
    customKeyStoreId,
    clusterId: view.customKeyStore?.clusterId,
    backingKeys: JSON.stringify([{ backingKeyId: backingKey.backingKeyId }]),
  };
}

/** The key store calls: its name and cluster. */
export function keyStoreEventData(ctx: CallContext, store: { name: string; clusterId: string }): void {
  ctx.additionalEventData = { ...ctx.additionalEventData, customKeyStoreName: store.name, clusterId: store.clusterId };
}
