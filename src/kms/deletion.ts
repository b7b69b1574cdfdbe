import type { KmsDeps } from './context.js';
import type { KeyRecord } from './key.js';

/**
 * Told about each key whose waiting period ended, after its metadata is gone: keys in a custom
 * key store then have their backing key deleted (best effort) and the outcome recorded.
 */
export type DeletionListener = (key: KeyRecord, deletedAt: number) => void | Promise<void>;

/**
 * Deletes every key whose waiting period has ended, with its aliases. Runs on the service's
 * schedule and right after the clock moves, so a key is gone as soon as its DeletionDate passes.
 */
export async function deleteDueKeys(deps: Pick<KmsDeps, 'store' | 'clock'>, listeners: DeletionListener[] = []): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.store.keys.dueForDeletion(now);
  for (const key of due) {
    await deps.store.keys.remove(key, key.keyId);
    for (const listener of listeners) await listener(key, now);
  }
  return due.length;
}
