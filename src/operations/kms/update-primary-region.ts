import { kmsOperation } from './operation.js';

export const updatePrimaryRegion = kmsOperation('UpdatePrimaryRegion', async (input, ctx, kms) => {
  await kms.multiRegion.updatePrimaryRegion(ctx, input.KeyId, input.PrimaryRegion);
  return {};
});
