import { kmsOperation } from './operation.js';

export const createAlias = kmsOperation('CreateAlias', async (input, ctx, kms) => {
  await kms.aliases.create(ctx, input.AliasName, input.TargetKeyId);
  return {};
});
