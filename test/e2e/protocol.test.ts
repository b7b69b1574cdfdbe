// Black-box tests of the AWS JSON 1.1 wire protocol and SigV4 with raw HTTP: what an SDK would
// never send, and what each mistake must get back (AWS's error names, 4xx, never a 500 or a stack).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { startServer, type TestServer } from '../support/server.js';
import { type Reply, send as sendRequest, Sha256 } from '../support/signed-request.js';

const REGION = 'us-east-1';
const JSON_TYPE = 'application/x-amz-json-1.1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface CallOptions {
  target?: string | null;
  body?: string | Buffer;
  method?: string;
  path?: string;
  /** Sign with these credentials (default test/test); false: send unsigned. */
  sign?: false | { accessKeyId?: string; secretAccessKey?: string; date?: Date; region?: string; service?: string };
  /** Headers added after signing (they override signed ones). */
  headers?: Record<string, string>;
  contentType?: string | null;
}

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.dispose();
});

/** One raw request: every header as given (Content-Length too, unless given). */
function send(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Reply> {
  return sendRequest(server.url, { method, path, headers, body });
}

function signer(o: { accessKeyId?: string; secretAccessKey?: string; region?: string; service?: string } = {}) {
  return new SignatureV4({
    credentials: { accessKeyId: o.accessKeyId ?? 'test', secretAccessKey: o.secretAccessKey ?? 'test' },
    region: o.region ?? REGION,
    service: o.service ?? 'kms',
    sha256: Sha256,
    uriEscapePath: true,
  });
}

/** One request to the endpoint, signed with SigV4 unless told otherwise. */
async function call(opts: CallOptions = {}): Promise<Reply> {
  const body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body ?? '{}', 'utf8');
  const method = opts.method ?? 'POST';
  const path = opts.path ?? '/';
  const headers: Record<string, string> = { host: `127.0.0.1:${server.port}` };
  if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? JSON_TYPE;
  if (opts.target !== null) headers['x-amz-target'] = opts.target ?? 'TrentService.ListKeys';
  let signed = headers;
  if (opts.sign !== false) {
    const s = opts.sign ?? {};
    const req = await signer(s).sign(
      { method, protocol: 'http:', hostname: '127.0.0.1', port: server.port, path, headers, body, query: {} },
      { signingDate: s.date ?? new Date() },
    );
    signed = req.headers as Record<string, string>;
  }
  return send(method, path, { ...signed, ...(opts.headers ?? {}), 'content-length': String(body.length) }, body);
}

/** What every response carries, success or not. */
function assertEnvelope(r: Reply): void {
  assert.match(String(r.headers['x-amzn-requestid'] ?? ''), UUID, 'x-amzn-RequestId is a UUID');
  assert.equal(r.headers['content-type'], JSON_TYPE);
  assert.ok(r.headers.date, 'a Date header (SDKs correct clock skew from it)');
  assert.ok(r.status < 500, `never a 5xx (got ${r.status}: ${r.text})`);
}

/** Errors AWS KMS sends with no message member at all. */
const WITHOUT_MESSAGE: ReadonlySet<string> = new Set(['InvalidCiphertextException', 'KMSInvalidSignatureException', 'KMSInvalidMacException']);

/**
 * An AWS error: the right status and type, `{"__type", "message"}` (only `__type` for the errors
 * AWS sends without a message) and nothing else, no stack trace.
 */
