import { keyStoreEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

/** Deletes the store's record only: the cluster, its users and key objects stay as they are. */
export const deleteCustomKeyStore = kmsOperation('DeleteCustomKeyStore', async (input, ctx, app) => {
  keyStoreEventData(ctx, await app.customKeyStores.delete(ctx, input.CustomKeyStoreId));
  return {};
});
