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
  /** The Host header the caller signed: the service's address as the caller reached it (through a load balancer, say). */
  host?: string;
  /** Whether the request came over TLS (aws:SecureTransport). */
  secureTransport?: boolean;
  /**
   * Filled in by a handler with what the audit record of this call should carry beyond its
   * parameters (for a key in a custom key store: `customKeyStoreId`, `backingKey`).
   */
  additionalEventData?: Record<string, unknown>;
}

/** An operation's wire types: the input its handler receives and the output it answers with. */
export interface OperationTypes {
  input: unknown;
  output: unknown;
}

/** Every operation of a service by name: the generated KmsOperations, AdminOperations, … */
export type OperationTypeMap = Record<string, OperationTypes>;

/** One API operation: its wire name and a thin handler that maps wire input to a domain call and back. */
export interface Operation<App, Ops extends OperationTypeMap, Name extends keyof Ops & string> {
  readonly name: Name;
  readonly handle: (input: Ops[Name]['input'], ctx: CallContext, app: App) => Ops[Name]['output'] | Promise<Ops[Name]['output']>;
}

/** Any one operation of a service. */
export type ServiceOperation<App, Ops extends OperationTypeMap> = { [N in keyof Ops & string]: Operation<App, Ops, N> }[keyof Ops & string];

/** `R` with every member that `O` lacks, at any depth, turned into `never`. */
type Exact<R, O> = O extends readonly (infer OE)[]
  ? R extends readonly (infer RE)[]
    ? readonly Exact<RE, OE>[]
    : O
  : O extends object
    ? R extends object
      ? { [K in keyof R]: K extends keyof O ? Exact<R[K], O[K]> : never }
      : O
    : O;

/**
 * The helper each service's handlers are written with: `kmsOperation('Sign', async (input, ctx,
 * kms) => …)`. The name must be an operation of the model; the handler's input is typed from it,
 * and its answer must fit the operation's output type. TypeScript does not look for members the
 * target lacks in what a contextually typed function returns, so a misspelt or extra output member
 * is caught by the last parameter instead: it is required (and cannot be given) exactly when the
 * answer has one.
 */
export function operationsOf<App, Ops extends OperationTypeMap>() {
  return <Name extends keyof Ops & string, R extends Ops[Name]['output']>(
    name: Name,
    handle: (input: Ops[Name]['input'], ctx: CallContext, app: App) => R | Promise<R>,
    ..._exact: [R] extends [Exact<R, Ops[Name]['output']>] ? [] : [answerHasMembersTheOutputShapeLacks: never]
  ): Operation<App, Ops, Name> => ({ name, handle });
}

/** An operation as the service registry holds it, its wire types erased. */
export interface RegisteredOperation<App> {
  readonly name: string;
  readonly handle: (input: Record<string, unknown>, ctx: CallContext, app: App) => unknown;
}

/** A service on the endpoint, selected by the X-Amz-Target prefix. */
export interface ServiceDefinition<App> {
  /** `TrentService`, `BaldrApiService`, ... */
  targetPrefix: string;
  /**
   * Other prefixes clients send for the same service: SDKs generated from Smithy models name the
   * service shape alone (`CloudTrail_20131101`) where botocore's metadata has a longer prefix.
   */
  targetAliases?: readonly string[];
  /** The SigV4 credential-scope service name clients sign with. */
  signingName: string;
  /** Model whose input shapes validate every operation; absent for services defined here. */
  model?: ServiceModel;
  /** The error body member that carries the message: `message` for KMS, `Message` for CloudHSM. */
  messageMember: 'message' | 'Message';
  operations: ReadonlyMap<string, RegisteredOperation<App>>;
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

export function operationMap<App, Ops extends OperationTypeMap>(ops: readonly ServiceOperation<App, Ops>[]): ReadonlyMap<string, RegisteredOperation<App>> {
  // The one place where an operation's wire types are erased. Safe because server.ts hands a
  // handler only the input that validation.ts decoded against this operation's input shape in the
  // model that Ops was generated from (a service without a model: the request's JSON object,
  // which its Ops declares as Record<string, unknown>).
  return new Map(ops.map((op) => [op.name, op as unknown as RegisteredOperation<App>]));
}
