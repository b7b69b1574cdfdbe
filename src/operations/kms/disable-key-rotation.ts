import { kmsOperation } from './operation.js';

export const disableKeyRotation = kmsOperation('DisableKeyRotation', async (input, ctx, kms) => {
  await kms.rotation.disable(ctx, input.KeyId);
  return {};
});
