import type { KmsDeps } from './context.js';
import type { KeyRecord } from './key.js';

/** What happened to a key whose waiting period ended; later capabilities record it for the audit trail. */
export type DeletionListener = (key: KeyRecord, deletedAt: number) => void | Promise<void>;

/**
 * Deletes every key whose waiting period has ended, with its aliases. Runs on the service's
 * schedule and right after the clock moves, so a key is gone as soon as its DeletionDate passes.
 */
export async function deleteDueKeys(deps: KmsDeps, listeners: DeletionListener[] = []): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.store.keys.dueForDeletion(now);
  for (const key of due) {
    await deps.store.keys.remove(key, key.keyId);
    for (const listener of listeners) await listener(key, now);
  }
  return due.length;
}
