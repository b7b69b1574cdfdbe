import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';

export interface RawReply {
  status: number;
  requestId: string;
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: any;
  /** When the request was sent and when its answer had fully arrived (performance.now()). */
  sentAt: number;
  answeredAt: number;
}

/**
 * One AWS JSON 1.1 request with a body sent exactly as given (however malformed or deeply nested),
 * signed with SigV4 as the dev credential `test`/`test`, and answered with the raw reply.
 */
export function signedRaw(endpoint: string, target: string, service: string, body: string | Buffer, region = 'us-east-1'): Promise<RawReply> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const url = new URL(endpoint);
  const amzDate = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const signed = 'content-type;host;x-amz-date;x-amz-target';
  const sha = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
  const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:${url.host}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n\n${signed}\n${sha(bytes)}`;
  let key: Buffer | string = 'AWS4test';
  for (const part of [day, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha(canonical)}`).digest('hex');
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
    'content-length': String(bytes.length),
    authorization: `AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
  const sentAt = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(endpoint, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-amzn-requestid']), text, json, sentAt, answeredAt: performance.now() });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(bytes);
  });
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
