import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../test/support/signed-request.js';
import { InvalidSignatureException } from '../protocol/errors.js';
import { verifySigV4 } from '../protocol/sigv4.js';
import { WEB_DIR } from './files.js';

// The console's signer (a browser module on Web Crypto, which Node has too) against the service's
// verifier and against the AWS SDK's own signer.

const { signedHeaders } = await import(pathToFileURL(join(WEB_DIR, 'sigv4.js')).href);

const HOST = '127.0.0.1:4599';
const NOW = Date.UTC(2026, 11, 1, 9, 30, 15);
const KEY = { accessKeyId: 'AKIACONSOLE000000001', secretAccessKey: 'consoleSecret/with+signs' };

const call = (over: object = {}) => ({
  host: HOST,
  target: 'TrentService.ConnectCustomKeyStore',
  body: JSON.stringify({ CustomKeyStoreId: 'cks-1234567890abcdef0', Note: 'ünïcødé' }),
  service: 'kms',
  region: 'eu-west-1',
  credentials: KEY,
  now: NOW,
  ...over,
});

/** What the service receives: the browser adds the Host header itself. */
const received = (headers: Record<string, string>, body: string) => ({
  method: 'POST',
  url: '/',
  headers: { ...headers, host: HOST },
  body: Buffer.from(body, 'utf8'),
});

const secrets = (id: string) => (id === KEY.accessKeyId ? { secretAccessKey: KEY.secretAccessKey } : undefined);

test('the service verifies what the console signs, for the service and Region of the scope', async () => {
  const c = call();
  const headers: Record<string, string> = await signedHeaders(c);
  assert.equal(headers.host, undefined, 'a browser sets Host itself and refuses a script that tries');
  const identity = verifySigV4(received(headers, c.body), secrets, NOW + 1000);
  assert.deepEqual({ ...identity }, { accessKeyId: KEY.accessKeyId, region: 'eu-west-1', service: 'kms', signedAt: NOW - (NOW % 1000) });
});

test('a body changed after signing is refused', async () => {
  const c = call();
  const headers = await signedHeaders(c);
  assert.throws(() => verifySigV4(received(headers, c.body.replace('cks-1', 'cks-2')), secrets, NOW), InvalidSignatureException);
});

test('a session token is signed and sent', async () => {
  const c = call({ credentials: { ...KEY, sessionToken: 'FwoGZXIvYXdzEJr//token' } });
  const headers: Record<string, string> = await signedHeaders(c);
  assert.equal(headers['x-amz-security-token'], 'FwoGZXIvYXdzEJr//token');
  assert.match(headers.authorization!, /SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,/);
  const withToken = (id: string) => (id === KEY.accessKeyId ? { secretAccessKey: KEY.secretAccessKey, sessionToken: 'FwoGZXIvYXdzEJr//token' } : undefined);
  assert.equal(verifySigV4(received(headers, c.body), withToken, NOW).accessKeyId, KEY.accessKeyId);
});

test('the signature is the one the AWS SDK computes for the same request', async () => {
  for (const c of [call(), call({ service: 'cloudhsm', target: 'BaldrApiService.DescribeClusters', body: '{}' }), call({ credentials: { ...KEY, sessionToken: 'tok' } })]) {
    const ours: Record<string, string> = await signedHeaders(c);
    const sdk = new SignatureV4({ service: c.service, region: c.region, credentials: c.credentials, sha256: Sha256, applyChecksum: false });
    const signed = await sdk.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4599,
        path: '/',
        headers: { 'content-type': 'application/x-amz-json-1.1', host: HOST, 'x-amz-target': c.target },
        body: c.body,
      },
      { signingDate: new Date(c.now) },
    );
    assert.equal(ours.authorization, signed.headers.authorization);
  }
});
