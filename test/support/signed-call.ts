import { send, signedHeaders, type Reply } from './signed-request.js';

export interface SignedReply extends Reply {
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
  const endpoint = `http://127.0.0.1:${port}`;
  const headers = await signedHeaders(endpoint, target, body, { ...opts, service: signingName });
  const sentAt = performance.now();
  const reply = await send(endpoint, { headers, body }, { timeoutMs: opts.timeoutMs ?? 30_000 });
  const answeredAt = performance.now();
  return { ...reply, ms: answeredAt - sentAt, sentAt, answeredAt };
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
