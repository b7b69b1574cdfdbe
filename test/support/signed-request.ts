import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

// Raw AWS JSON 1.1 calls to a test server, signed by the AWS SDK's own SigV4 signer: for tests
// that need to control the connection or alter a request after signing.

export const JSON_TYPE = 'application/x-amz-json-1.1';
export const CLOUDTRAIL = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';

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

export interface Signing {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  date?: Date;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface Transport {
  /** Sends the request over this connection instead of a new one. */
  socket?: Socket;
  agent?: Agent;
  /** Trusted certificates for an https endpoint. */
  ca?: string | Buffer;
  /** No answer in this time rejects the call (the socket is destroyed). */
  timeoutMs?: number;
}

/** The headers of a SigV4-signed POST of `body` to `target` at `endpoint`. */
export async function signedHeaders(endpoint: string, target: string, body: string | Buffer, s: Signing = {}): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: s.accessKeyId ?? 'test',
      secretAccessKey: s.secretAccessKey ?? 'test',
      ...(s.sessionToken === undefined ? {} : { sessionToken: s.sessionToken }),
    },
    region: s.region ?? 'us-east-1',
    service: s.service ?? 'kms',
    sha256: Sha256,
    uriEscapePath: true,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': JSON_TYPE, 'x-amz-target': target },
      body,
      query: {},
    },
    { signingDate: s.date ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}

/** Sends one request and reads the whole answer. */
export function send(
  endpoint: string,
  req: { method?: string; path?: string; headers: Record<string, string | string[]>; body: string | Buffer },
  t: Transport = {},
): Promise<Reply> {
  const url = new URL(endpoint);
  const body = typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        method: req.method ?? 'POST',
        path: req.path ?? '/',
        headers: { 'content-length': String(body.length), ...req.headers },
        ...(t.socket ? { createConnection: () => t.socket! } : { agent: t.agent ?? false }),
        ...(t.ca === undefined ? {} : { ca: t.ca }),
      },
      (res) => {
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
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    if (t.timeoutMs !== undefined) r.setTimeout(t.timeoutMs, () => r.destroy(new Error(`no answer in ${t.timeoutMs} ms`)));
    r.on('error', reject);
    r.end(body);
  });
}

/** A signed call of `target` with `input` as its JSON body. */
export async function signedCall(endpoint: string, target: string, input: unknown, s: Signing = {}, t: Transport = {}): Promise<Reply> {
  const body = JSON.stringify(input ?? {});
  return send(endpoint, { headers: await signedHeaders(endpoint, target, body, s), body }, t);
}

/**
 * A signed call written on an open connection, which stays open for the next one (keep-alive):
 * nothing but that connection is needed, so it works when the server can accept no other.
 */
export async function callOn(socket: Socket, endpoint: string, target: string, input: unknown, s: Signing = {}): Promise<Reply> {
  const body = JSON.stringify(input ?? {});
  const headers = { ...(await signedHeaders(endpoint, target, body, s)), 'content-length': String(Buffer.byteLength(body)), connection: 'keep-alive' };
  return exchange(socket, 'POST / HTTP/1.1', Object.entries(headers), body);
}

/**
 * Writes a request exactly as given (header lines in order, repeats included) on an open
 * connection and reads the answer, which must carry a Content-Length.
 */
export function exchange(socket: Socket, requestLine: string, headers: ReadonlyArray<readonly [string, string]>, body: string | Buffer): Promise<Reply> {
  const head = headers.map(([k, v]) => `${k}: ${v}\r\n`).join('');
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('the connection is closed'));
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
      const replyHeaders: IncomingHttpHeaders = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        replyHeaders[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(replyHeaders['content-length'] ?? 0);
      if (buf.length < end + 4 + length) return;
      done();
      const text = buf.subarray(end + 4, end + 4 + length).toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers: replyHeaders, text, json });
    };
    const onClose = () => {
      done();
      reject(new Error(`the connection closed before the answer was whole: ${buf.toString('latin1').slice(0, 200)}`));
    };
    const done = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(`${requestLine}\r\n${head}\r\n`);
    socket.write(body);
  });
}
