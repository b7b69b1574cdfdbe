import { createHash } from 'node:crypto';
import {
  InvalidLookupAttributesException,
  InvalidNextTokenException,
  InvalidTimeRangeException,
} from './errors.js';
import type { AuditStore, LookupAttributeKey, LookupFilter, TrailPosition } from './repository.js';

export const LOOKUP_ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
];

export const DEFAULT_MAX_RESULTS = 50;

export interface LookupRequest {
  attributes?: Array<{ key: string; value: string }>;
  /** Epoch milliseconds, inclusive. */
  startTime?: number;
  endTime?: number;
  eventCategory?: string;
  maxResults?: number;
  nextToken?: string;
}

/** One entry of LookupEvents' Events, from the record it found. */
export interface LookedUpEvent {
  eventId: string;
  eventName: string;
  readOnly: string;
  accessKeyId?: string;
  /** Epoch milliseconds (whole seconds, as the record's eventTime). */
  eventTime: number;
  eventSource: string;
  username?: string;
  resources: Array<{ resourceType: string; resourceName: string }>;
  /** The full record, as stored. */
  cloudTrailEvent: string;
}

/**
 * LookupEvents for one account and Region (the caller's): at most one attribute, an inclusive
 * time range, newest first, pages of at most 50. A NextToken is only good with the parameters that
 * produced it, as CloudTrail documents.
 */
export async function lookupEvents(
  store: AuditStore,
  scope: { accountId: string; region: string },
  req: LookupRequest,
): Promise<{ events: LookedUpEvent[]; nextToken?: string }> {
  const attributes = req.attributes ?? [];
  if (attributes.length > 1) {
    throw new InvalidLookupAttributesException(`LookupAttributes holds at most one attribute; ${attributes.length} were given.`);
  }
  const attribute = attributes[0];
  if (attribute && !(LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(attribute.key)) {
    throw new InvalidLookupAttributesException(`'${attribute.key}' is not a lookup attribute. Use one of: ${LOOKUP_ATTRIBUTE_KEYS.join(', ')}.`);
  }
  if (attribute?.key === 'ReadOnly' && attribute.value !== 'true' && attribute.value !== 'false') {
    throw new InvalidLookupAttributesException(`The value of the ReadOnly lookup attribute must be true or false, not '${attribute.value}'.`);
  }
  const startTime = req.startTime ?? 0;
  const endTime = req.endTime ?? Number.MAX_SAFE_INTEGER;
  if (startTime > endTime) throw new InvalidTimeRangeException('The StartTime must not be after the EndTime.');

  const fingerprint = queryFingerprint(scope, req);
  const after = req.nextToken === undefined ? undefined : readToken(req.nextToken, fingerprint);
  // Keywarden records no CloudTrail Insights events.
  if (req.eventCategory === 'insight') return { events: [] };

  const limit = req.maxResults ?? DEFAULT_MAX_RESULTS;
  const filter: LookupFilter = { accountId: scope.accountId, region: scope.region, startTime, endTime, limit: limit + 1 };
  if (attribute) filter.attribute = { key: attribute.key as LookupAttributeKey, value: attribute.value };
  if (after) filter.after = after;
  const found = await store.lookup(filter);
  const page = found.slice(0, limit);
  const events = page.map((f) => lookedUp(f.record));
  if (found.length <= limit) return { events };
  const last = page[page.length - 1]!;
  return { events, nextToken: writeToken({ eventTime: last.eventTime, seq: last.seq }, fingerprint) };
}

function lookedUp(text: string): LookedUpEvent {
  const r = JSON.parse(text) as {
    eventID: string;
    eventName: string;
    readOnly: boolean;
    eventTime: string;
    eventSource: string;
    userIdentity: { type?: string; arn?: string; userName?: string; accessKeyId?: string };
    resources?: Array<{ type: string; ARN: string }>;
  };
  const event: LookedUpEvent = {
    eventId: r.eventID,
    eventName: r.eventName,
    readOnly: String(r.readOnly),
    eventTime: Date.parse(r.eventTime),
    eventSource: r.eventSource,
    resources: (r.resources ?? []).map((x) => ({ resourceType: x.type, resourceName: x.ARN })),
    cloudTrailEvent: text,
  };
  if (r.userIdentity.accessKeyId) event.accessKeyId = r.userIdentity.accessKeyId;
  const username = usernameOf(r.userIdentity);
  if (username) event.username = username;
  return event;
}

function usernameOf(identity: { type?: string; arn?: string; userName?: string }): string | undefined {
  if (identity.type === 'Root') return 'root';
  if (identity.userName) return identity.userName;
  return /:assumed-role\/[^/]+\/(.+)$/.exec(identity.arn ?? '')?.[1];
}

const TOKEN_PREFIX = 'kwct1.';

/** What a NextToken is bound to: the caller's scope and every parameter but the page size. */
function queryFingerprint(scope: { accountId: string; region: string }, req: LookupRequest): string {
  const canonical = JSON.stringify([
    scope.accountId,
    scope.region,
    (req.attributes ?? []).map((a) => [a.key, a.value]),
    req.startTime ?? null,
    req.endTime ?? null,
    req.eventCategory ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

function writeToken(at: TrailPosition, fingerprint: string): string {
  return TOKEN_PREFIX + Buffer.from(JSON.stringify({ t: at.eventTime, s: at.seq, q: fingerprint })).toString('base64url');
}

function readToken(token: string, fingerprint: string): TrailPosition {
  let doc: { t?: unknown; s?: unknown; q?: unknown } | undefined;
  if (token.startsWith(TOKEN_PREFIX)) {
    try {
      doc = JSON.parse(Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url').toString('utf8'));
    } catch {
      doc = undefined;
    }
  }
  if (!doc || !Number.isSafeInteger(doc.t) || !Number.isSafeInteger(doc.s)) {
    throw new InvalidNextTokenException('The NextToken is not valid. Pass the NextToken of a previous LookupEvents response.');
  }
  if (doc.q !== fingerprint) {
    throw new InvalidNextTokenException(
      'The NextToken was issued for different parameters. Pass it with the same LookupAttributes, StartTime, EndTime and EventCategory as the call that returned it.',
    );
  }
  return { eventTime: doc.t as number, seq: doc.s as number };
}
