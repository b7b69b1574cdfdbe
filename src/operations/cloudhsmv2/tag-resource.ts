import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { tagsFromWire, type WireTag } from './shapes.js';

export const tagResource: Operation<ClusterServices> = {
  name: 'TagResource',
  async handle(input: { ResourceId: string; TagList: WireTag[] }, ctx, s) {
    await s.tags.tag(ctx, input.ResourceId, tagsFromWire(input.TagList));
    return {};
  },
};
