import { fromMarker, truncation } from '../wire.js';
import { kmsOperation } from './operation.js';

export const listKeys = kmsOperation('ListKeys', async (input, ctx, kms) => {
  const page = await kms.keys.list(ctx, input.Limit ?? 100, fromMarker(input.Marker));
  const keys = page.items.map((v) => ({ KeyId: v.key.keyId, KeyArn: v.arn }));
  return { Keys: keys, ...truncation(page.next) };
});
