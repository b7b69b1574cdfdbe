import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AnsweredRequest } from '../protocol/server.js';

// What /metrics shows, in Prometheus's text format. Every label takes its values from a bounded
// set: operations and error names the service defines (AnsweredRequest leaves out what a caller
// invented), key and connection states, and the names of the background tasks.

export interface MetricSources {
  version: string;
  /** Keys of every account by the state callers see (Unavailable included). */
  keysByState(): Promise<Readonly<Record<string, number>>>;
  /** Custom key stores of every account by connection state. */
  keyStoresByState(): Promise<Readonly<Record<string, number>>>;
  /** Bytes of audit records written but not yet indexed for reads; undefined when the trail is off. */
  auditBacklogBytes(): number | undefined;
  /** The background tasks failing now (FailureLog). */
  failingSources(): string[];
}

// From half a millisecond (a cached Encrypt) to ten seconds (a call waiting on a stalled disk).
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'service' | 'operation' | 'status' | 'error_type'>;
  private readonly latency: Histogram<'service' | 'operation'>;
  private readonly failures: Counter<'source'>;
  private readonly series = new Map<string, { requests: Counter.Internal; latency: Histogram.Internal<'service' | 'operation'> }>();

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'keywarden_build_info', help: 'Always 1; its label is the version of Keywarden running.', labelNames: ['version'], registers }).set(
      { version: sources.version },
      1,
    );
    this.requests = new Counter({
      name: 'keywarden_requests_total',
      help: 'Requests answered, by service (X-Amz-Target prefix), operation, HTTP status and AWS error name.',
      labelNames: ['service', 'operation', 'status', 'error_type'],
      registers,
    });
    this.latency = new Histogram({
      name: 'keywarden_request_duration_seconds',
      help: 'Time from a request arriving to its answer being handed to the connection, by service and operation.',
      labelNames: ['service', 'operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.failures = new Counter({
      name: 'keywarden_background_failures_total',
      help: 'Failures of background work by task, each one counted (the log shows only changes).',
      labelNames: ['source'],
      registers,
    });
    new Gauge({
      name: 'keywarden_background_failing',
      help: '1 for each background task whose last run failed.',
      labelNames: ['source'],
      registers,
      collect() {
        this.reset();
        for (const source of sources.failingSources()) this.set({ source }, 1);
      },
    });
    new Gauge({
      name: 'keywarden_keys',
      help: 'KMS keys of every account by key state, as callers see it.',
      labelNames: ['state'],
      registers,
      async collect() {
        await countsInto(this, 'state', sources.keysByState);
      },
    });
    new Gauge({
      name: 'keywarden_custom_key_stores',
      help: 'Custom key stores of every account by connection state.',
      labelNames: ['connection_state'],
      registers,
      async collect() {
        await countsInto(this, 'connection_state', sources.keyStoresByState);
      },
    });
    new Gauge({
      name: 'keywarden_audit_backlog_bytes',
      help: 'Audit records written to the write-ahead log and not yet indexed for LookupEvents, in bytes.',
      registers,
      collect() {
        this.reset();
        const bytes = sources.auditBacklogBytes();
        if (bytes !== undefined) this.set(bytes);
      },
    });
  }

  countRequest(a: AnsweredRequest): void {
    // prom-client hashes a label set on every update; the series of one kind of answer are found
    // once and kept (as many as label combinations, which are bounded).
    const key = `${a.service ?? ''}\n${a.operation ?? ''}\n${a.status}\n${a.errorType ?? ''}`;
    let series = this.series.get(key);
    if (series === undefined) {
      const where = a.service === undefined ? {} : { service: a.service, operation: a.operation! };
      series = {
        requests: this.requests.labels({ ...where, status: a.status, ...(a.errorType === undefined ? {} : { error_type: a.errorType }) }),
        latency: this.latency.labels(where),
      };
      this.series.set(key, series);
    }
    series.requests.inc();
    series.latency.observe(a.durationMs / 1000);
  }

  countFailure(source: string): void {
    this.failures.inc({ source });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** Sets one series per state; if the count cannot be read, the gauge shows nothing rather than stale numbers. */
async function countsInto<L extends string>(gauge: Gauge<L>, label: L, read: () => Promise<Readonly<Record<string, number>>>): Promise<void> {
  gauge.reset();
  let counts: Readonly<Record<string, number>>;
  try {
    counts = await read();
  } catch {
    return;
  }
  for (const [value, n] of Object.entries(counts)) gauge.set({ [label]: value } as Partial<Record<L, string>>, n);
}
