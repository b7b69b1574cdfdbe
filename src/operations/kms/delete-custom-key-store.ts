import type { Operation } from '../../protocol/service.js';
import type { KmsApp } from './app.js';
import { keyStoreEventData } from './event-data.js';

/** Deletes the store's record only: the cluster, its users and key objects stay as they are. */
export const deleteCustomKeyStore: Operation<KmsApp> = {
  name: 'DeleteCustomKeyStore',
  async handle(input: { CustomKeyStoreId: string }, ctx, app) {
    keyStoreEventData(ctx, await app.customKeyStores.delete(ctx, input.CustomKeyStoreId));
    return {};
  },
};
