import { epochSeconds } from '../wire.js';
import { backingKeysEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const scheduleKeyDeletion = kmsOperation('ScheduleKeyDeletion', async (input, ctx, kms) => {
  const view = await kms.keys.scheduleDeletion(ctx, input.KeyId, input.PendingWindowInDays);
  backingKeysEventData(ctx, view);
  // A primary key with replicas has no DeletionDate until its last replica is deleted.
  return {
    KeyId: view.arn,
    ...(view.key.deletionDate !== undefined ? { DeletionDate: epochSeconds(view.key.deletionDate) } : {}),
    KeyState: view.state,
    PendingWindowInDays: view.key.pendingWindowDays,
  };
});
