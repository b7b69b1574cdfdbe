import type { Operation } from '../../protocol/service.js';
import type { KmsApp } from './app.js';
import { keyStoreEventData } from './event-data.js';

export const disconnectCustomKeyStore: Operation<KmsApp> = {
  name: 'DisconnectCustomKeyStore',
  async handle(input: { CustomKeyStoreId: string }, ctx, app) {
    keyStoreEventData(ctx, await app.customKeyStores.disconnect(ctx, input.CustomKeyStoreId));
    return {};
  },
};
