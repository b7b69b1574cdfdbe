import type { ServiceEventSink } from '../core/events.js';
import type { DeletionListener } from './deletion.js';
import { keyArn } from './key.js';

/**
 * The `DeleteKey` service event CloudTrail records when KMS deletes a key at the end of its
 * waiting period (KMS Developer Guide, "DeleteKey": no request parameters, the key ARN as
 * responseElements.keyId since December 2022, the key as the resource). Keys in a custom key store
 * are left to keystores/, whose event also reports what became of the backing key: one event per
 * deleted key either way.
 */
export function deleteKeyEvents(events: ServiceEventSink): DeletionListener {
  return async (key, deletedAt) => {
    if (key.customKeyStoreId !== undefined) return;
    const arn = keyArn(key, key.keyId);
    await events.emit({
      eventSource: 'kms.amazonaws.com',
      eventName: 'DeleteKey',
      accountId: key.accountId,
      region: key.region,
      eventTime: deletedAt,
      requestParameters: null,
      responseElements: { keyId: arn },
      resources: [{ accountId: key.accountId, type: 'AWS::KMS::Key', ARN: arn }],
      readOnly: false,
    });
  };
}
