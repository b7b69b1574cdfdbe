import type { KmsDeps } from './context.js';
import type { KeyRecord } from './key.js';
import { removeFromRelated } from './multi-region.js';

/**
 * Told about each key whose waiting period ended, after its metadata is gone: keys in a custom
 * key store then have their backing key deleted (best effort) and the outcome recorded.
 */
export type DeletionListener = (key: KeyRecord, deletedAt: number) => void | Promise<void>;

/**
 * Deletes every key whose waiting period has ended, with its aliases. Runs on the service's
 * schedule and right after the clock moves, so a key is gone as soon as its DeletionDate passes.
 * A multi-Region key leaves its related keys in the same transaction; when it was the last
 * replica of a primary waiting for it, the primary's own waiting period starts.
 */
export async function deleteDueKeys(deps: Pick<KmsDeps, 'store' | 'clock'>, listeners: DeletionListener[] = []): Promise<number> {
  const now = deps.clock.now();
  let deleted = 0;
  for (let key of await deps.store.keys.dueForDeletion(now)) {
    if (key.multiRegion === undefined) {
      // Decided again inside the transaction: the deletion may have been cancelled since the query,
      // or the key deleted already by another run (another node's, on a shared store).
      const removed = await deps.store.keys.remove(key, key.keyId, (k) => k.state === 'PendingDeletion' && k.deletionDate !== undefined && k.deletionDate <= now);
      if (!removed) continue;
      key = removed;
    } else {
      let removed = false;
      await deps.store.keys.updateRelated(key.accountId, key.keyId, (keys) => {
        const change = removeFromRelated(keys, key.region, now);
        removed = change.removed;
        return change;
      });
      if (!removed) continue;
    }
    deleted++;
    for (const listener of listeners) await listener(key, now);
  }
  return deleted;
}
