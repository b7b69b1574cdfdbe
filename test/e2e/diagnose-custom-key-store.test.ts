// KeywardenAdmin.DiagnoseCustomKeyStore, the console's source of findings: `keywarden doctor` for
// one store, run inside the service through its own public API as the caller. A store broken
// with `keywarden fault` gets the same findings (code, cause, fix) as the doctor command gives;
// the reads are the caller's own: refused where the caller may not read, and in the audit trail
// under the caller's access key.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Report } from '../../src/doctor/diagnose.js';
import { DoctorWorld } from '../support/doctor-world.js';
import { startServer, type TestServer } from '../support/server.js';

const ACCOUNT = '111122223333';
const OPERATOR = { accessKeyId: 'AKIAOPERATOR00000001', secretAccessKey: 'operatorSecret0001' };
const READER = { accessKeyId: 'AKIAREADER0000000001', secretAccessKey: 'readerSecret000001' };
// Reads KMS and CloudTrail and may run the diagnosis, but not read CloudHSM.
const READER_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Describe*', 'kms:List*', 'cloudtrail:LookupEvents', 'keywarden:DiagnoseCustomKeyStore'], Resource: '*' }],
};

let server: TestServer;
let w: DoctorWorld;

before(async () => {
  w = new DoctorWorld('http://127.0.0.1:1', 'us-west-2', 'diagnose', OPERATOR);
  const credentials = join(w.dir, 'credentials.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      credentials: [
        { ...OPERATOR, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/operator` },
        { ...READER, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/reader`, identityPolicies: { Reader: READER_POLICY } },
      ],
    }),
  );
  server = await startServer({ args: ['--credentials', credentials, '--cluster-delay-ms', '50', '--connect-delay-ms', '50'] });
  w.close();
  w = new DoctorWorld(server.url, 'us-west-2', 'diagnose', OPERATOR);
});

after(async () => {
  w?.close();
  await server?.dispose();
});

/** The doctor command's findings in the admin operation's member names. */
const asWire = (r: Report) =>
  r.findings.map((f) => ({
    Severity: f.severity,
    Code: f.code,
    Title: f.title,
    Cause: f.cause,
    Fix: { AwsCli: f.fix.awsCli, CloudHsmCli: f.fix.cloudhsmCli, LegacyTools: f.fix.legacyTools, Keywarden: f.fix.keywarden, Steps: f.fix.steps.map((s) => s.say) },
    Evidence: Object.keys(f.evidence),
  }));

const fromWire = (out: any) =>
  out.Findings.map((f: any) => ({
    Severity: f.Severity,
    Code: f.Code,
    Title: f.Title,
    Cause: f.Cause,
    Fix: { AwsCli: f.Fix.AwsCli, CloudHsmCli: f.Fix.CloudHsmCli, LegacyTools: f.Fix.LegacyTools, Keywarden: f.Fix.Keywarden, Steps: f.Fix.Steps.map((s: any) => s.Say) },
    Evidence: Object.keys(f.Evidence),
  }));

test('DiagnoseCustomKeyStore: a cut network gives the doctor command\'s NETWORK_ERRORS finding, read as the caller', async () => {
  const q = await w.quickstart();
  const storeId = await w.createStore('Diagnosed', q, readFileSync(q.TrustAnchorCertificateFile, 'utf8'));
  await w.connect(storeId);
  await w.key(storeId);

  const healthy = await w.admin('DiagnoseCustomKeyStore', { CustomKeyStoreId: storeId });
  assert.equal(healthy.Status, 'healthy');
  assert.deepEqual(healthy.Findings, []);

  const cut = await w.keywarden(['fault', 'cut-network', '--cluster-id', q.ClusterId]);
  assert.equal(cut.status, 0, cut.stderr);
  await w.disconnect(storeId);
  const failed = await w.connect(storeId, 'FAILED');
  assert.equal(failed.ConnectionErrorCode, 'NETWORK_ERRORS');

  const out = await w.admin('DiagnoseCustomKeyStore', { CustomKeyStoreId: storeId });
  assert.equal(out.Status, 'findings');
  const finding = out.Findings.find((f: any) => f.Code === 'NETWORK_ERRORS');
  assert.ok(finding, `a NETWORK_ERRORS finding in ${JSON.stringify(out.Findings.map((f: any) => f.Code))}`);
  assert.equal(finding.Severity, 'error');
  assert.equal(finding.CustomKeyStoreId, storeId);
  // The printed commands name this endpoint and Region, so they work pasted into any shell.
  assert.ok(finding.Fix.AwsCli.includes(`aws --region us-west-2 --endpoint-url ${server.url} kms disconnect-custom-key-store --custom-key-store-id ${storeId}`), JSON.stringify(finding.Fix.AwsCli));

  // The doctor command, pointed at the same endpoint and Region with nothing else set, says the same.
  const cli = await w.doctor(['--json', '--custom-key-store-id', storeId, '--endpoint', server.url, '--region', 'us-west-2'], {
    AWS_DEFAULT_REGION: '',
    AWS_ENDPOINT_URL: '',
    KEYWARDEN_ENDPOINT: '',
  });
  assert.equal(cli.status, 1, cli.stderr);
  const report = JSON.parse(cli.stdout) as Report;
  assert.deepEqual(fromWire(out), asWire(report));
  assert.deepEqual(
    out.NotChecked.map((n: any) => [n.Check, n.Reason, n.Essential]),
    report.notChecked.map((n) => [n.check, n.reason, n.essential]),
  );

  // Another caller's diagnosis is read with that caller's key: what it may not read is refused, and
  // its reads are in the trail under its own access key.
  const reader = new DoctorWorld(server.url, 'us-west-2', 'diagnose-reader', READER);
  try {
    const limited = await reader.admin('DiagnoseCustomKeyStore', { CustomKeyStoreId: storeId });
    assert.match(JSON.stringify(limited), /CloudHSM v2 DescribeClusters was refused: AccessDeniedException/);
    assert.ok(limited.Findings.some((f: any) => f.Code === 'NETWORK_ERRORS'), 'the store\'s own state is still read');
    const trail = await w.admin('ExportAuditEvents', {});
    const records = trail.Records.map((r: string) => JSON.parse(r)).filter((e: any) => e.userIdentity?.accessKeyId === READER.accessKeyId);
    const reads = records.map((e: any) => e.eventName);
    assert.equal(records.find((e: any) => e.eventName === 'DiagnoseCustomKeyStore')?.readOnly, true);
    assert.ok(reads.includes('DiagnoseCustomKeyStore') && reads.includes('DescribeCustomKeyStores') && reads.includes('DescribeClusters'), JSON.stringify(reads));
  } finally {
    reader.close();
  }

  // An unknown store is KMS's NotFound, not a report about nothing.
  await assert.rejects(w.admin('DiagnoseCustomKeyStore', { CustomKeyStoreId: 'cks-00000000000000000' }), /CustomKeyStoreNotFoundException/);
});
