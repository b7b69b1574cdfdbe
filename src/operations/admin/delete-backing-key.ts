import type { Operation } from '../../protocol/service.js';
import type { AdminApp } from './index.js';
import { requiredString } from './subnet-shape.js';

/**
 * Deletes the backing key of a KMS key in an AWS CloudHSM key store from its cluster, behind
 * KMS's back (keystores/backing-key-removal.ts): `{"KeyId": <key id or key ARN>}`.
 */
export const deleteBackingKey: Operation<AdminApp> = {
  name: 'DeleteBackingKey',
  async handle(input: Record<string, unknown>, ctx, app) {
    const removed = await app.keyStores.removeBackingKey(ctx, requiredString(input, 'KeyId', '1234abcd-12ab-34cd-56ef-1234567890ab'));
    return {
      KeyId: removed.keyArn,
      CustomKeyStoreId: removed.customKeyStoreId,
      ClusterId: removed.clusterId,
      BackingKeyId: removed.backingKeyId,
      KeyHandle: removed.keyHandle,
    };
  },
};
