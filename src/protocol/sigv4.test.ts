import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { verifySigV4, type SecretLookup, type SignedRequest } from './sigv4.js';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from './errors.js';
import type { AwsError } from '../core/aws-error.js';

// Requests are signed by the AWS SDK's own signer, so these tests check interoperability
// with real clients rather than agreement with a second copy of our own reasoning.

const SIGNED_AT = new Date(Date.UTC(2026, 10, 27, 10, 0, 0));
const T = SIGNED_AT.getTime();
const MIN = 60_000;
const AKID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const HOST = 'kms.eu-west-1.amazonaws.com';
const BODY = JSON.stringify({ KeyId: 'alias/test', Plaintext: 'aGVsbG8=' });
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const secretOf: SecretLookup = (id) => (id === AKID ? { secretAccessKey: SECRET } : undefined);

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 / HMAC-SHA-256 in the shape the Smithy signer expects, over node:crypto. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

interface SignOptions {
  body?: string;
  host?: string;
  secret?: string;
  accessKeyId?: string;
  region?: string;
  applyChecksum?: boolean;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  unsignableHeaders?: Set<string>;
  signedAt?: Date;
}

function signer(o: SignOptions): SignatureV4 {
  return new SignatureV4({
    service: 'kms',
    region: o.region ?? 'eu-west-1',
    credentials: { accessKeyId: o.accessKeyId ?? AKID, secretAccessKey: o.secret ?? SECRET },
    sha256: NodeSha256,
    applyChecksum: o.applyChecksum ?? true,
  });
}

function unsignedRequest(o: SignOptions) {
  return {
    method: 'POST',
    protocol: 'https:',
    hostname: HOST,
    path: o.path ?? '/',
    query: { ...o.query } as Record<string, string>,
    headers: {
      host: o.host ?? HOST,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'TrentService.Encrypt',
      ...o.headers,
    } as Record<string, string>,
    body: o.body ?? BODY,
  };
}

type Unsigned = ReturnType<typeof unsignedRequest>;

const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** What Node's http server would hand us for the request the SDK sends. */
function onTheWire(r: Unsigned): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(r.headers)) headers[name.toLowerCase()] = value;
  const query = Object.entries(r.query)
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  return { method: r.method, url: query ? `${r.path}?${query}` : r.path, headers, body: Buffer.from(r.body) };
}

async function headerSigned(o: SignOptions = {}): Promise<SignedRequest> {
  const signed = await signer(o).sign(unsignedRequest(o), {
    signingDate: o.signedAt ?? SIGNED_AT,
    ...(o.unsignableHeaders ? { unsignableHeaders: o.unsignableHeaders } : {}),
  });
  return onTheWire(signed as Unsigned);
}

async function presigned(o: SignOptions = {}, expiresIn = 900): Promise<SignedRequest> {
  const signed = await signer(o).presign(unsignedRequest(o), { signingDate: o.signedAt ?? SIGNED_AT, expiresIn });
  return onTheWire(signed as Unsigned);
}

function withAuthorization(req: SignedRequest, edit: (auth: string) => string): SignedRequest {
  return { ...req, headers: { ...req.headers, authorization: edit(req.headers.authorization!) } };
}

function withHeaders(req: SignedRequest, headers: Record<string, string | undefined>): SignedRequest {
  const copy = { ...req.headers, ...headers };
  for (const [name, value] of Object.entries(headers)) if (value === undefined) delete copy[name];
  return { ...req, headers: copy };
}

