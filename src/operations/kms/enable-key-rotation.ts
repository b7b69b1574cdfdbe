import { kmsOperation } from './operation.js';

export const enableKeyRotation = kmsOperation('EnableKeyRotation', async (input, ctx, kms) => {
  await kms.rotation.enable(ctx, input.KeyId, input.RotationPeriodInDays);
  return {};
});
