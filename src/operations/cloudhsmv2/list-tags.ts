import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { paged, tagsToWire } from './shapes.js';

export const listTags: Operation<ClusterServices> = {
  name: 'ListTags',
  async handle(input: { ResourceId: string; NextToken?: string; MaxResults?: number }, ctx, s) {
    const page = await s.tags.list(ctx, input.ResourceId, input.MaxResults, input.NextToken);
    return paged('TagList', tagsToWire(page.items), page.next);
  },
};
