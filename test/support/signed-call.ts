import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape @smithy/signature-v4 asks for. */
export class Sha256 {
  private h: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(typeof data === 'string' ? data : bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
  reset(): void {
    this.h = this.fresh();
  }
}

function bytes(v: string | ArrayBuffer | ArrayBufferView): Buffer | string {
  if (typeof v === 'string') return v;
  return ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(v);
}

export interface SignedReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: unknown;
  /** From the request's first byte to the response's last. */
  ms: number;
  /** When the request was sent and when its answer had fully arrived (performance.now()). */
  sentAt: number;
  answeredAt: number;
}

export interface SignedCallOptions {
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** No answer in this time rejects the call (the socket is destroyed). */
  timeoutMs?: number;
}

/**
 * One AWS JSON 1.1 request with any body bytes at all (invalid JSON, invalid UTF-8, duplicated
 * keys), signed with SigV4 as an SDK would sign it, on a connection of its own so that one
 * hostile request cannot spoil the next.
 */
export async function signedCall(
  port: number,
  target: string,
  signingName: string,
  body: Buffer,
  opts: SignedCallOptions = {},
): Promise<SignedReply> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: opts.accessKeyId ?? 'test', secretAccessKey: opts.secretAccessKey ?? 'test' },
    region: opts.region ?? 'us-east-1',
    service: signingName,
    sha256: Sha256,
    uriEscapePath: true,
  });
  const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target };
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/', headers, body, query: {} });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: { ...(signed.headers as Record<string, string>), 'content-length': String(body.length) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          const answeredAt = performance.now();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: answeredAt - started, sentAt: started, answeredAt });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer in ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export interface RawReply extends SignedReply {
  requestId: string;
  json: any;
}

/**
 * One request to an endpoint URL with a body sent exactly as given (however malformed or deeply
 * nested), signed as the dev credential `test`/`test`.
 */
export async function signedRaw(endpoint: string, target: string, service: string, body: string | Buffer, region = 'us-east-1'): Promise<RawReply> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const reply = await signedCall(Number(new URL(endpoint).port), target, service, bytes, { region });
  return { ...reply, requestId: String(reply.headers['x-amzn-requestid']) };
}

/** `signedRaw` with a JSON value as the body. */
export const signedJson = (endpoint: string, target: string, service: string, input: unknown, region?: string) =>
  signedRaw(endpoint, target, service, JSON.stringify(input), region);

export const LOOKUP_EVENTS = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';

/** The CloudTrail records LookupEvents finds for one event name, newest first (one page of 50). */
export async function recordsNamed(endpoint: string, eventName: string): Promise<Array<Record<string, any>>> {
  const r = await signedJson(endpoint, LOOKUP_EVENTS, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }] });
  if (r.status !== 200) throw new Error(`LookupEvents answered ${r.status}: ${r.text.slice(0, 300)}`);
  return (r.json.Events as Array<{ CloudTrailEvent: string }>).map((e) => JSON.parse(e.CloudTrailEvent));
}
