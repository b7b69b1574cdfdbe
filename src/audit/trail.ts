import type { ApiCall, ApiCallObserver } from '../core/api-call.js';
import { DAY_MS, type Clock } from '../core/clock.js';
import type { ServiceEvent, ServiceEventSink } from '../core/events.js';
import type { Random } from '../core/random.js';
import { GroupCommit } from './group-commit.js';
import { apiCallEntry, entryOf, serviceEventRecord, type AuditEntry } from './record.js';
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
}

/**
 * The writing side of the audit trail: a CloudTrail record for every API call (as the endpoint's
 * observer) and for every action the service takes by itself (as the domain's event sink). A call
 * is answered only once its record is durable; records reach the store in batches (group commit),
 * so a burst of calls pays for one transaction per batch, not one per call.
 */
export class AuditTrail implements ApiCallObserver, ServiceEventSink {
  private readonly commits: GroupCommit<AuditEntry>;
  private readonly services: Readonly<Record<string, AuditedService>>;
  readonly retentionDays: number;

  constructor(private readonly deps: AuditTrailDeps) {
    this.commits = new GroupCommit((batch) => deps.store.append(batch), { maxInFlight: deps.store.appendsInFlight });
    this.services = deps.services ?? AUDITED_SERVICES;
    this.retentionDays = deps.retentionDays ?? DEFAULT_RETENTION_DAYS;
  }

  observe(call: ApiCall): Promise<void> | undefined {
    const service = this.services[call.service];
    if (service === undefined || service.unrecorded?.has(call.operation)) return undefined;
    const entry = apiCallEntry(call, service, this.deps.models[call.service], this.deps.clock.now(), this.deps.random.uuid());
    return this.commits.add(entry);
  }

  emit(event: ServiceEvent): Promise<void> {
    return this.commits.add(entryOf(serviceEventRecord(event, this.deps.random.uuid()), event.eventTime));
  }

  /** Removes records older than the retention period; a maintenance task. */
  purgeExpired(): Promise<number> {
    return this.deps.store.purgeBefore(this.deps.clock.now() - this.retentionDays * DAY_MS);
  }

  /** Waits for every record handed in so far to be written. */
  flush(): Promise<void> {
    return this.commits.drain();
  }
}
