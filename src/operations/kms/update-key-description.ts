import { kmsOperation } from './operation.js';

export const updateKeyDescription = kmsOperation('UpdateKeyDescription', async (input, ctx, kms) => {
  await kms.keys.updateDescription(ctx, input.KeyId, input.Description);
  return {};
});
