import { UnsupportedOperationException } from '../../kms/errors.js';
import { keyStoreEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const updateCustomKeyStore = kmsOperation('UpdateCustomKeyStore', async (input, ctx, app) => {
  if (Object.keys(input).some((k) => k.startsWith('Xks'))) {
    throw new UnsupportedOperationException('The Xks* parameters apply to external key stores, which Keywarden does not support.');
  }
  const store = await app.customKeyStores.update(ctx, input.CustomKeyStoreId, {
    newName: input.NewCustomKeyStoreName,
    password: input.KeyStorePassword,
    clusterId: input.CloudHsmClusterId,
  });
  keyStoreEventData(ctx, store);
  return {};
});
