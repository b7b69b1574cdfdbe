import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiCall, ApiCallObserver } from '../core/api-call.js';
import { AwsError, AwsServerError } from '../core/aws-error.js';
import type { Credentials } from './credentials.js';
import { authorizeByIdentity } from './iam.js';
import {
  InvalidSignatureException,
  RequestEntityTooLargeException,
  SerializationException,
  UnknownOperationException,
  ValidationException,
} from './errors.js';
import { parseJsonBody } from './json-body.js';
import { answerText, type AnswerText } from './json-text.js';
import type { CallContext, ServiceDefinition } from './service.js';
import { answerAndClose } from './raw-answer.js';
import { verifySigV4 } from './sigv4.js';
import { decodeInput, formatViolations } from './validation.js';

/** A service definition with the application object its handlers receive. */
export interface Mounted {
  readonly def: ServiceDefinition<unknown>;
  readonly app: unknown;
}

/** Pairs a service with the object its handlers receive; checked here, so the server may give `app` to `def`'s handlers. */
export const mount = <App>(def: ServiceDefinition<App>, app: App): Mounted => ({ def: def as ServiceDefinition<unknown>, app });

export interface ApiOptions {
  services: Mounted[];
  credentials: Credentials;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Where unexpected failures are reported (never to the client). */
  onInternalError?: (err: unknown, requestId: string) => void;
  /**
   * Sees every authenticated call to a known operation, successful or not, before its answer is
   * sent; the answer waits for what it returns (the audit trail makes the call's record durable).
   */
  observer?: ApiCallObserver;
  /** The service clock, for aws:CurrentTime in identity policies; the system clock by default. */
  now?: () => number;
  /** Told of every request once it is answered, whatever the outcome (request logs, metrics). */
  onAnswered?: (answer: AnsweredRequest) => void;
}

/** One request as it was answered. */
export interface AnsweredRequest {
  requestId: string;
  /**
   * The X-Amz-Target prefix and the operation, once they are known to be the service's: what a
   * caller sends otherwise stays out, so that it cannot mint new metric series.
   */
  service?: string;
  operation?: string;
  /** The signer's principal ARN, once the signature was verified. */
  principal?: string;
  sourceIp: string;
  status: number;
  /** The AWS error name the request was answered with. */
  errorType?: string;
  durationMs: number;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const DEFAULT_MAX_BODY = 2 * 1024 * 1024;

class InternalFailure extends AwsServerError {}

/** The AWS JSON 1.1 endpoint: dispatch on X-Amz-Target, SigV4, model validation, error envelope. */
export function createApiHandler(opts: ApiOptions) {
  const byPrefix = new Map(opts.services.flatMap((m) => [m.def.targetPrefix, ...(m.def.targetAliases ?? [])].map((prefix) => [prefix, m] as const)));
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const started = performance.now();
    const answer: AnsweredRequest = { requestId, sourceIp: req.socket.remoteAddress ?? '', status: 200, durationMs: 0 };
    let mounted: Mounted | undefined;
    // Set once the caller is known and the operation exists; from then on the call is observed.
    let call: ApiCall | undefined;
    try {
      const target = header(req, 'x-amz-target');
      const dot = target.lastIndexOf('.');
      mounted = byPrefix.get(target.slice(0, dot));
      const name = target.slice(dot + 1);
      if (mounted && (mounted.def.operations.has(name) || (mounted.def.model && Object.hasOwn(mounted.def.model.operations, name)))) {
        answer.service = mounted.def.targetPrefix;
        answer.operation = name;
      }
      if (req.method !== 'POST' || !mounted || !name) {
        await readBody(req, maxBody).catch(() => {});
        throw new UnknownOperationException(target ? `Operation ${target} is not known.` : 'Missing X-Amz-Target header.');
      }
      const { def, app } = mounted;
      const body = await readBody(req, maxBody);
      const identity = verifySigV4(
        { method: req.method, url: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body },
        (id) => opts.credentials.get(id),
        Date.now(),
      );
      if (identity.service !== def.signingName) {
        throw new InvalidSignatureException(`Credential should be scoped to correct service: '${def.signingName}'. `);
      }
      // Own properties only: an operation named after Object.prototype's members (constructor,
      // toString, __proto__) is no operation at all.
      const modelOp = def.model && Object.hasOwn(def.model.operations, name) ? def.model.operations[name] : undefined;
      const op = def.operations.get(name);
      if (!op && !modelOp) throw new UnknownOperationException(`Operation ${target} is not known.`);
      const principal = opts.credentials.get(identity.accessKeyId)!;
      answer.principal = principal.principalArn;
      const ctx: CallContext = {
        requestId,
        accountId: principal.accountId,
        region: identity.region,
        principalArn: principal.principalArn,
        accessKeyId: identity.accessKeyId,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: header(req, 'user-agent'),
        host: header(req, 'host'),
        identity: principal.identity,
        secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true,
      };
      call = { service: def.targetPrefix, operation: name, ctx, input: undefined };
      const json = parseJsonBody(body);
      call.input = json;
      const input =
        def.model && modelOp?.input
          ? decodeInput(def.model, modelOp.input, json, (v) => def.rejectInput?.(name, v) ?? new ValidationException(formatViolations(v)))
          : plainObject(json);
      call.input = input;
      ctx.parameters = input as Record<string, unknown>;
      if (def.iam) authorizeByIdentity(ctx, def.iam, name, (opts.now ?? Date.now)());
      if (!op) throw def.notImplemented(name);
      const output = await op.handle(input, ctx, app);
      const reply = answerText(output ?? {});
      if (opts.observer) {
        const observed = call;
        // Cleared first: if recording fails, the catch below answers with an internal error
        // without recording the call a second time.
        call = undefined;
        const recorded = opts.observer.observe({ ...observed, output });
        if (recorded) await recorded;
      }
      send(res, 200, requestId, reply);
    } catch (err) {
      const e = toAwsError(err, requestId, mounted?.def, opts.onInternalError);
      answer.status = e.status;
      answer.errorType = e.type;
      if (call && opts.observer) {
        try {
          const recorded = opts.observer.observe({ ...call, error: { type: e.type, message: e.message } });
          if (recorded) await recorded;
        } catch (recordErr) {
          // The call failed anyway; its answer stays the same, the lost record goes to the log.
          opts.onInternalError?.(recordErr, requestId);
        }
      }
      // A body left unread (beyond the limit) is not read to its end to keep the connection.
      if (!req.complete) answerAndClose(req.socket, { status: e.status, requestId, type: e.type, body: errorBody(e, mounted?.def) });
      else sendError(res, requestId, e, mounted?.def, opts.onInternalError);
    } finally {
      answer.durationMs = performance.now() - started;
      opts.onAnswered?.(answer);
    }
  };
}

