import { keyStoreEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

/** Returns at once; DescribeCustomKeyStores shows how the connection attempt ends. */
export const connectCustomKeyStore = kmsOperation('ConnectCustomKeyStore', async (input, ctx, app) => {
  keyStoreEventData(ctx, await app.customKeyStores.connect(ctx, input.CustomKeyStoreId));
  return {};
});