function assertError(r: Reply, type: string, status = 400): string {
  assertEnvelope(r);
  assert.equal(r.json?.__type, type, `expected ${type}, got ${r.status} ${r.text}`);
  assert.equal(r.status, status, `${type} has HTTP ${status}`);
  if (WITHOUT_MESSAGE.has(type)) {
    assert.deepEqual(Object.keys(r.json), ['__type'], `error body members: ${r.text}`);
  } else {
    assert.deepEqual(Object.keys(r.json).sort(), ['__type', 'message'], `error body members: ${r.text}`);
    assert.equal(typeof r.json.message, 'string');
    assert.ok(r.json.message.length > 0, 'the message is not empty');
  }
  assert.doesNotMatch(r.text, /\bat .+:\d+:\d+|node:internal|\/work\/|dist\//, 'no stack trace or file paths');
  const errorType = r.headers['x-amzn-errortype'];
  if (errorType !== undefined) assert.equal(String(errorType).split(':')[0], type, 'x-amzn-ErrorType agrees with __type');
  return r.json.message ?? '';
}

describe('successful responses', () => {
  test('a signed ListKeys answers 200 with the JSON 1.1 content type and a request id', async () => {
    const r = await call({ target: 'TrentService.ListKeys', body: '{}' });
    assertEnvelope(r);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { Keys: [], Truncated: false });
    assert.ok(r.headers['content-length'], 'Content-Length is set');
  });

  test('each response has its own request id', async () => {
    const a = await call();
    const b = await call();
    assert.notEqual(a.headers['x-amzn-requestid'], b.headers['x-amzn-requestid']);
  });

  test('an empty body means no arguments, like {}', async () => {
    const r = await call({ target: 'TrentService.ListKeys', body: '' });
    assertEnvelope(r);
    assert.equal(r.status, 200, r.text);
  });

  test('members not in the model are ignored and null means absent', async () => {
    const created = await call({ target: 'TrentService.CreateKey', body: JSON.stringify({ Description: 'raw', NotAMember: 1, Tags: null }) });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.KeyMetadata.Description, 'raw');
    assert.equal(typeof created.json.KeyMetadata.CreationDate, 'number', 'timestamps are epoch seconds');
    const enc = await call({
      target: 'TrentService.Encrypt',
      body: JSON.stringify({ KeyId: created.json.KeyMetadata.KeyId, Plaintext: Buffer.from('hi').toString('base64') }),
    });
    assert.equal(enc.status, 200, enc.text);
    assert.match(enc.json.CiphertextBlob, /^[A-Za-z0-9+/]+=*$/, 'blobs are standard base64');
    const odd = await call({ target: 'TrentService.ListKeys', body: '{"__proto__": {"Limit": 0}, "constructor": 1, "toString": 2}' });
    assert.equal(odd.status, 200, odd.text);
  });
});

