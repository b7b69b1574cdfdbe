import { fromMarker, tagsToWire, truncation } from '../wire.js';
import { kmsOperation } from './operation.js';

export const listResourceTags = kmsOperation('ListResourceTags', async (input, ctx, kms) => {
  const { key } = await kms.keys.describeForManagement(ctx, input.KeyId, 'ListResourceTags');
  const tags = [...key.tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const start = Number(fromMarker(input.Marker) ?? 0) || 0;
  const limit = input.Limit ?? 50;
  const end = start + limit;
  return { Tags: tagsToWire(tags.slice(start, end)), ...truncation(end < tags.length ? String(end) : undefined) };
});
