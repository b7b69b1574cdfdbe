import type { TrailEvent } from './facts.js';

// Reads the CloudTrail records LookupEvents returns (its CloudTrailEvent member, a JSON string)
// into what the rules use. The record's shape is CloudTrail's: a failed call has errorCode and
// errorMessage, a call with a key in a custom key store carries customKeyStoreId and the backing
// key in additionalEventData (backingKey, or backingKeys and backingKeysDeletionStatus as JSON
// strings in a DeleteKey service event), and what KMS did by itself is an AwsServiceEvent.

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** One LookupEvents entry; `rank` is its position among the events of its query, newest first. */
export function readTrailEvent(entry: { EventId?: string; EventName?: string; EventTime?: Date | number; CloudTrailEvent?: string }, rank: number): TrailEvent | undefined {
  let record: Json;
  try {
    const parsed: unknown = JSON.parse(entry.CloudTrailEvent ?? '');
    if (!isObject(parsed)) return undefined;
    record = parsed;
  } catch {
    return undefined;
  }
  const name = str(record.eventName) ?? entry.EventName;
  const time = Date.parse(String(record.eventTime ?? '')) || timeOf(entry.EventTime);
  if (!name || !time) return undefined;
  const request = isObject(record.requestParameters) ? record.requestParameters : {};
  const response = isObject(record.responseElements) ? record.responseElements : {};
  const data = isObject(record.additionalEventData) ? record.additionalEventData : {};
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};

  const event: TrailEvent = {
    id: str(record.eventID) ?? entry.EventId ?? `${name}@${time}#${rank}`,
    name,
    time,
    service: record.eventType === 'AwsServiceEvent',
    keyRefs: keyRefsOf(record, request, response),
    backingKeys: backingKeysOf(data),
    rank,
  };
  const username = str(identity.userName) ?? str(identity.arn) ?? (identity.type === 'Root' ? 'root' : str(identity.invokedBy));
  if (username) event.username = username;
  const errorCode = str(record.errorCode);
  if (errorCode) event.errorCode = errorCode;
  const errorMessage = str(record.errorMessage);
  if (errorMessage) event.errorMessage = errorMessage;
  const storeId = str(data.customKeyStoreId) ?? str(request.customKeyStoreId);
  if (storeId) event.customKeyStoreId = storeId;
  const clusterId = str(data.clusterId) ?? str(request.cloudHsmClusterId);
  if (clusterId) event.clusterId = clusterId;
  const state = str(data.connectionState);
  if (state) event.connectionState = state;
  const code = str(data.connectionErrorCode);
  if (code) event.connectionErrorCode = code;
  return event;
}

const timeOf = (t: Date | number | undefined) => (t instanceof Date ? t.getTime() : typeof t === 'number' ? t * 1000 : 0);

function keyRefsOf(record: Json, request: Json, response: Json): string[] {
  const refs = new Set<string>();
  for (const r of Array.isArray(record.resources) ? record.resources : []) {
    if (isObject(r) && str(r.ARN)) refs.add(r.ARN as string);
  }
  for (const member of ['keyId', 'destinationKeyId', 'sourceKeyId', 'targetKeyId']) {
    const v = str(request[member]);
    if (v) refs.add(v);
  }
  const responseKey = str(response.keyId) ?? (isObject(response.keyMetadata) ? str(response.keyMetadata.arn) : undefined);
  if (responseKey) refs.add(responseKey);
  return [...refs];
}

function backingKeysOf(data: Json): TrailEvent['backingKeys'] {
  const out = new Map<string, TrailEvent['backingKeys'][number]>();
  const take = (raw: unknown) => {
    const parsed = typeof raw === 'string' ? safeJson(raw) : raw;
    for (const item of Array.isArray(parsed) ? parsed : parsed === undefined ? [] : [parsed]) {
      if (!isObject(item)) continue;
      const id = str(item.backingKeyId);
      if (!id) continue;
      const entry = out.get(id) ?? { backingKeyId: id };
      const handle = item.keyHandle;
      if (typeof handle === 'string' || typeof handle === 'number') entry.keyHandle = String(handle);
      const status = str(item.deletionStatus);
      if (status) entry.deletionStatus = status;
      out.set(id, entry);
    }
  };
  take(data.backingKey);
  take(data.backingKeys);
  take(data.backingKeysDeletionStatus);
  return [...out.values()];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The key id an event's key reference names: a key ARN, a key id, or an alias (resolved through `aliases`). */
export function keyIdOf(ref: string, aliases: Record<string, string>): string | undefined {
  const arn = /^arn:aws[\w-]*:kms:[^:]*:\d*:(key|alias)\/(.+)$/.exec(ref);
  if (arn) return arn[1] === 'key' ? arn[2] : aliases[`alias/${arn[2]}`];
  if (ref.startsWith('alias/')) return aliases[ref];
  return ref;
}

/** Whether an event concerns a key of the store: it names the store, or one of the store's keys. */
export function concernsStore(e: TrailEvent, storeId: string, keyIds: ReadonlySet<string>, aliases: Record<string, string>): boolean {
  if (e.customKeyStoreId !== undefined) return e.customKeyStoreId === storeId;
  return e.keyRefs.some((r) => {
    const id = keyIdOf(r, aliases);
    return id !== undefined && keyIds.has(id);
  });
}

/** Newest first: by time, then by the position LookupEvents gave within one event name. */
export const newestFirst = (a: TrailEvent, b: TrailEvent) => b.time - a.time || (a.name === b.name ? a.rank - b.rank : 0);
