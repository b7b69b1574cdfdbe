import { epochSeconds } from '../wire.js';
import { backingKeysEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const scheduleKeyDeletion = kmsOperation('ScheduleKeyDeletion', async (input, ctx, kms) => {
  const view = await kms.keys.scheduleDeletion(ctx, input.KeyId, input.PendingWindowInDays);
  backingKeysEventData(ctx, view);
  return {
    KeyId: view.arn,
    DeletionDate: epochSeconds(view.key.deletionDate!),
    KeyState: view.state,
    PendingWindowInDays: view.key.pendingWindowDays,
  };
});
