// AWS Signature Version 4 for the calls the console makes: AWS JSON 1.1, POST to the path '/'
// of the page's own origin. It runs on Web Crypto, which browsers offer to secure contexts only
// (HTTPS, or http://localhost and 127.0.0.1), and in Node, where the tests check it against the
// service's own verifier.

const encoder = new TextEncoder();

const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

const sha256Hex = async (text) => hex(await crypto.subtle.digest('SHA-256', encoder.encode(text)));

async function hmac(key, text) {
  const raw = typeof key === 'string' ? encoder.encode(key) : key;
  const k = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return crypto.subtle.sign('HMAC', k, encoder.encode(text));
}

/** ISO 8601 basic format, to the second: 20261201T093000Z. */
export const amzDate = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');

/**
 * The headers to send with one call, Authorization included. `host` is the Host header the
 * browser will send (the page's `location.host`); it is signed but not returned, because a
 * browser sets it itself and refuses a script that tries to.
 *
 * @param {{ host: string, target: string, body: string, service: string, region: string,
 *   credentials: { accessKeyId: string, secretAccessKey: string, sessionToken?: string }, now: number }} call
 * @returns {Promise<Record<string, string>>}
 */
export async function signedHeaders({ host, target, body, service, region, credentials, now }) {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': date,
    'x-amz-target': target,
  };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).sort();
  const signed = names.join(';');
  const canonicalRequest = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n].trim()}`), '', signed, await sha256Hex(body)].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', date, scope, await sha256Hex(canonicalRequest)].join('\n');
  let key = await hmac(`AWS4${credentials.secretAccessKey}`, day);
  for (const part of [region, service, 'aws4_request']) key = await hmac(key, part);
  const signature = hex(await hmac(key, stringToSign));
  const { host: _host, ...sent } = headers;
  sent.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signed}, Signature=${signature}`;
  return sent;
}
