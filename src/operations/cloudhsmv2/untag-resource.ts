import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';

export const untagResource: Operation<ClusterServices> = {
  name: 'UntagResource',
  async handle(input: { ResourceId: string; TagKeyList: string[] }, ctx, s) {
    await s.tags.untag(ctx, input.ResourceId, input.TagKeyList);
    return {};
  },
};
