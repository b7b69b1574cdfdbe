import type { Operation } from '../../protocol/service.js';
import { fromMarker, paged } from '../wire.js';
import type { KmsApp } from './app.js';
import { customKeyStoreEntry } from './custom-key-store-entry.js';

interface Input {
  CustomKeyStoreId?: string;
  CustomKeyStoreName?: string;
  Limit?: number;
  Marker?: string;
}

export const describeCustomKeyStores: Operation<KmsApp> = {
  name: 'DescribeCustomKeyStores',
  async handle(input: Input, ctx, app) {
    const page = await app.customKeyStores.describe(ctx, {
      customKeyStoreId: input.CustomKeyStoreId,
      name: input.CustomKeyStoreName,
      limit: input.Limit,
      after: fromMarker(input.Marker),
    });
    return paged('CustomKeyStores', page.items.map(customKeyStoreEntry), page.next);
  },
};
