import type { ServiceEvent, ServiceEventSink } from '../core/events.js';
import type { DeletionListener } from './deletion.js';
import { keyArn, type KeyRecord } from './key.js';

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
    await events.emit(deleteKeyEvent(key, deletedAt));
  };
}

/** The `DeleteKey` service event of one key deleted at `deletedAt`, with what else the caller knows of it. */
export function deleteKeyEvent(key: KeyRecord, deletedAt: number, additionalEventData?: Record<string, unknown>): ServiceEvent {
  const arn = keyArn(key, key.keyId);
  return {
    eventSource: 'kms.amazonaws.com',
    eventName: 'DeleteKey',
    accountId: key.accountId,
    region: key.region,
    eventTime: deletedAt,
    requestParameters: null,
    responseElements: { keyId: arn },
    ...(additionalEventData === undefined ? {} : { additionalEventData }),
    resources: [{ accountId: key.accountId, type: 'AWS::KMS::Key', ARN: arn }],
    readOnly: false,
  };
}
