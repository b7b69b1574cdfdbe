import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Args } from './args.js';
import type { ClientConfig } from './client-config.js';

export { clientConfig, type ClientConfig } from './client-config.js';

/** An error the service answered with: its AWS error name and message. */
export class ServiceCallError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
  }
}

/** Calls one AWS JSON 1.1 operation, signed with SigV4 like any AWS client. */
export async function call(cfg: ClientConfig, target: string, signingName: string, input: unknown): Promise<any> {
  const body = Buffer.from(JSON.stringify(input ?? {}));
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    host: cfg.endpoint.host,
    'x-amz-date': amzDate(new Date()),
    'x-amz-target': target,
    ...(cfg.sessionToken ? { 'x-amz-security-token': cfg.sessionToken } : {}),
  };
  headers.authorization = authorization(cfg, signingName, headers, body);
  const { status, text } = await send(cfg, headers, body);
  let doc: any;
  try {
    doc = text ? JSON.parse(text) : {};
  } catch {
    throw new Error(`the service at ${cfg.endpoint.origin} answered HTTP ${status} with a body that is not JSON.`);
  }
  if (status !== 200) throw new ServiceCallError(String(doc.__type ?? `HTTP ${status}`), String(doc.message ?? doc.Message ?? ''));
  return doc;
}

function send(cfg: ClientConfig, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  const { endpoint } = cfg;
  return new Promise((resolve, reject) => {
    const options = { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } };
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req =
      endpoint.protocol === 'https:'
        ? httpsRequest(endpoint, { ...options, ...trustedCertificates() }, onResponse)
        : httpRequest(endpoint, options, onResponse);
    // Which setting chose the endpoint is half the answer when it is the wrong one.
    const chosenBy = cfg.endpointSource ? `, the endpoint ${cfg.endpointSource === 'the default endpoint' ? 'used when none is set' : `from ${cfg.endpointSource}`}` : '';
    req.on('error', (err) =>
      reject(new Error(`cannot reach Keywarden at ${endpoint.origin}${chosenBy} (${(err as Error).message}). Is 'keywarden serve' running there?`)),
    );
    req.end(body);
  });
}

/** Like the AWS CLI, AWS_CA_BUNDLE names the certificates an https endpoint is checked against (`serve --tls self-signed` prints it). */
function trustedCertificates(): { ca?: Buffer } {
  const bundle = process.env.AWS_CA_BUNDLE;
  if (!bundle) return {};
  try {
    return { ca: readFileSync(bundle) };
  } catch (err) {
    throw new Error(`cannot read AWS_CA_BUNDLE ${bundle}: ${(err as Error).message}`);
  }
}

const amzDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function authorization(cfg: ClientConfig, service: string, headers: Record<string, string>, body: Buffer): string {
  const date = headers['x-amz-date']!;
  const day = date.slice(0, 8);
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/',
    '',
    ...names.map((n) => `${n}:${headers[n]!.trim()}`),
    '',
    names.join(';'),
    createHash('sha256').update(body).digest('hex'),
  ].join('\n');
  const scope = `${day}/${cfg.region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = Buffer.from(`AWS4${cfg.secretAccessKey}`);
  for (const part of [day, cfg.region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${cfg.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
}

/** Prints a result: one JSON object with --json, otherwise the given human lines. */
export function print(args: Args, result: unknown, human: () => string): void {
  process.stdout.write(args.options.get('json') === true ? JSON.stringify(result) + '\n' : human() + '\n');
}
