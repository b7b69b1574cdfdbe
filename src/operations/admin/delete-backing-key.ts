import { adminOperation } from './operation.js';

/**
 * Deletes the backing key of a KMS key in an AWS CloudHSM key store from its cluster, behind
 * KMS's back (keystores/backing-key-removal.ts): `{"KeyId": <key id or key ARN>}`.
 */
export const deleteBackingKey = adminOperation('DeleteBackingKey', async (input, ctx, app) => {
  const removed = await app.keyStores.removeBackingKey(ctx, input.KeyId);
  return {
    KeyId: removed.keyArn,
    CustomKeyStoreId: removed.customKeyStoreId,
    ClusterId: removed.clusterId,
    BackingKeyId: removed.backingKeyId,
    KeyHandle: removed.keyHandle,
  };
});
