import { cloudHsmOperation } from './operation.js';
import { nextToken, tagsToWire } from './shapes.js';

export const listTags = cloudHsmOperation('ListTags', async (input, ctx, s) => {
  const page = await s.tags.list(ctx, input.ResourceId, input.MaxResults, input.NextToken);
  return { TagList: tagsToWire(page.items), ...nextToken(page.next) };
});
