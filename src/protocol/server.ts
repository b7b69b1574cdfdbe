import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, AwsServerError } from '../core/aws-error.js';
import type { Credentials } from './credentials.js';
import {
  InvalidSignatureException,
  RequestEntityTooLargeException,
  SerializationException,
  UnknownOperationException,
} from './errors.js';
import type { CallContext, ServiceDefinition } from './service.js';
import { verifySigV4 } from './sigv4.js';
import { decodeInput } from './validation.js';

/** A service definition with the application object its handlers receive. */
export interface Mounted {
  def: ServiceDefinition<any>;
  app: unknown;
}

export interface ApiOptions {
  services: Mounted[];
  credentials: Credentials;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Where unexpected failures are reported (never to the client). */
  onInternalError?: (err: unknown, requestId: string) => void;
}

const JSON_TYPE = 'application/x-amz-json-1.1';
const DEFAULT_MAX_BODY = 2 * 1024 * 1024;

class InternalFailure extends AwsServerError {}

/** The AWS JSON 1.1 endpoint: dispatch on X-Amz-Target, SigV4, model validation, error envelope. */
export function createApiHandler(opts: ApiOptions) {
  const byPrefix = new Map(opts.services.map((m) => [m.def.targetPrefix, m]));
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let mounted: Mounted | undefined;
    try {
      const target = header(req, 'x-amz-target');
      const dot = target.lastIndexOf('.');
      mounted = byPrefix.get(target.slice(0, dot));
      const name = target.slice(dot + 1);
      if (req.method !== 'POST' || !mounted || !name) {
        await drain(req);
        throw new UnknownOperationException(target ? `Operation ${target} is not known.` : 'Missing X-Amz-Target header.');
      }
      const { def, app } = mounted;
      const body = await readBody(req, maxBody);
      const identity = verifySigV4(
        { method: req.method, url: req.url ?? '/', headers: req.headers, body },
        (id) => opts.credentials.get(id)?.secretAccessKey,
        Date.now(),
      );
      if (identity.service !== def.signingName) {
        throw new InvalidSignatureException(`Credential should be scoped to correct service: '${def.signingName}'. `);
      }
      const modelOp = def.model?.operations[name];
      const op = def.operations.get(name);
      if (!op && !modelOp) throw new UnknownOperationException(`Operation ${target} is not known.`);
      const json = parseJson(body);
      const input = def.model && modelOp?.input ? decodeInput(def.model, modelOp.input, json) : plainObject(json);
      if (!op) throw def.notImplemented(name);
      const principal = opts.credentials.get(identity.accessKeyId)!;
      const ctx: CallContext = {
        requestId,
        accountId: principal.accountId,
        region: identity.region,
        principalArn: principal.principalArn,
        accessKeyId: identity.accessKeyId,
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: header(req, 'user-agent'),
      };
      const output = await op.handle(input, ctx, app);
      send(res, 200, requestId, JSON.stringify(output ?? {}));
    } catch (err) {
      sendError(res, requestId, err, mounted?.def, opts.onInternalError);
    }
  };
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new SerializationException('The request body is not valid JSON.');
  }
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

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return drain(req).then(() => Promise.reject(tooLarge(limit)));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => (size > limit ? reject(tooLarge(limit)) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

const tooLarge = (limit: number) => new RequestEntityTooLargeException(`Request body exceeds the limit of ${limit} bytes.`);

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('end', resolve).on('error', () => resolve()).resume();
  });
}

function send(res: ServerResponse, status: number, requestId: string, body: string, errorType?: string): void {
  const headers: Record<string, string | number> = {
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  };
  if (errorType) headers['x-amzn-ErrorType'] = `${errorType}:`;
  res.writeHead(status, headers).end(body);
}

export function sendError(
  res: ServerResponse,
  requestId: string,
  err: unknown,
  service: ServiceDefinition<unknown> | undefined,
  onInternalError?: (err: unknown, requestId: string) => void,
): void {
  let e: AwsError;
  if (err instanceof AwsError) {
    e = err;
  } else {
    onInternalError?.(err, requestId);
    e = service?.internalError?.() ?? new InternalFailure('The service encountered an internal error. Try again.');
  }
  const messageMember = service?.messageMember ?? 'message';
  if (res.headersSent) return void res.destroy();
  send(res, e.status, requestId, JSON.stringify({ __type: e.type, [messageMember]: e.message }), e.type);
}
