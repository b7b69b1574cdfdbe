// The SigV4 negative matrix: a CreateKey signed by the AWS SDK's own signer, then changed one way
// at a time as a forger, a replayer or a misconfigured client would. Each variant gets AWS's error
// type, status and message, and none of them creates a key; the few variants AWS accepts (clock
// skew within its window, a session token the service issued) create exactly one each.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignatureV4 } from '@smithy/signature-v4';
import { exchange, JSON_TYPE, Sha256, signedCall, signedHeaders, type Reply, type Signing } from '../support/signed-request.js';
import { startServer, type TestServer } from '../support/server.js';

const MIN = 60_000;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
/** A key the credentials file issues with a session token, as STS issues temporary credentials. */
const TEMPORARY = { accessKeyId: 'ASIAKEYWARDENTEMP01', secretAccessKey: 'temporary-secret', sessionToken: 'IQoJb3JpZ2luX2VjEKW-issued' };

let server: TestServer;
let work: string;
/** Keys that exist now, by Region: every accepted variant adds one, every refused one none. */
const keys = new Map<string, number>();
const REGION = 'us-east-1';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-sigv4-matrix-'));
  const credentials = join(work, 'credentials.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      credentials: [
        { accessKeyId: 'test', secretAccessKey: 'test', accountId: '111122223333' },
        { ...TEMPORARY, accountId: '111122223333' },
      ],
    }),
  );
  // Requests reach the node exactly as signed (the test balancer would pass them on rewritten).
  server = await startServer({ args: ['--credentials', credentials], allowClockControl: true, nodes: 1 });
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

type Headers = Array<[string, string]>;

interface Request {
  path: string;
  headers: Headers;
  body: string;
}

const BODY = JSON.stringify({ Description: 'sigv4 matrix', Tags: [{ TagKey: 'matrix', TagValue: 'yes' }] });

/** A CreateKey as the AWS SDK signs it, as header lines in the order they go out. */
async function signed(s: Signing = {}, body = BODY): Promise<Request> {
  const headers = await signedHeaders(server.url, 'TrentService.CreateKey', body, s);
  return { path: '/', headers: Object.entries(headers), body };
}

/** The request sent as given, over a connection of its own. */
async function send(r: Request): Promise<Reply> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  try {
    await new Promise((resolve) => socket.once('connect', resolve));
    const headers: Headers = [...r.headers.filter(([k]) => k.toLowerCase() !== 'content-length'), ['content-length', String(Buffer.byteLength(r.body))]];
    return await exchange(socket, `POST ${r.path} HTTP/1.1`, headers, r.body);
  } finally {
    socket.destroy();
  }
}

const get = (r: Request, name: string) => r.headers.find(([k]) => k.toLowerCase() === name)?.[1];
const without = (r: Request, name: string): Request => ({ ...r, headers: r.headers.filter(([k]) => k.toLowerCase() !== name) });
const replaced = (r: Request, name: string, value: string): Request => ({
  ...r,
  headers: r.headers.map(([k, v]) => [k, k.toLowerCase() === name ? value : v] as [string, string]),
});
const added = (r: Request, name: string, value: string): Request => ({ ...r, headers: [...r.headers, [name, value]] });
const editAuth = (r: Request, edit: (auth: string) => string): Request => replaced(r, 'authorization', edit(get(r, 'authorization')!));

async function keyCount(region = REGION): Promise<number> {
  const r = await signedCall(server.url, 'TrentService.ListKeys', { Limit: 1000 }, { region });
  assert.equal(r.status, 200, r.text);
  return r.json.Keys.length;
}

/** The variant is refused with AWS's answer, and no key came of it (in the Region it is scoped to, if AWS has it). */
async function refused(r: Request, type: string, message: string | RegExp, region = REGION): Promise<void> {
  const reply = await send(r);
  assert.equal(reply.json?.__type, type, `expected ${type}, got ${reply.status} ${reply.text}`);
  assert.equal(reply.status, 400, reply.text);
  assert.deepEqual(Object.keys(reply.json).sort(), ['__type', 'message']);
  if (typeof message === 'string') assert.equal(reply.json.message, message);
  else assert.match(reply.json.message, message);
  assert.equal(reply.headers['x-amzn-errortype'], `${type}:`);
  assert.equal(await keyCount(region), keys.get(region) ?? 0, `a refused ${type} created nothing`);
}

