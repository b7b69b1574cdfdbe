import { kmsOperation } from './operation.js';

export const deleteAlias = kmsOperation('DeleteAlias', async (input, ctx, kms) => {
  await kms.aliases.delete(ctx, input.AliasName);
  return {};
});
