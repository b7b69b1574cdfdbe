import { kmsOperation } from './operation.js';

export const untagResource = kmsOperation('UntagResource', async (input, ctx, kms) => {
  await kms.keys.untag(ctx, input.KeyId, [...input.TagKeys]);
  return {};
});