describe('dispatch and serialisation errors', () => {
  test('an unknown operation is UnknownOperationException', async () => {
    assertError(await call({ target: 'TrentService.NoSuchOperation' }), 'UnknownOperationException');
  });

  test('a target of another service is UnknownOperationException', async () => {
    assertError(await call({ target: 'DynamoDB_20120810.ListTables' }), 'UnknownOperationException');
    assertError(await call({ target: 'NoDotAtAll' }), 'UnknownOperationException');
    assertError(await call({ target: 'TrentService.' }), 'UnknownOperationException');
    for (const inherited of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      assertError(await call({ target: `TrentService.${inherited}` }), 'UnknownOperationException');
    }
  });

  test('a missing X-Amz-Target is UnknownOperationException', async () => {
    assertError(await call({ target: null }), 'UnknownOperationException');
  });

  test('malformed JSON is SerializationException', async () => {
    for (const body of ['{"KeyId":', 'not json at all', '{"KeyId": "a",}', '\u0000']) {
      assertError(await call({ target: 'TrentService.DescribeKey', body }), 'SerializationException');
    }
  });

  test('a member of the wrong JSON type is SerializationException', async () => {
    assertError(await call({ target: 'TrentService.DescribeKey', body: '{"KeyId": 5}' }), 'SerializationException');
    assertError(await call({ target: 'TrentService.ListKeys', body: '{"Limit": "ten"}' }), 'SerializationException');
    assertError(
      await call({ target: 'TrentService.Encrypt', body: '{"KeyId": "k", "Plaintext": "aGk=", "EncryptionContext": ["a"]}' }),
      'SerializationException',
    );
  });

  test('a blob that is not base64 is SerializationException', async () => {
    const r = await call({
      target: 'TrentService.Encrypt',
      body: JSON.stringify({ KeyId: '12345678-1234-1234-1234-123456789012', Plaintext: '***not base64***' }),
    });
    assertError(r, 'SerializationException');
  });

  test('a body that is not a JSON object is SerializationException', async () => {
    for (const body of ['[]', '"text"', '42', 'null', 'true']) {
      assertError(await call({ target: 'TrentService.ListKeys', body }), 'SerializationException');
    }
  });

  test('missing required members are one ValidationException listing each of them', async () => {
    const message = assertError(await call({ target: 'TrentService.Encrypt', body: '{}' }), 'ValidationException');
    assert.match(message, /^2 validation errors detected: .+; .+$/);
    assert.match(message, /Value null at 'keyId' failed to satisfy constraint: Member must not be null/);
    assert.match(message, /Value null at 'plaintext' failed to satisfy constraint: Member must not be null/);
    assert.equal(message.split('; ').length, 2);
  });

  test('one missing required member is "1 validation error detected"', async () => {
    const message = assertError(await call({ target: 'TrentService.DescribeKey', body: '{}' }), 'ValidationException');
    assert.equal(message, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
  });
});

describe('authentication (SigV4)', () => {
  test('no Authorization is MissingAuthenticationTokenException', async () => {
    const message = assertError(await call({ sign: false }), 'MissingAuthenticationTokenException');
    assert.equal(message, 'Missing Authentication Token');
  });

  test('a garbage Authorization header is IncompleteSignatureException', async () => {
    for (const authorization of [
      'garbage',
      'AWS4-HMAC-SHA256',
      'AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/kms/aws4_request',
      'Bearer abc.def.ghi',
    ]) {
      assertError(
        await call({ sign: false, headers: { authorization, 'x-amz-date': amzDate(new Date()) } }),
        'IncompleteSignatureException',
      );
    }
  });

  test('an unknown access key is UnrecognizedClientException', async () => {
    const message = assertError(await call({ sign: { accessKeyId: 'AKIDUNKNOWN' } }), 'UnrecognizedClientException');
    assert.equal(message, 'The security token included in the request is invalid.');
  });

  test('a wrong secret is InvalidSignatureException', async () => {
    const message = assertError(await call({ sign: { secretAccessKey: 'not-the-secret' } }), 'InvalidSignatureException');
    assert.match(message, /^The request signature we calculated does not match the signature you provided\./);
  });

  test('a body changed after signing is InvalidSignatureException', async () => {
    const headers = await signedHeaders('TrentService.ListKeys', '{}');
    const body = Buffer.from('{"Limit":1}');
    assertError(await send('POST', '/', { ...headers, 'content-length': String(body.length) }, body), 'InvalidSignatureException');
  });

  test('a signature made 20 minutes ago is InvalidSignatureException "Signature expired"', async () => {
    const message = assertError(
      await call({ sign: { date: new Date(Date.now() - 20 * 60_000) } }),
      'InvalidSignatureException',
    );
    assert.match(message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - \d+ min\.\)$/);
  });

  test('a signature dated 20 minutes ahead is InvalidSignatureException "Signature not yet current"', async () => {
    const message = assertError(
      await call({ sign: { date: new Date(Date.now() + 20 * 60_000) } }),
      'InvalidSignatureException',
    );
    assert.match(message, /^Signature not yet current: /);
  });

  test('a presigned query-string request works', async () => {
    const body = Buffer.from('{}');
    const presigned = await signer().presign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: server.port,
        path: '/',
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': JSON_TYPE, 'x-amz-target': 'TrentService.ListKeys' },
        body,
        query: {},
      },
      { expiresIn: 300, unhoistableHeaders: new Set(['x-amz-target', 'content-type']) },
    );
    const query = presigned.query ?? {};
    assert.ok(query['X-Amz-Signature'], 'the signer put the signature in the query');
    const qs = Object.entries(query)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const headers = { ...(presigned.headers as Record<string, string>), 'content-length': String(body.length) };

    const ok = await send('POST', `/?${qs}`, headers, body);
    assertEnvelope(ok);
    assert.equal(ok.status, 200, ok.text);
    assert.ok(Array.isArray(ok.json.Keys));

    // The same URL with its signature changed is refused.
    const badSig = qs.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    assertError(await send('POST', `/?${badSig}`, headers, body), 'InvalidSignatureException');
  });

  test('a presigned request past its X-Amz-Expires is InvalidSignatureException "Signature expired"', async () => {
    const body = Buffer.from('{}');
    const presigned = await signer().presign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: server.port,
        path: '/',
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': JSON_TYPE, 'x-amz-target': 'TrentService.ListKeys' },
        body,
        query: {},
      },
      { expiresIn: 60, signingDate: new Date(Date.now() - 5 * 60_000), unhoistableHeaders: new Set(['x-amz-target', 'content-type']) },
    );
    const qs = Object.entries(presigned.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    const headers = { ...(presigned.headers as Record<string, string>), 'content-length': String(body.length) };
    const message = assertError(await send('POST', `/?${qs}`, headers, body), 'InvalidSignatureException');
    assert.match(message, /^Signature expired: /);
  });

  test('credentials scoped to another service are refused', async () => {
    const r = await call({ sign: { service: 'dynamodb' } });
    assertError(r, 'InvalidSignatureException');
  });
});

