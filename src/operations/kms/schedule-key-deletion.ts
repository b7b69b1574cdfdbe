import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { epochSeconds } from '../wire.js';
import { backingKeysEventData } from './event-data.js';

export const scheduleKeyDeletion: Operation<KmsServices> = {
  name: 'ScheduleKeyDeletion',
  async handle(input: { KeyId: string; PendingWindowInDays?: number }, ctx, kms) {
    const view = await kms.keys.scheduleDeletion(ctx, input.KeyId, input.PendingWindowInDays);
    backingKeysEventData(ctx, view);
    return {
      KeyId: view.arn,
      DeletionDate: epochSeconds(view.key.deletionDate!),
      KeyState: view.state,
      PendingWindowInDays: view.key.pendingWindowDays,
    };
  },
};
