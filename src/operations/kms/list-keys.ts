import { keyArn } from '../../kms/key.js';
import { fromMarker, truncation } from '../wire.js';
import { kmsOperation } from './operation.js';

export const listKeys = kmsOperation('ListKeys', async (input, ctx, kms) => {
  const page = await kms.keys.listIds(ctx, input.Limit ?? 100, fromMarker(input.Marker));
  const keys = page.items.map((keyId) => ({ KeyId: keyId, KeyArn: keyArn(ctx, keyId) }));
  return { Keys: keys, ...truncation(page.next) };
});