function plainObject(json: unknown): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SerializationException('The request body must be a JSON object.');
  }
  return json as Record<string, unknown>;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/** The body, up to `limit` bytes: reading stops the moment it is known to be larger. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      req.off('data', onData).off('end', onEnd).pause();
      reject(tooLarge(limit));
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

const tooLarge = (limit: number) => new RequestEntityTooLargeException(`Request body exceeds the limit of ${limit} bytes.`);

/** An all-ASCII body is counted and written a byte a character, with no UTF-8 scan of it. */
function send(res: ServerResponse, status: number, requestId: string, body: AnswerText, errorType?: string): void {
  const headers: Record<string, string | number> = {
    'Content-Type': JSON_TYPE,
    'Content-Length': body.ascii ? body.text.length : Buffer.byteLength(body.text),
    'x-amzn-RequestId': requestId,
  };
  if (errorType) headers['x-amzn-ErrorType'] = `${errorType}:`;
  res.writeHead(status, headers).end(body.text, body.ascii ? 'latin1' : 'utf8');
}

export function sendError(
  res: ServerResponse,
  requestId: string,
  err: unknown,
  service: ServiceDefinition<unknown> | undefined,
  onInternalError?: (err: unknown, requestId: string) => void,
): void {
  const e = toAwsError(err, requestId, service, onInternalError);
  if (res.headersSent) return void res.destroy();
  send(res, e.status, requestId, { text: errorBody(e, service), ascii: false }, e.type);
}

// Some AWS errors carry no message at all (KMSInvalidSignatureException, for one): no member then.
const errorBody = (e: AwsError, service: ServiceDefinition<unknown> | undefined) =>
  JSON.stringify(e.message === '' ? { __type: e.type } : { __type: e.type, [service?.messageMember ?? 'message']: e.message });

/** The AWS error a failure is answered with; an unexpected one is logged and becomes the service's internal error. */
function toAwsError(
  err: unknown,
  requestId: string,
  service: ServiceDefinition<unknown> | undefined,
  onInternalError?: (err: unknown, requestId: string) => void,
): AwsError {
  if (err instanceof AwsError) return err;
  onInternalError?.(err, requestId);
  return service?.internalError?.() ?? new InternalFailure('The service encountered an internal error. Try again.');
}
