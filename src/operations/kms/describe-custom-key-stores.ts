import { fromMarker, truncation } from '../wire.js';
import { customKeyStoreEntry } from './custom-key-store-entry.js';
import { kmsOperation } from './operation.js';

export const describeCustomKeyStores = kmsOperation('DescribeCustomKeyStores', async (input, ctx, app) => {
  const page = await app.customKeyStores.describe(ctx, {
    customKeyStoreId: input.CustomKeyStoreId,
    name: input.CustomKeyStoreName,
    limit: input.Limit,
    after: fromMarker(input.Marker),
  });
  return { CustomKeyStores: page.items.map(customKeyStoreEntry), ...truncation(page.next) };
});
