import { cloudHsmOperation } from './operation.js';

export const untagResource = cloudHsmOperation('UntagResource', async (input, ctx, s) => {
  await s.tags.untag(ctx, input.ResourceId, input.TagKeyList);
  return {};
});
