import type { GetKeyLastUsageResponse } from '../../protocol/models/kms.types.js';
import { epochSeconds } from '../wire.js';
import { kmsOperation } from './operation.js';

export const getKeyLastUsage = kmsOperation('GetKeyLastUsage', async (input, ctx, kms) => {
  const usage = await kms.usage.lastUsage(ctx, input.KeyId);
  const out: GetKeyLastUsageResponse = {
    KeyId: usage.keyId,
    TrackingStartDate: epochSeconds(usage.trackingStart),
    KeyCreationDate: epochSeconds(usage.createdAt),
  };
  // A key not used since tracking began has no KeyLastUsage member at all.
  if (usage.use) {
    out.KeyLastUsage = {
      Operation: usage.use.operation,
      Timestamp: epochSeconds(usage.use.timestamp),
      CloudTrailEventId: usage.use.eventId,
      KmsRequestId: usage.use.requestId,
    };
  }
  return out;
});