describe('robustness', () => {
  test('a 3 MiB body is a 4xx error and the server keeps serving', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x20);
    big.write('{"Plaintext":"', 0);
    big.write('"}', big.length - 2);
    const r = await call({ target: 'TrentService.Encrypt', body: big });
    assert.ok(r.status >= 400 && r.status < 500, `a 4xx (got ${r.status}: ${r.text.slice(0, 200)})`);
    assertEnvelope(r);
    assert.ok(typeof r.json?.__type === 'string' && typeof r.json?.message === 'string', r.text.slice(0, 200));
    assert.doesNotMatch(r.text, /\bat .+:\d+:\d+/, 'no stack trace');
    // The same body with no Content-Length (chunked) is refused as well.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.port, method: 'POST', path: '/', agent: false,
          headers: { 'content-type': JSON_TYPE, 'x-amz-target': 'TrentService.Encrypt', 'transfer-encoding': 'chunked' } },
        (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); },
      );
      req.on('error', reject);
      for (let i = 0; i < 3; i++) req.write(big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      req.end();
    });
    assert.ok(chunked >= 400 && chunked < 500, `chunked 3 MiB → ${chunked}`);
    const after = await call();
    assert.equal(after.status, 200, after.text);
  });

  test('GET / and other methods never get a 5xx', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']) {
      for (const signed of [false, true]) {
        const r = await call({ method, sign: signed ? {} : false, body: method === 'GET' || method === 'HEAD' ? '' : '{}' });
        assert.ok(r.status >= 400 && r.status < 500, `${method} / (${signed ? 'signed' : 'unsigned'}) → ${r.status} ${r.text}`);
        assert.match(String(r.headers['x-amzn-requestid'] ?? ''), UUID);
        assert.equal(r.headers['content-type'], JSON_TYPE);
        if (method !== 'HEAD') assert.equal(typeof r.json?.__type, 'string', `${method} / answers an AWS error: ${r.text}`);
      }
    }
    const get = await send('GET', '/', { host: `127.0.0.1:${server.port}` }, Buffer.alloc(0));
    assert.ok(get.status < 500, `bare GET / → ${get.status}`);
    const other = await call({ path: '/some/path?x=1', sign: false });
    assert.ok(other.status < 500, `POST /some/path → ${other.status}`);
  });

  test('odd but valid-looking inputs never produce a 500', async () => {
    const cases: [string, string][] = [
      ['TrentService.DescribeKey', '{"KeyId": ""}'],
      ['TrentService.DescribeKey', '{"KeyId": "arn:aws:kms:us-east-1:111122223333:key/"}'],
      ['TrentService.DescribeKey', '{"KeyId": "arn:"}'],
      ['TrentService.DescribeKey', JSON.stringify({ KeyId: 'x'.repeat(5000) })],
      ['TrentService.Decrypt', '{"CiphertextBlob": ""}'],
      ['TrentService.Decrypt', '{"CiphertextBlob": "AAAA"}'],
      ['TrentService.Decrypt', JSON.stringify({ CiphertextBlob: Buffer.alloc(200, 1).toString('base64') })],
      ['TrentService.Encrypt', '{"KeyId": "alias/", "Plaintext": "aGk="}'],
      ['TrentService.Encrypt', '{"KeyId": "k", "Plaintext": "aGk=", "EncryptionContext": {"a": 1}}'],
      ['TrentService.GenerateRandom', '{"NumberOfBytes": 1.5}'],
      ['TrentService.GenerateRandom', '{"NumberOfBytes": -1}'],
      ['TrentService.GenerateRandom', '{"NumberOfBytes": 1e309}'],
      ['TrentService.ListKeys', '{"Limit": 99999999999999999999}'],
      ['TrentService.CreateKey', '{"KeySpec": "NOPE"}'],
      ['TrentService.CreateKey', '{"Tags": [{"TagKey": null}]}'],
      ['TrentService.CreateKey', '{"Tags": [1, 2]}'],
      ['TrentService.ScheduleKeyDeletion', '{"KeyId": "k", "PendingWindowInDays": 0}'],
    ];
    for (const [target, body] of cases) {
      const r = await call({ target, body });
      assertEnvelope(r);
      assert.equal(r.status, 400, `${target} ${body.slice(0, 80)} → ${r.status} ${r.text}`);
      assertError(r, r.json.__type);
      if (process.env.KW_E2E_VERBOSE) console.log(target, body.slice(0, 60), '→', r.text.slice(0, 200));
    }
  });
});

function amzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

async function signedHeaders(target: string, body: string): Promise<Record<string, string>> {
  const headers = { host: `127.0.0.1:${server.port}`, 'content-type': JSON_TYPE, 'x-amz-target': target };
  const req = await signer().sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: server.port, path: '/', headers, body, query: {} });
  return req.headers as Record<string, string>;
}
