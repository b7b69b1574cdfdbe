import { kmsOperation } from './operation.js';

export const enableKey = kmsOperation('EnableKey', async (input, ctx, kms) => {
  await kms.keys.enable(ctx, input.KeyId);
  return {};
});
