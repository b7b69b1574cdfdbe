import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { fromMarker, paged, tagsToWire } from '../wire.js';

export const listResourceTags: Operation<KmsServices> = {
  name: 'ListResourceTags',
  async handle(input: { KeyId: string; Limit?: number; Marker?: string }, ctx, kms) {
    const { key } = await kms.keys.describeForManagement(ctx, input.KeyId, 'ListResourceTags');
    const tags = [...key.tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const start = Number(fromMarker(input.Marker) ?? 0) || 0;
    const limit = input.Limit ?? 50;
    const end = start + limit;
    return paged('Tags', tagsToWire(tags.slice(start, end)), end < tags.length ? String(end) : undefined);
  },
};
