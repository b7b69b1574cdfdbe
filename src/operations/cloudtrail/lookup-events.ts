import { lookupEvents as lookup } from '../../audit/lookup.js';
import type { AuditServices } from '../../audit/services.js';
import type { Operation } from '../../protocol/service.js';
import { epochSeconds } from '../wire.js';

interface Input {
  LookupAttributes?: Array<{ AttributeKey: string; AttributeValue: string }>;
  /** Epoch milliseconds once decoded. */
  StartTime?: number;
  EndTime?: number;
  EventCategory?: string;
  MaxResults?: number;
  NextToken?: string;
}

/** Results are the caller's own: its account, and the Region it signed for. */
export const lookupEvents: Operation<AuditServices> = {
  name: 'LookupEvents',
  async handle(input: Input, ctx, audit) {
    const result = await lookup(audit.store, ctx, {
      attributes: input.LookupAttributes?.map((a) => ({ key: a.AttributeKey, value: a.AttributeValue })),
      startTime: input.StartTime,
      endTime: input.EndTime,
      eventCategory: input.EventCategory,
      maxResults: input.MaxResults,
      nextToken: input.NextToken,
    });
    const out: Record<string, unknown> = {
      Events: result.events.map((e) => {
        const event: Record<string, unknown> = { EventId: e.eventId, EventName: e.eventName, ReadOnly: e.readOnly };
        if (e.accessKeyId !== undefined) event.AccessKeyId = e.accessKeyId;
        event.EventTime = epochSeconds(e.eventTime);
        event.EventSource = e.eventSource;
        if (e.username !== undefined) event.Username = e.username;
        event.Resources = e.resources.map((r) => ({ ResourceType: r.resourceType, ResourceName: r.resourceName }));
        event.CloudTrailEvent = e.cloudTrailEvent;
        return event;
      }),
    };
    if (result.nextToken !== undefined) out.NextToken = result.nextToken;
    return out;
  },
};
