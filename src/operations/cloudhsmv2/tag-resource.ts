import { cloudHsmOperation } from './operation.js';
import { tagsFromWire } from './shapes.js';

export const tagResource = cloudHsmOperation('TagResource', async (input, ctx, s) => {
  await s.tags.tag(ctx, input.ResourceId, tagsFromWire(input.TagList));
  return {};
});
