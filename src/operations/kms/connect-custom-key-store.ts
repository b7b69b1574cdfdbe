import type { Operation } from '../../protocol/service.js';
import type { KmsApp } from './app.js';
import { keyStoreEventData } from './event-data.js';

/** Returns at once; DescribeCustomKeyStores shows how the connection attempt ends. */
export const connectCustomKeyStore: Operation<KmsApp> = {
  name: 'ConnectCustomKeyStore',
  async handle(input: { CustomKeyStoreId: string }, ctx, app) {
    keyStoreEventData(ctx, await app.customKeyStores.connect(ctx, input.CustomKeyStoreId));
    return {};
  },
};
