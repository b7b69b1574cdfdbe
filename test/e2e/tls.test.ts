// HTTPS: `serve --tls self-signed` for local use, and `--tls-cert/--tls-key` with the operator's
// own files, driven by the AWS CLI (AWS_CA_BUNDLE) and by @aws-sdk/client-kms (an https agent
// that trusts the certificate), as users point them at Keywarden.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DecryptCommand, EncryptCommand, KMSClient, ListKeysCommand, CreateKeyCommand } from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { awsCli as awsProgram } from '../support/tools.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

let work: string;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-tls-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function kmsOver(url: string, ca: Buffer): KMSClient {
  return new KMSClient({
    endpoint: url,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: { httpsAgent: new Agent({ ca }) },
  });
}

const awsCli = (url: string, caBundle: string, ...args: string[]) =>
  run(awsProgram(), ['--endpoint-url', url, '--output', 'json', ...args], { env: { AWS_CA_BUNDLE: caBundle } });

describe('--tls self-signed', () => {
  let server: TestServer;
  let certFile: string;

  before(async () => {
    server = await startServer({ args: ['--tls', 'self-signed'] });
    certFile = join(server.dataDir, 'tls', 'localhost.crt');
  });

  after(async () => {
    await server?.dispose();
  });

  test('listens on https:// and prints the certificate and the AWS_CA_BUNDLE line to use it', () => {
    assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const out = server.output();
    assert.ok(out.includes(`TLS certificate (self-signed, for localhost, 127.0.0.1 and ::1): ${certFile}\n`), out);
    assert.ok(out.includes(`AWS_CA_BUNDLE=${certFile} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${server.url} kms create-key`), out);
    assert.equal(statSync(join(server.dataDir, 'tls', 'localhost.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(server.dataDir, 'tls')).mode & 0o777, 0o700);
    const text = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-text'], { encoding: 'utf8' });
    assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
  });

  test('the AWS CLI works over https with AWS_CA_BUNDLE, and refuses the endpoint without it', async () => {
    const created = await awsCli(server.url, certFile, 'kms', 'create-key', '--description', 'over tls');
    assert.equal(created.status, 0, created.stderr);
    const keyId = created.json.KeyMetadata.KeyId;
    const described = await awsCli(server.url.replace('127.0.0.1', 'localhost'), certFile, 'kms', 'describe-key', '--key-id', keyId);
    assert.equal(described.status, 0, described.stderr);
    assert.equal(described.json.KeyMetadata.Description, 'over tls');
    const untrusted = await awsCli(server.url, '/etc/ssl/certs/ca-certificates.crt', 'kms', 'list-keys');
    assert.notEqual(untrusted.status, 0);
    assert.match(untrusted.stderr, /SSL validation failed|CERTIFICATE_VERIFY_FAILED/);
  });

  test('@aws-sdk/client-kms works over https with an agent that trusts the certificate', async () => {
    const kms = kmsOver(server.url, readFileSync(certFile));
    try {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'sdk over tls' }));
      const sealed = await kms.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('over tls') }));
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      assert.equal(Buffer.from(opened.Plaintext!).toString(), 'over tls');
    } finally {
      kms.destroy();
    }
    const untrusting = new KMSClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      await assert.rejects(untrusting.send(new ListKeysCommand({})), /self-signed certificate|unable to verify/);
    } finally {
      untrusting.destroy();
    }
  });

  test("keywarden's own commands reach the https endpoint, trusting AWS_CA_BUNDLE as the AWS CLI does", async () => {
    const verified = await run(process.execPath, [BIN, 'audit', 'verify', '--endpoint', server.url, '--json'], { env: { AWS_CA_BUNDLE: certFile }, cwd: ROOT });
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(verified.json.Valid, true, verified.stdout);
  });

  test('a restart serves the same certificate, so the AWS_CA_BUNDLE a user set stays good', async () => {
    const before = readFileSync(certFile, 'utf8');
    await server.restart();
    assert.equal(readFileSync(certFile, 'utf8'), before);
    const listed = await awsCli(server.url, certFile, 'kms', 'list-keys');
    assert.equal(listed.status, 0, listed.stderr);
  });
});

describe('--tls-cert FILE --tls-key FILE', () => {
  test("the operator's certificate and key are served; a key of another certificate stops start-up with a clear message", async () => {
    const cert = join(work, 'server.crt');
    const key = join(work, 'server.key');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
    ], { stdio: 'ignore' });
    const server = await startServer({ args: ['--tls-cert', cert, '--tls-key', key] });
    try {
      assert.match(server.url, /^https:/);
      assert.ok(server.output().includes(`TLS certificate: ${cert}\n`), server.output());
      const kms = kmsOver(server.url, readFileSync(cert));
      try {
        const { Keys } = await kms.send(new ListKeysCommand({}));
        assert.deepEqual(Keys, []);
      } finally {
        kms.destroy();
      }
      const listed = await awsCli(server.url, cert, 'kms', 'list-keys');
      assert.equal(listed.status, 0, listed.stderr);
    } finally {
      await server.dispose();
    }

    const otherKey = join(work, 'other.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', otherKey], { stdio: 'ignore' });
    await assert.rejects(startServer({ args: ['--tls-cert', cert, '--tls-key', otherKey] }), /does not belong to the certificate/);
    await assert.rejects(startServer({ args: ['--tls-cert', cert] }), /--tls-cert and --tls-key go together/);
  });
});
