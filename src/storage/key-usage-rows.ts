import type { KeyUse, TrackedOperation } from '../kms/key-usage.js';

/** A key's last use as both stores' tables hold it. */
export interface UseRow {
  key_arn: string;
  operation: string;
  event_time: number;
  written_at: number;
  event_id: string;
  request_id: string;
}

export const toUse = (r: UseRow): KeyUse => ({
  keyArn: r.key_arn,
  operation: r.operation as TrackedOperation,
  timestamp: r.event_time,
  at: r.written_at,
  eventId: r.event_id,
  requestId: r.request_id,
});
