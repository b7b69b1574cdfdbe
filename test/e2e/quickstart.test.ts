import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { aws, run } from '../support/aws-cli.js';
import { BIN, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let work: string;

before(async () => {
  server = await startServer({ args: ['--cluster-delay-ms', '0'] });
  work = mkdtempSync(join(tmpdir(), 'keywarden-quickstart-'));
});

after(async () => {
  await server?.dispose();
  rmSync(work, { recursive: true, force: true });
});

const keywarden = (args: string[], input?: string) =>
  run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: work, input, env: { KEYWARDEN_STATE_DIR: join(work, 'state') } });

test('cluster quickstart leaves an ACTIVE cluster with two HSMs in two zones, kmsuser, and the CA file', async () => {
  const r = await keywarden(['cluster', 'quickstart', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one JSON object');
  const out = r.json as { ClusterId: string; TrustAnchorCertificateFile: string; AdminPassword: string; KmsuserPassword: string };
  assert.match(out.ClusterId, /^cluster-[a-z2-7]{11}$/);
  assert.match(out.AdminPassword, /^[A-Za-z0-9]{7,32}$/);
  assert.match(out.KmsuserPassword, /^[A-Za-z0-9]{7,32}$/);
  assert.equal(out.TrustAnchorCertificateFile, join(work, 'customerCA.crt'));
  assert.match(readFileSync(out.TrustAnchorCertificateFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);

  const described = aws(server.url, ['cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${out.ClusterId}`]);
  assert.equal(described.status, 0, described.stderr);
  const cluster = described.json.Clusters[0];
  assert.equal(cluster.State, 'ACTIVE');
  const hsms = cluster.Hsms.filter((h: { State: string }) => h.State === 'ACTIVE');
  assert.equal(hsms.length, 2);
  assert.notEqual(hsms[0].AvailabilityZone, hsms[1].AvailabilityZone);

  // The passwords it printed work: admin sees kmsuser, and kmsuser can log in (and out).
  const cli = await keywarden(
    ['cloudhsm-cli', '--cluster-id', out.ClusterId],
    [
      `login --username admin --role admin --password ${out.AdminPassword}`,
      'user list',
      'logout',
      `login --username kmsuser --role crypto-user --password ${out.KmsuserPassword}`,
      'logout',
    ].join('\n'),
  );
  assert.equal(cli.status, 0, cli.stdout + cli.stderr);
  assert.match(cli.stdout, /"username":\s*"kmsuser"[^}]*"role":\s*"crypto-user"/);
  assert.equal((cli.stdout.match(/"error_code": 0/g) ?? []).length, 5, cli.stdout);
});

test('quickstart prints the create-custom-key-store command for the cluster', async () => {
  const r = await keywarden(['cluster', 'quickstart', '--trust-anchor-file', 'other.crt']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /aws --endpoint-url http:\/\/127\.0\.0\.1:\d+ kms create-custom-key-store --custom-key-store-name \S+ --cloud-hsm-cluster-id cluster-\w+ --key-store-password \w+ --trust-anchor-certificate file:\/\/\S+other\.crt/);
});
