import { UnsupportedOperationException } from '../../kms/errors.js';
import type { Operation } from '../../protocol/service.js';
import type { KmsApp } from './app.js';
import { keyStoreEventData } from './event-data.js';

interface Input {
  CustomKeyStoreId: string;
  NewCustomKeyStoreName?: string;
  KeyStorePassword?: string;
  CloudHsmClusterId?: string;
  [xks: `Xks${string}`]: unknown;
}

export const updateCustomKeyStore: Operation<KmsApp> = {
  name: 'UpdateCustomKeyStore',
  async handle(input: Input, ctx, app) {
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
  },
};
