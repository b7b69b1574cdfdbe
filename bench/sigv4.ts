import { createHash, createHmac } from 'node:crypto';

// Client-side AWS Signature Version 4 for AWS JSON 1.1 POSTs to '/'. Deliberately minimal: the
// load generator signs every request, so this is on the client's hot path too.

export interface SignerOptions {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
}

/** The headers we sign, already in the sorted lower-case order SigV4 requires. */
const SIGNED_HEADERS = 'content-type;host;x-amz-date;x-amz-target';
export const JSON_11 = 'application/x-amz-json-1.1';

export class Signer {
  /** The derived key depends only on the day (and fixed scope), so it is derived once per day. */
  private keyDay = '';
  private key: Buffer = Buffer.alloc(0);

  constructor(private readonly opts: SignerOptions) {}

  /** Headers for one request, signed at `nowMs` (the real wall clock: the server checks skew). */
  sign(host: string, target: string, body: Buffer, nowMs = Date.now()): Record<string, string> {
    const amzDate = formatAmzDate(nowMs);
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${this.opts.region}/${this.opts.service}/aws4_request`;
    const canonical =
      `POST\n/\n\n` +
      `content-type:${JSON_11}\nhost:${host}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n\n` +
      `${SIGNED_HEADERS}\n${sha256Hex(body)}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
    const signature = createHmac('sha256', this.signingKey(day)).update(stringToSign).digest('hex');
    return {
      'content-type': JSON_11,
      // Set explicitly: Node would otherwise add its own Host, and it must be byte-for-byte what we signed.
      host,
      'x-amz-date': amzDate,
      'x-amz-target': target,
      'content-length': String(body.length),
      authorization: `AWS4-HMAC-SHA256 Credential=${this.opts.accessKeyId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
    };
  }

  private signingKey(day: string): Buffer {
    if (day !== this.keyDay) {
      const kDate = hmac(`AWS4${this.opts.secretAccessKey}`, day);
      const kRegion = hmac(kDate, this.opts.region);
      const kService = hmac(kRegion, this.opts.service);
      this.key = hmac(kService, 'aws4_request');
      this.keyDay = day;
    }
    return this.key;
  }
}

const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** YYYYMMDDTHHMMSSZ */
function formatAmzDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.slice(0, 19).replace(/[-:]/g, '') + 'Z';
}
