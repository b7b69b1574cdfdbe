import { kmsOperation } from './operation.js';

export const cancelKeyDeletion = kmsOperation('CancelKeyDeletion', async (input, ctx, kms) => ({
  KeyId: (await kms.keys.cancelDeletion(ctx, input.KeyId)).arn,
}));
