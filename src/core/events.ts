/**
 * Something the service did on its own (a key deleted at the end of its waiting period, an
 * automatic rotation, a key store connection that succeeded or failed), reported for the audit
 * trail as CloudTrail reports an `AwsServiceEvent`. API calls are recorded by the protocol layer.
 */
export interface ServiceEvent {
  eventSource: 'kms.amazonaws.com' | 'cloudhsm.amazonaws.com';
  eventName: string;
  accountId: string;
  region: string;
  /** Milliseconds since the epoch, from the service clock. */
  eventTime: number;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  resources?: Array<{ accountId: string; type: string; ARN: string }>;
  readOnly?: boolean;
  errorCode?: string;
  errorMessage?: string;
  /** What CloudTrail shows as `serviceEventDetails` (RotateKey: rotationType, keyId, key material ids). */
  serviceEventDetails?: Record<string, unknown>;
}

/** Where service events go. The domain emits; the audit trail (or nothing) receives. */
export interface ServiceEventSink {
  emit(event: ServiceEvent): Promise<void>;
}

export const discardEvents: ServiceEventSink = { emit: async () => {} };
