import type { CallerIdentity } from '../authz/index.js';
import type { AwsError } from '../core/aws-error.js';
import type { IamRules } from './iam.js';
import type { ServiceModel } from './model.js';
import type { Violation } from './validation.js';

/** What the protocol layer knows about the caller of one request. */
export interface CallContext {
  requestId: string;
  accountId: string;
  region: string;
  principalArn: string;
  accessKeyId: string;
  sourceIp: string;
  userAgent: string;
  /** The signer as authorization sees it: principal and identity policies. */
  identity?: CallerIdentity;
  /** The decoded input, where authorization reads the request's condition values. */
  parameters?: Record<string, unknown>;
  /** Whether the request came over TLS (aws:SecureTransport). */
  secureTransport?: boolean;
  /**
   * Filled in by a handler with what the audit record of this call should carry beyond its
   * parameters (for a key in a custom key store: `customKeyStoreId`, `backingKey`).
   */
  additionalEventData?: Record<string, unknown>;
}

export type Handler<App> = (input: any, ctx: CallContext, app: App) => unknown | Promise<unknown>;

/** One API operation: its wire name and a thin handler that maps wire input to a domain call and back. */
export interface Operation<App> {
  name: string;
  handle: Handler<App>;
}

/** A service on the endpoint, selected by the X-Amz-Target prefix. */
export interface ServiceDefinition<App> {
  /** `TrentService`, `BaldrApiService`, ... */
  targetPrefix: string;
  /** The SigV4 credential-scope service name clients sign with. */
  signingName: string;
  /** Model whose input shapes validate every operation; absent for services defined here. */
  model?: ServiceModel;
  /** The error body member that carries the message: `message` for KMS, `Message` for CloudHSM. */
  messageMember: 'message' | 'Message';
  operations: ReadonlyMap<string, Operation<App>>;
  /** How IAM governs the operations; absent for services outside IAM (the HSM wire). */
  iam?: IamRules;
  /** The answer for an operation the model has but this service does not implement yet. */
  notImplemented(operation: string): AwsError;
  /** What a client sees when the service fails unexpectedly (the cause goes to the log only). */
  internalError?(): AwsError;
  /**
   * The error for input that breaks the model's constraints, when the service answers with its
   * own modelled exceptions (CloudTrail's InvalidMaxResultsException, ...) rather than Coral's
   * ValidationException; undefined keeps the ValidationException.
   */
  rejectInput?(operation: string, violations: readonly Violation[]): AwsError | undefined;
}

export function operationMap<App>(ops: Operation<App>[]): ReadonlyMap<string, Operation<App>> {
  return new Map(ops.map((op) => [op.name, op]));
}
