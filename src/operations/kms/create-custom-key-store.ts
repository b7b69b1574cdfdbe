import { UnsupportedOperationException } from '../../kms/errors.js';
import type { Operation } from '../../protocol/service.js';
import type { KmsApp } from './app.js';

interface Input {
  CustomKeyStoreName: string;
  CloudHsmClusterId?: string;
  TrustAnchorCertificate?: string;
  KeyStorePassword?: string;
  CustomKeyStoreType?: string;
  [xks: `Xks${string}`]: unknown;
}

export const createCustomKeyStore: Operation<KmsApp> = {
  name: 'CreateCustomKeyStore',
  async handle(input: Input, ctx, app) {
    if (Object.keys(input).some((k) => k.startsWith('Xks'))) {
      throw new UnsupportedOperationException('External key stores (the Xks* parameters) are not supported; Keywarden offers AWS_CLOUDHSM key stores.');
    }
    const id = await app.customKeyStores.create(ctx, {
      name: input.CustomKeyStoreName,
      type: input.CustomKeyStoreType,
      clusterId: input.CloudHsmClusterId,
      trustAnchor: input.TrustAnchorCertificate,
      password: input.KeyStorePassword,
    });
    return { CustomKeyStoreId: id };
  },
};
