import { lookupEvents as lookup } from '../../audit/lookup.js';
import type { Event } from '../../protocol/models/cloudtrail.types.js';
import { epochSeconds } from '../wire.js';
import { cloudTrailOperation } from './operation.js';

/** Results are the caller's own: its account, and the Region it signed for. */
export const lookupEvents = cloudTrailOperation('LookupEvents', async (input, ctx, audit) => {
  const result = await lookup(audit.store, ctx, {
    attributes: input.LookupAttributes?.map((a) => ({ key: a.AttributeKey, value: a.AttributeValue })),
    startTime: input.StartTime,
    endTime: input.EndTime,
    eventCategory: input.EventCategory,
    maxResults: input.MaxResults,
    nextToken: input.NextToken,
  });
  const events = result.events.map((e) => {
    const event: Event = { EventId: e.eventId, EventName: e.eventName, ReadOnly: e.readOnly };
    if (e.accessKeyId !== undefined) event.AccessKeyId = e.accessKeyId;
    event.EventTime = epochSeconds(e.eventTime);
    event.EventSource = e.eventSource;
    if (e.username !== undefined) event.Username = e.username;
    event.Resources = e.resources.map((r) => ({ ResourceType: r.resourceType, ResourceName: r.resourceName }));
    event.CloudTrailEvent = e.cloudTrailEvent;
    return event;
  });
  return result.nextToken === undefined ? { Events: events } : { Events: events, NextToken: result.nextToken };
});
