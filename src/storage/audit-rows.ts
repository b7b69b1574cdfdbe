import type { StoredRecord } from '../audit/repository.js';
import { decodeResources } from './audit-resources.js';

/** An audit record's row as both stores' tables hold it (SQLite keeps read_only as 0 or 1). */
export interface AuditRow {
  seq: number;
  event_time: number;
  account_id: string;
  region: string;
  event_id: string;
  event_name: string;
  event_source: string;
  read_only: boolean | number;
  username: string | null;
  access_key_id: string | null;
  resources: string;
  record: string;
  digest: string;
}

export function storedRecord(r: AuditRow): StoredRecord {
  const s: StoredRecord = {
    seq: r.seq,
    digest: r.digest,
    record: r.record,
    eventTime: r.event_time,
    accountId: r.account_id,
    region: r.region,
    eventId: r.event_id,
    eventName: r.event_name,
    eventSource: r.event_source,
    readOnly: r.read_only === true || r.read_only === 1,
    resources: decodeResources(r.resources),
  };
  if (r.username !== null) s.username = r.username;
  if (r.access_key_id !== null) s.accessKeyId = r.access_key_id;
  return s;
}
