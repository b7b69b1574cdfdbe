import { kmsOperation } from './operation.js';

export const disableKey = kmsOperation('DisableKey', async (input, ctx, kms) => {
  await kms.keys.disable(ctx, input.KeyId);
  return {};
});
