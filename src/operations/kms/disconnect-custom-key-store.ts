import { keyStoreEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const disconnectCustomKeyStore = kmsOperation('DisconnectCustomKeyStore', async (input, ctx, app) => {
  keyStoreEventData(ctx, await app.customKeyStores.disconnect(ctx, input.CustomKeyStoreId));
  return {};
});
