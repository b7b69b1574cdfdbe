import { UnsupportedOperationException } from '../../kms/errors.js';
import { kmsOperation } from './operation.js';

export const createCustomKeyStore = kmsOperation('CreateCustomKeyStore', async (input, ctx, app) => {
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
});
