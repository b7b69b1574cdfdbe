import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 and HMAC-SHA-256 from node:crypto in the shape @smithy/signature-v4 asks for. */
class Sha256 {
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
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer in ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
