import type { ApiCall, ApiCallObserver } from '../core/api-call.js';
import { DAY_MS, type Clock } from '../core/clock.js';
import type { ServiceEvent, ServiceEventSink } from '../core/events.js';
import type { Random } from '../core/random.js';
import { apiCallText, serviceEventRecord } from './record.js';
import type { AuditModel } from './redaction.js';
import type { AuditStore } from './repository.js';
import { AUDITED_SERVICES, type AuditedService } from './sources.js';

export const DEFAULT_RETENTION_DAYS = 90;

export interface AuditTrailDeps {
  store: AuditStore;
  clock: Clock;
  random: Random;
  /** Service models by X-Amz-Target prefix: they say which input members are sensitive. */
  models: Readonly<Record<string, AuditModel>>;
  retentionDays?: number;
  services?: Readonly<Record<string, AuditedService>>;
  /**
   * Told of every successful call once its record is written, with the record's event id and
   * time and the keys it names: how GetKeyLastUsage learns the id LookupEvents shows.
   */
  onRecorded?: (call: ApiCall, record: RecordedCall) => void;
}

export interface RecordedCall {
  eventId: string;
  /** The record's eventTime in milliseconds: whole seconds, as CloudTrail writes it. */
  eventTime: number;
  /** The time the record was made, to the millisecond: what orders the calls of one second. */
  at: number;
  keyArns: string[];
}

/**
 * The writing side of the audit trail: a CloudTrail record for every API call (as the endpoint's
 * observer) and for every action the service takes by itself (as the domain's event sink). A call
 * is answered only once its record is written (and on disk, when the call changed something); the
 * store writes records in groups, so a burst of calls pays for one write per group, not one per call.
 */
export class AuditTrail implements ApiCallObserver, ServiceEventSink {
  private readonly services: Readonly<Record<string, AuditedService>>;
  readonly retentionDays: number;

  constructor(private readonly deps: AuditTrailDeps) {
    this.services = deps.services ?? AUDITED_SERVICES;
    this.retentionDays = deps.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }

  observe(call: ApiCall): Promise<void> | undefined {
    const service = this.services[call.service];
    if (service === undefined || service.unrecorded?.has(call.operation)) return undefined;
    const time = this.deps.clock.now();
    const eventId = this.deps.random.uuid();
    const text = apiCallText(call, service, this.deps.models[call.service], time, eventId);
    // A call that changed something is answered once its record is on disk, as the change itself
    // is; a use of a key (the bursts) once the record is written (see docs/audit.md).
    const written = this.deps.store.append(text, !call.error && !service.readOnly(call.operation));
    const onRecorded = this.deps.onRecorded;
    if (!onRecorded || call.error) return written;
    return written.then(() => onRecorded(call, { eventId, eventTime: Math.floor(time / 1000) * 1000, at: time, keyArns: service.keyArns?.(call) ?? [] }));
  }

  emit(event: ServiceEvent): Promise<void> {
    return this.deps.store.append(JSON.stringify(serviceEventRecord(event, this.deps.random.uuid())), !event.readOnly);
  }

  /** Removes records older than the retention period; a maintenance task. */
  purgeExpired(): Promise<number> {
    return this.deps.store.purgeBefore(this.deps.clock.now() - this.retentionDays * DAY_MS);
  }

  /** Waits for every record handed in so far to be written. */
  flush(): Promise<void> {
    return this.deps.store.flush();
  }
}
