import { kmsOperation } from './operation.js';

export const updateAlias = kmsOperation('UpdateAlias', async (input, ctx, kms) => {
  await kms.aliases.update(ctx, input.AliasName, input.TargetKeyId);
  return {};
});