/** The variant is accepted: exactly one key more, in the Region it is scoped to. */
async function accepted(r: Request, region = REGION): Promise<void> {
  const reply = await send(r);
  assert.equal(reply.status, 200, reply.text);
  assert.ok(reply.json.KeyMetadata.Arn.startsWith(`arn:aws:kms:${region}:`), reply.json.KeyMetadata.Arn);
  keys.set(region, (keys.get(region) ?? 0) + 1);
  assert.equal(await keyCount(region), keys.get(region));
}

describe('SigV4 negative matrix (CreateKey)', () => {
  test('the unaltered request is accepted', async () => {
    keys.set(REGION, await keyCount());
    await accepted(await signed());
  });

  test('authentication missing or not understood', async () => {
    const r = await signed();
    await refused(without(r, 'authorization'), 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    await refused(editAuth(r, (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512')), 'IncompleteSignatureException', /^Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'/);
    await refused(editAuth(r, (a) => a.replace(/Signature=[0-9a-f]+/, '')), 'IncompleteSignatureException', /^Authorization header requires 'Signature' parameter\. /);
    await refused(without(r, 'x-amz-date'), 'IncompleteSignatureException', /^Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header\. /);
  });

  test('who signs: unknown access key, wrong secret, altered signature', async () => {
    await refused(await signed({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }), 'UnrecognizedClientException', INVALID_TOKEN);
    await refused(await signed({ secretAccessKey: 'not-the-secret' }), 'InvalidSignatureException', MISMATCH);
    const r = await signed();
    await refused(editAuth(r, (a) => a.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`)), 'InvalidSignatureException', MISMATCH);
  });

  test('what was signed: body, headers, path and query changed after signing', async () => {
    const r = await signed();
    await refused({ ...r, body: BODY.replace('sigv4 matrix', 'sigv4 matriX') }, 'InvalidSignatureException', /^The provided 'x-amz-content-sha256' header does not match|^The request signature we calculated/);
    const rehashed = { ...r, body: BODY.replace('sigv4 matrix', 'sigv4 matriX') };
    await refused(without(rehashed, 'x-amz-content-sha256'), 'InvalidSignatureException', MISMATCH);
    await refused(replaced(r, 'x-amz-target', 'TrentService.ListKeys'), 'InvalidSignatureException', MISMATCH);
    await refused(replaced(r, 'content-type', 'application/x-amz-json-1.0'), 'InvalidSignatureException', MISMATCH);
    await refused(replaced(r, 'host', `localhost:${server.port}`), 'InvalidSignatureException', MISMATCH);
    await refused({ ...r, path: '/other' }, 'InvalidSignatureException', MISMATCH);
    await refused({ ...r, path: '/?Action=CreateKey' }, 'InvalidSignatureException', MISMATCH);
  });

  test('SignedHeaders: host must be signed; dropping x-amz-date after signing breaks the signature', async () => {
    const r = await signed();
    assert.match(get(r, 'authorization')!, /SignedHeaders=[^,]*host;/);
    await refused(editAuth(r, (a) => a.replace('host;', '')), 'IncompleteSignatureException', "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    await refused(editAuth(r, (a) => a.replace(';x-amz-date', '')), 'InvalidSignatureException', MISMATCH);
  });

  test('credential scope: another service, a Region AWS does not have, a malformed scope', async () => {
    await refused(await signed({ service: 'dynamodb' }), 'InvalidSignatureException', "Credential should be scoped to correct service: 'kms'. ");
    for (const region of ['cn-northwest-1', 'us-gov-east-1', 'ap-southeast-5']) keys.set(region, await keyCount(region));
    await refused(await signed({ region: 'eu-east-2' }), 'InvalidSignatureException', "Credential should be scoped to a valid region, not 'eu-east-2'. ");
    await refused(await signed({ region: 'moon-base-1' }), 'InvalidSignatureException', "Credential should be scoped to a valid region, not 'moon-base-1'. ");
    const r = await signed();
    await refused(editAuth(r, (a) => a.replace('/us-east-1/kms/aws4_request', '/us-east-1/aws4_request')), 'IncompleteSignatureException', /^Credential should be of the form '<access key>\/<YYYYMMDD>\/<region>\/<service>\/aws4_request', not /);
    await refused(editAuth(r, (a) => a.replace('/kms/aws4_request', '/kms/aws4_reqest')), 'IncompleteSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'.");
    await refused(editAuth(r, (a) => a.replace('Credential=test/', 'Credential=/')), 'IncompleteSignatureException', /^Credential should be of the form /);
    // A Region of each partition AWS has is accepted (signed for it, the request is authentic).
    for (const region of ['cn-northwest-1', 'us-gov-east-1', 'ap-southeast-5']) await accepted(await signed({ region }), region);
  });

  test('dates: not ISO 8601 basic, a day off the scope', async () => {
    const r = await signed();
    const amzDate = get(r, 'x-amz-date')!;
    const extended = `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`;
    await refused(replaced(r, 'x-amz-date', extended), 'IncompleteSignatureException', `Date must be in ISO-8601 'basic format'. Got '${extended}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    await refused(replaced(r, 'x-amz-date', '20261302T000000Z'), 'IncompleteSignatureException', /^Date must be in ISO-8601 'basic format'\. Got '20261302T000000Z'/);
    const dayBefore = new Date(Date.now() - 24 * 60 * MIN);
    await refused(await signed({ date: dayBefore }), 'InvalidSignatureException', /^Signature expired: /);
    const otherDay = editAuth(r, (a) => a.replace(`/${amzDate.slice(0, 8)}/`, '/20200101/'));
    await refused(otherDay, 'IncompleteSignatureException', /^Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20200101' != /);
  });

  test('clock skew: AWS KMS allows 5 minutes either way', async () => {
    // X-Amz-Date has whole seconds and the server compares whole seconds. Signed in the past, a
    // request only ages on its way; signed ahead, a second boundary crossed on the way takes one
    // second off, so the refused case ahead is 5 min 2 s (the exact edges: src/protocol/sigv4.test.ts).
    await accepted(await signed({ date: new Date(Date.now() - 4 * MIN - 59_000) }));
    await accepted(await signed({ date: new Date(Date.now() + 4 * MIN + 59_000) }));
    await refused(await signed({ date: new Date(Date.now() - 5 * MIN - 1_000) }), 'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    await refused(await signed({ date: new Date(Date.now() + 5 * MIN + 2_000) }), 'InvalidSignatureException', /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
  });

  test('a presigned request past its X-Amz-Expires', async () => {
    const url = new URL(server.url);
    const presigned = await new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 'kms', sha256: Sha256 }).presign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': JSON_TYPE, 'x-amz-target': 'TrentService.CreateKey' },
        body: BODY,
        query: {},
      },
      { expiresIn: 60, signingDate: new Date(Date.now() - 2 * MIN), unhoistableHeaders: new Set(['x-amz-target', 'content-type']) },
    );
    const qs = Object.entries(presigned.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
    const r: Request = { path: `/?${qs}`, headers: Object.entries(presigned.headers as Record<string, string>), body: BODY };
    await refused(r, 'InvalidSignatureException', /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 1 min\.\)$/);
  });

  test('session tokens: one the service did not issue, a missing one, a wrong one', async () => {
    await refused(await signed({ sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDBogus' }), 'UnrecognizedClientException', INVALID_TOKEN);
    await refused(await signed({ accessKeyId: TEMPORARY.accessKeyId, secretAccessKey: TEMPORARY.secretAccessKey }), 'UnrecognizedClientException', INVALID_TOKEN);
    await refused(await signed({ ...TEMPORARY, sessionToken: `${TEMPORARY.sessionToken}x` }), 'UnrecognizedClientException', INVALID_TOKEN);
    await accepted(await signed(TEMPORARY));
  });

  test('headers that say who signs or when, sent twice', async () => {
    const r = await signed();
    await refused(added(r, 'Authorization', get(r, 'authorization')!), 'IncompleteSignatureException', "The request has more than one 'Authorization' header; send it once.");
    await refused(added(r, 'X-Amz-Date', get(r, 'x-amz-date')!), 'IncompleteSignatureException', "The request has more than one 'X-Amz-Date' header; send it once.");
    await refused(added(r, 'Host', get(r, 'host')!), 'IncompleteSignatureException', "The request has more than one 'Host' header; send it once.");
    await refused(added(await signed(TEMPORARY), 'X-Amz-Security-Token', TEMPORARY.sessionToken), 'IncompleteSignatureException', /more than one 'X-Amz-Security-Token' header/);
    // Two targets are one the endpoint does not know (the HTTP parser joins them).
    await refused(added(r, 'X-Amz-Target', 'TrentService.CreateKey'), 'UnknownOperationException', 'Operation TrentService.CreateKey, TrentService.CreateKey is not known.');
  });
});

describe('SigV4 keeps real time when the service clock moves', () => {
  test('after clock advance a request signed now is accepted and one signed at the service time is not yet current', async () => {
    const moved = await signedCall(server.url, 'KeywardenAdmin.AdvanceClock', { Duration: '1d' }, { service: 'keywarden' });
    assert.equal(moved.status, 200, moved.text);
    await accepted(await signed());
    await refused(await signed({ date: new Date(Date.now() + 24 * 60 * MIN) }), 'InvalidSignatureException', /^Signature not yet current: /);
  });
});