function rejects(
  req: SignedRequest,
  type: new (message: string) => AwsError,
  message: string | RegExp,
  nowMs = T,
  lookup: SecretLookup = secretOf,
): void {
  assert.throws(
    () => verifySigV4(req, lookup, nowMs),
    (e: unknown) => {
      assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
      assert.equal(e.type, type.name);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Accepted requests

test('a header-signed POST / is accepted and yields the credential scope', async () => {
  const req = await headerSigned();
  assert.ok(req.headers['x-amz-content-sha256'], 'the SDK declared the payload hash');
  assert.deepEqual(verifySigV4(req, secretOf, T), {
    accessKeyId: AKID,
    region: 'eu-west-1',
    service: 'kms',
    signedAt: T,
  });
});

test('without x-amz-content-sha256 the body itself is hashed', async () => {
  const req = await headerSigned({ applyChecksum: false, region: 'us-west-2' });
  assert.equal(req.headers['x-amz-content-sha256'], undefined);
  const id = verifySigV4(req, secretOf, T);
  assert.equal(id.region, 'us-west-2');
  rejects({ ...req, body: Buffer.from(BODY.replace('test', 'tess')) }, InvalidSignatureException, MISMATCH);
});

test('a presigned request is accepted', async () => {
  const req = await presigned();
  assert.equal(req.headers.authorization, undefined);
  assert.ok(req.url.startsWith('/?') && req.url.includes('X-Amz-Algorithm=AWS4-HMAC-SHA256'));
  assert.deepEqual(verifySigV4(req, secretOf, T + MIN), {
    accessKeyId: AKID,
    region: 'eu-west-1',
    service: 'kms',
    signedAt: T,
  });
});

test('a presigned request signed with UNSIGNED-PAYLOAD accepts any body; one signed over the body does not', async () => {
  const unsigned = await presigned({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
  assert.ok(unsigned.url.includes('x-amz-content-sha256=UNSIGNED-PAYLOAD'));
  verifySigV4({ ...unsigned, body: Buffer.from('{"other":1}') }, secretOf, T);

  const bound = await presigned();
  rejects({ ...bound, body: Buffer.from('{"other":1}') }, InvalidSignatureException, MISMATCH);
});

test('Authorization parameter separators may vary', async () => {
  const req = await headerSigned();
  const auth = req.headers.authorization!;
  assert.ok(auth.includes(', SignedHeaders='));
  for (const sep of [',', ' ', ' , ', ',\t']) {
    const variant = withAuthorization(req, (a) => `  ${a.replaceAll(', ', sep)} `);
    assert.equal(verifySigV4(variant, secretOf, T).accessKeyId, AKID, JSON.stringify(sep));
  }
});

test('a host with a port is signed as sent', async () => {
  const req = await headerSigned({ host: 'localhost:4566' });
  assert.equal(verifySigV4(req, secretOf, T).service, 'kms');
  rejects(withHeaders(req, { host: 'localhost:4567' }), InvalidSignatureException, MISMATCH);
  rejects(withHeaders(req, { host: 'localhost' }), InvalidSignatureException, MISMATCH);
});

test('signed header values are compared after trimming and collapsing whitespace', async () => {
  const req = await headerSigned({ headers: { 'x-custom': 'a   b \t c' } });
  assert.ok(req.headers.authorization!.includes('x-custom'));
  verifySigV4(req, secretOf, T);
  verifySigV4(withHeaders(req, { 'x-custom': 'a b c' }), secretOf, T);
  rejects(withHeaders(req, { 'x-custom': 'a b  d' }), InvalidSignatureException, MISMATCH);
});

test('multi-valued headers are joined with commas', async () => {
  const req = await headerSigned({ headers: { 'x-multi': 'one,two' } });
  verifySigV4({ ...req, headers: { ...req.headers, 'x-multi': [' one ', 'two'] } }, secretOf, T);
  rejects({ ...req, headers: { ...req.headers, 'x-multi': ['two', 'one'] } }, InvalidSignatureException, MISMATCH);
});

test('path and query are canonicalised as the SDK does', async () => {
  const req = await headerSigned({
    path: '/a/b%20c/./d/../e/',
    query: { b: 'x y', a: '1', 'a-b': "it's*", 'é~': '' },
  });
  assert.equal(verifySigV4(req, secretOf, T).accessKeyId, AKID);
  // Parameter order on the wire does not matter; the values do.
  const [path, query] = req.url.split('?') as [string, string];
  verifySigV4({ ...req, url: `${path}?${query.split('&').reverse().join('&')}` }, secretOf, T);
  rejects({ ...req, url: req.url.replace('a=1', 'a=2') }, InvalidSignatureException, MISMATCH);
  rejects({ ...req, url: req.url.replace('/e/', '/f/') }, InvalidSignatureException, MISMATCH);
});

test('a Date header may stand in for X-Amz-Date', async () => {
  const req = await headerSigned({ unsignableHeaders: new Set(['x-amz-date']) });
  assert.ok(!req.headers.authorization!.includes('x-amz-date'));
  const dated = withHeaders(req, { 'x-amz-date': undefined, date: 'Fri, 27 Nov 2026 10:00:00 GMT' });
  assert.equal(verifySigV4(dated, secretOf, T).signedAt, T);
  rejects(withHeaders(dated, { date: 'Fri, 27 Nov 2026 10:00:01 GMT' }), InvalidSignatureException, MISMATCH);
});

// ---------------------------------------------------------------------------------------------
// Rejected requests

test('no Authorization header and no X-Amz-Algorithm is a missing token', async () => {
  const req = await headerSigned();
  const bare = withHeaders(req, { authorization: undefined });
  rejects(bare, MissingAuthenticationTokenException, 'Missing Authentication Token');
  rejects({ ...bare, url: '/?Action=ListKeys' }, MissingAuthenticationTokenException, 'Missing Authentication Token');
});

test('a tampered body is rejected', async () => {
  const req = await headerSigned();
  const tampered = { ...req, body: Buffer.from(BODY.replace('alias/test', 'alias/prod')) };
  rejects(tampered, InvalidSignatureException, "The provided 'x-amz-content-sha256' header does not match what was computed.");
  // Declaring the tampered body's hash instead changes what was signed.
  const redeclared = withHeaders(tampered, { 'x-amz-content-sha256': createHash('sha256').update(tampered.body).digest('hex') });
  rejects(redeclared, InvalidSignatureException, MISMATCH);
});

test('a header-signed request must sign its body: UNSIGNED-PAYLOAD is refused', async () => {
  const req = await headerSigned({
    headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    unsignableHeaders: new Set(['x-amz-content-sha256']),
  });
  rejects({ ...req, body: Buffer.from('{}') }, InvalidSignatureException, 'UNSIGNED-PAYLOAD is not accepted for this service; sign the request body.');
  rejects(withHeaders(req, { 'x-amz-content-sha256': undefined }), InvalidSignatureException, MISMATCH);
});

test('a changed signed header (the operation) is rejected', async () => {
  const req = await headerSigned();
  rejects(withHeaders(req, { 'x-amz-target': 'TrentService.Decrypt' }), InvalidSignatureException, MISMATCH);
});

test('a presigned request with a changed query is rejected', async () => {
  const req = await presigned();
  assert.ok(req.url.includes('x-amz-target=TrentService.Encrypt'));
  rejects({ ...req, url: req.url.replace('TrentService.Encrypt', 'TrentService.Decrypt') }, InvalidSignatureException, MISMATCH);
});

test('a wrong secret is rejected', async () => {
  rejects(await headerSigned({ secret: 'not-the-secret' }), InvalidSignatureException, MISMATCH);
  rejects(await presigned({ secret: 'not-the-secret' }), InvalidSignatureException, MISMATCH);
});

test('a rotated secret is used even when the old signing key is cached', async () => {
  const req = await headerSigned();
  verifySigV4(req, secretOf, T);
  rejects(req, InvalidSignatureException, MISMATCH, T, () => ({ secretAccessKey: 'rotated-secret' }));
});

test('the signature must be the exact lowercase hex', async () => {
  const req = await headerSigned();
  const sig = req.headers.authorization!.slice(-64);
  rejects(withAuthorization(req, (a) => a.replace(sig, sig.toUpperCase())), InvalidSignatureException, MISMATCH);
  rejects(withAuthorization(req, (a) => a.replace(sig, sig.slice(0, 63))), InvalidSignatureException, MISMATCH);
  rejects(withAuthorization(req, (a) => a.replace(sig, `${sig}0`)), InvalidSignatureException, MISMATCH);
});

test('an unknown access key is an unrecognized client', async () => {
  const message = 'The security token included in the request is invalid.';
  rejects(await headerSigned({ accessKeyId: 'AKIDUNKNOWN' }), UnrecognizedClientException, message);
  rejects(await presigned({ accessKeyId: 'AKIDUNKNOWN' }), UnrecognizedClientException, message);
});

test('malformed Authorization headers are incomplete signatures', async (t) => {
  const req = await headerSigned();
  const auth = req.headers.authorization!;
  const credential = auth.match(/Credential=[^,]*, /)![0];
  const signedHeaders = auth.match(/SignedHeaders=[^,]*, /)![0];
  const signature = auth.match(/, Signature=.*/)![0];

  const cases: [string, SignedRequest, string | RegExp][] = [
    [
      'no parameters',
      withAuthorization(req, () => 'AWS4-HMAC-SHA256'),
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256",
    ],
    [
      'no Credential',
      withAuthorization(req, (a) => a.replace(credential, '')),
      /^Authorization header requires 'Credential' parameter\. Authorization=AWS4-HMAC-SHA256 SignedHeaders=/,
    ],
    [
      'no Signature',
      withAuthorization(req, (a) => a.replace(signature, '')),
      /^Authorization header requires 'Signature' parameter\. Authorization=AWS4-HMAC-SHA256 Credential=/,
    ],
    [
      'empty Signature',
      withAuthorization(req, (a) => a.replace(signature, ', Signature=')),
      /^Authorization header requires 'Signature' parameter\. Authorization=/,
    ],
    [
      'no SignedHeaders',
      withAuthorization(req, (a) => a.replace(signedHeaders, '')),
      /^Authorization header requires 'SignedHeaders' parameter\. Authorization=/,
    ],
    [
      'no date',
      withHeaders(req, { 'x-amz-date': undefined }),
      /^Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\. Authorization=/,
    ],
    ['unknown algorithm', withAuthorization(req, (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')), /^Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'/],
    ['another scheme', withAuthorization(req, () => 'Bearer abc'), /^Unsupported AWS 'algorithm': 'Bearer'/],
    ['short scope', withAuthorization(req, (a) => a.replace('/kms/aws4_request', '/aws4_request')), /^Credential should be of the form/],
    ['empty access key', withAuthorization(req, (a) => a.replace(`=${AKID}/`, '=/')), /^Credential should be of the form/],
    [
      'wrong terminator',
      withAuthorization(req, (a) => a.replace('aws4_request', 'aws4_requesT')),
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesT'.",
    ],
    [
      'scope date differs from X-Amz-Date',
      withHeaders(req, { 'x-amz-date': '20261128T100000Z' }),
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261127' != '20261128', from '20261128T100000Z'.",
    ],
    ['X-Amz-Date not ISO 8601 basic', withHeaders(req, { 'x-amz-date': '2026-11-27T10:00:00Z' }), /^Date must be in ISO-8601 'basic format'/],
    ['X-Amz-Date out of range', withHeaders(req, { 'x-amz-date': '20261127T250000Z' }), /^Date must be in ISO-8601 'basic format'/],
    [
      'host not signed',
      await headerSigned({ unsignableHeaders: new Set(['host']) }),
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    ],
  ];
  for (const [name, variant, message] of cases) {
    await t.test(name, () => rejects(variant, IncompleteSignatureException, message));
  }
});

test('malformed presigned requests are incomplete signatures', async () => {
  const req = await presigned();
  const [path, query] = req.url.split('?') as [string, string];
  const without = (param: string) => ({
    ...req,
    url: `${path}?${query.split('&').filter((p) => !p.startsWith(`${param}=`)).join('&')}`,
  });
  const noCredential = without('X-Amz-Credential');
  assert.ok(!noCredential.url.includes('Credential'));
  rejects(noCredential, IncompleteSignatureException, "AWS query-string parameters must include 'X-Amz-Credential'. Re-examine the query-string parameters.");
  rejects(without('X-Amz-Signature'), IncompleteSignatureException, /must include 'X-Amz-Signature'/);
  rejects(without('X-Amz-Date'), IncompleteSignatureException, /must include 'X-Amz-Date'/);
  rejects({ ...req, url: req.url.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA1') }, IncompleteSignatureException, /^X-Amz-Algorithm only supports/);
  rejects({ ...req, url: req.url.replace('X-Amz-Expires=900', 'X-Amz-Expires=604801') }, IncompleteSignatureException, /less than a week/);
  rejects({ ...req, url: req.url.replace('X-Amz-Expires=900', 'X-Amz-Expires=-1') }, IncompleteSignatureException, /should be a number/);
  // Both mechanisms at once.
  const header = await headerSigned();
  rejects({ ...req, headers: { ...req.headers, authorization: header.headers.authorization! } }, IncompleteSignatureException, /^Only one auth mechanism/);
});

// ---------------------------------------------------------------------------------------------
// Time

test('up to 5 minutes of clock skew either way is tolerated, as AWS KMS does', async () => {
  const req = await headerSigned();
  verifySigV4(req, secretOf, T + 4 * MIN + 59_000);
  verifySigV4(req, secretOf, T - 4 * MIN - 59_000);
  verifySigV4(req, secretOf, T + 5 * MIN);
  verifySigV4(req, secretOf, T - 5 * MIN);
  verifySigV4(req, secretOf, T + 5 * MIN + 999);
  rejects(req, InvalidSignatureException, /^Signature expired: /, T + 5 * MIN + 1000);
  rejects(req, InvalidSignatureException, /^Signature not yet current: /, T - 5 * MIN - 1000);
});

test('a request signed more than 5 minutes ago has expired', async () => {
  const req = await headerSigned();
  rejects(
    req,
    InvalidSignatureException,
    'Signature expired: 20261127T100000Z is now earlier than 20261127T100001Z (20261127T100501Z - 5 min.)',
    T + 5 * MIN + 1000,
  );
  rejects(
    req,
    InvalidSignatureException,
    'Signature expired: 20261127T100000Z is now earlier than 20261127T105500Z (20261127T110000Z - 5 min.)',
    T + 60 * MIN,
  );
});

test('a request signed more than 5 minutes in the future is not yet current', async () => {
  const req = await headerSigned();
  rejects(
    req,
    InvalidSignatureException,
    'Signature not yet current: 20261127T100000Z is still later than 20261127T095959Z (20261127T095459Z + 5 min.)',
    T - 5 * MIN - 1000,
  );
});

test('a presigned request lives for X-Amz-Expires seconds', async () => {
  const req = await presigned({}, 300);
  assert.ok(req.url.includes('X-Amz-Expires=300'));
  verifySigV4(req, secretOf, T + 300_000);
  rejects(
    req,
    InvalidSignatureException,
    'Signature expired: 20261127T100000Z is now earlier than 20261127T100001Z (20261127T100501Z - 5 min.)',
    T + 301_000,
  );
  const long = await presigned({}, 3600);
  verifySigV4(long, secretOf, T + 59 * MIN);
  rejects(await presigned({}, 90), InvalidSignatureException, /\(20261127T100200Z - 90 sec\.\)$/, T + 2 * MIN);
  rejects(req, InvalidSignatureException, /^Signature not yet current: /, T - 6 * MIN);
});

test('skew is checked before the access key is looked up', async () => {
  const req = await headerSigned({ accessKeyId: 'AKIDUNKNOWN' });
  rejects(req, InvalidSignatureException, /^Signature expired: /, T + 6 * MIN);
});

// ---------------------------------------------------------------------------------------------
// Region and session token

test('a Region AWS does not have is refused in AWS words; every partition\'s Regions are accepted', async () => {
  for (const region of ['us-east-1', 'eu-central-2', 'ap-southeast-7', 'mx-central-1', 'cn-north-1', 'cn-northwest-1', 'us-gov-west-1']) {
    assert.equal(verifySigV4(await headerSigned({ region }), secretOf, T).region, region);
  }
  for (const region of ['eu-east-2', 'us-east-3', 'local', 'US-EAST-1', 'aws-global']) {
    rejects(await headerSigned({ region }), InvalidSignatureException, `Credential should be scoped to a valid region, not '${region}'. `);
    rejects(await presigned({ region }), InvalidSignatureException, `Credential should be scoped to a valid region, not '${region}'. `);
  }
});

test('a security token the service did not issue is UnrecognizedClientException', async () => {
  const tokenOf = (token?: string): SecretLookup => (id) => (id === AKID ? { secretAccessKey: SECRET, sessionToken: token } : undefined);
  const withToken = async (token: string) => {
    const signed = await new SignatureV4({
      service: 'kms',
      region: 'eu-west-1',
      credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: token },
      sha256: NodeSha256,
    }).sign(unsignedRequest({}), { signingDate: SIGNED_AT });
    return onTheWire(signed as Unsigned);
  };
  const INVALID = 'The security token included in the request is invalid.';
  const bogus = await withToken('FwoGZXIvYXdzEBogus');
  assert.ok(bogus.headers['x-amz-security-token'], 'the SDK sent the token');
  rejects(bogus, UnrecognizedClientException, INVALID);
  rejects(bogus, UnrecognizedClientException, INVALID, T, tokenOf('FwoGZXIvYXdzEOther'));
  verifySigV4(bogus, tokenOf('FwoGZXIvYXdzEBogus'), T);
  // A key issued with a token needs it on every request.
  rejects(await headerSigned(), UnrecognizedClientException, INVALID, T, tokenOf('FwoGZXIvYXdzEBogus'));
  // Presigned, the token is a query parameter.
  const url = await new SignatureV4({
    service: 'kms',
    region: 'eu-west-1',
    credentials: { accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: 'FwoGZXIvYXdzEBogus' },
    sha256: NodeSha256,
  }).presign(unsignedRequest({}), { signingDate: SIGNED_AT, expiresIn: 300 });
  const q = onTheWire(url as Unsigned);
  assert.ok(q.url.includes('X-Amz-Security-Token='), q.url);
  rejects(q, UnrecognizedClientException, INVALID);
  verifySigV4(q, tokenOf('FwoGZXIvYXdzEBogus'), T);
});

// ---------------------------------------------------------------------------------------------
// Signed headers, and headers sent twice

test('the date is bound by the string to sign: leaving X-Amz-Date out of SignedHeaders after signing breaks the signature', async () => {
  const req = await headerSigned();
  rejects(withAuthorization(req, (a) => a.replace(';x-amz-date', '')), InvalidSignatureException, MISMATCH);
  rejects(withHeaders(req, { 'x-amz-date': '20261127T100001Z' }), InvalidSignatureException, MISMATCH);
});

test('a header that says who signs or when, sent twice, is refused', async () => {
  const req = await headerSigned();
  const raw = Object.entries(req.headers).flatMap(([k, v]) => [k, String(v)]);
  verifySigV4({ ...req, rawHeaders: raw }, secretOf, T);
  rejects({ ...req, rawHeaders: [...raw, 'Authorization', 'AWS4-HMAC-SHA256 Credential=x'] }, IncompleteSignatureException,
    "The request has more than one 'Authorization' header; send it once.");
  rejects({ ...req, rawHeaders: [...raw, 'X-Amz-Date', '20261127T100000Z'] }, IncompleteSignatureException, /more than one 'X-Amz-Date' header/);
  rejects({ ...req, rawHeaders: [...raw, 'HOST', HOST] }, IncompleteSignatureException, /more than one 'HOST' header/);
  // Headers with nothing to do with signing may repeat.
  verifySigV4({ ...req, rawHeaders: [...raw, 'x-custom', 'a', 'X-Custom', 'b'] }, secretOf, T);
});

// ---------------------------------------------------------------------------------------------
// End to end: the real KMS client over real HTTP.

test('requests from @aws-sdk/client-kms verify on a Node http server', async (t) => {
  const seen: unknown[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      try {
        const id = verifySigV4(
          { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) },
          secretOf,
          Date.now(),
        );
        seen.push(id);
        res.end(JSON.stringify({ Keys: [], Truncated: false }));
      } catch (e) {
        const err = e as AwsError;
        res.statusCode = err.status ?? 500;
        res.end(JSON.stringify({ __type: err.type, message: err.message }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = (secretAccessKey: string) =>
    new KMSClient({ endpoint, region: 'ap-southeast-2', maxAttempts: 1, credentials: { accessKeyId: AKID, secretAccessKey } });

  const good = client(SECRET);
  t.after(() => good.destroy());
  const out = await good.send(new ListKeysCommand({ Limit: 5 }));
  assert.deepEqual(out.Keys, []);
  assert.equal(seen.length, 1);
  assert.deepEqual({ ...(seen[0] as object), signedAt: 0 }, { accessKeyId: AKID, region: 'ap-southeast-2', service: 'kms', signedAt: 0 });

  const bad = client('wrong');
  t.after(() => bad.destroy());
  await assert.rejects(bad.send(new ListKeysCommand({})), { name: 'InvalidSignatureException', message: MISMATCH });
  assert.equal(seen.length, 1);
});
