import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { run } from '../support/aws-cli.js';
import { launchChromium, type Browser } from '../support/browser.js';
import { BIN, ROOT, serveExpectingFailure, startServer, type TestServer } from '../support/server.js';
import { signedCall } from '../support/signed-call.js';

// The web console in a real browser (Debian's Chromium driven by playwright-core): sign in with an
// access key of the credentials file, create a key store for the quickstart cluster, connect it
// and watch it go CONNECTING → CONNECTED, cut the network with `keywarden fault` and see the
// failure on the page, then the guide's repair. Every click is a signed API call, so a read-only
// access key is refused in the page and both keys' calls are in the audit trail.
//
// KEYWARDEN_CONSOLE_SCREENSHOTS=docs/console makes the run save the screenshots docs/console.md shows.

const ACCOUNT = '111122223333';
const OPERATOR = { accessKeyId: 'AKIAOPERATOR00000001', secretAccessKey: 'operatorSecret0001' };
const REGION = 'us-east-1';
const AUDITOR = { accessKeyId: 'AKIAAUDITOR000000001', secretAccessKey: 'auditorSecret00001' };
const READ_ONLY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['kms:Describe*', 'kms:List*', 'kms:Get*', 'cloudhsm:Describe*', 'cloudtrail:LookupEvents'], Resource: '*' }],
};
const SHOTS = process.env.KEYWARDEN_CONSOLE_SCREENSHOTS ? resolve(ROOT, process.env.KEYWARDEN_CONSOLE_SCREENSHOTS) : undefined;

let server: TestServer;
let browser: Browser;
let page: Page;
let work: string;
const pageErrors: string[] = [];

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'keywarden-console-'));
  const credentials = join(work, 'credentials.json');
  writeFileSync(
    credentials,
    JSON.stringify({
      credentials: [
        { ...OPERATOR, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/operator` },
        { ...AUDITOR, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/auditor`, identityPolicies: { ReadOnly: READ_ONLY } },
      ],
    }),
  );
  // A connection attempt long enough for the page to see CONNECTING; cluster changes at once.
  server = await startServer({ args: ['--credentials', credentials, '--connect-delay-ms', '2000', '--cluster-delay-ms', '0'] });
  browser = await launchChromium();
  page = browser.page;
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // A Content-Security-Policy violation is reported on the console; the page must cause none. The
  // API's error answers (which the test provokes) are reported there too, against the API's URL.
  page.on('console', (m) => {
    if (m.type() === 'error' && m.location().url !== `${server.url}/`) pageErrors.push(`${m.text()} (${m.location().url})`);
  });
  page.on('dialog', (d) => void d.accept());
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await browser?.close();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

const keywarden = (args: string[]) =>
  run(process.execPath, [BIN, ...args, '--endpoint', server.url], {
    cwd: work,
    env: { AWS_ACCESS_KEY_ID: OPERATOR.accessKeyId, AWS_SECRET_ACCESS_KEY: OPERATOR.secretAccessKey },
  });

async function kms(operation: string, input: object): Promise<any> {
  const r = await signedCall(server.port, `TrentService.${operation}`, 'kms', Buffer.from(JSON.stringify(input)), OPERATOR);
  assert.equal(r.status, 200, `${operation}: ${r.text}`);
  return r.json;
}

/** A screenshot once every part of the page has loaded. */
const shot = async (name: string) => {
  if (!SHOTS) return;
  await page.waitForFunction(() => !document.querySelector('main .loading'));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
};

const focused = (label: string) => page.getByLabel(label).evaluate((el) => el === document.activeElement);

/**
 * Signs in with the keyboard alone: the form opens with the focus in its first field, and after a
 * refused secret the focus waits in the secret's field.
 */
async function signIn(key: { accessKeyId: string; secretAccessKey: string }, retry = false) {
  await page.getByLabel('Access key ID').waitFor();
  if (retry) {
    assert.equal(await focused('Secret access key'), true, 'the focus is back in Secret access key');
  } else {
    assert.equal(await focused('Access key ID'), true, 'the focus starts in Access key ID');
    await page.keyboard.type(key.accessKeyId);
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(key.secretAccessKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'KMS keys' }).waitFor();
}

/** The status of a GET of `path` sent exactly as given. */
function statusOf(path: string): Promise<number | undefined> {
  return new Promise((done, fail) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
      res.resume();
      done(res.statusCode);
    });
    req.on('error', fail);
    req.end();
  });
}

const nav = (name: string) => page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name });

/** The states the key store page has shown, in order. */
const statesSeen = () => page.locator('ol.state-log li').evaluateAll((items) => items.map((li) => li.getAttribute('data-state')));

test('the console: sign in, create and connect a key store, cut the network, see the failure, repair it', async () => {
  const qs = await keywarden(['cluster', 'quickstart', '--json']);
  assert.equal(qs.status, 0, qs.stderr);
  const { ClusterId: clusterId, TrustAnchorCertificateFile: anchorFile, KmsuserPassword: kmsuserPassword } = qs.json;

  // Signing in checks the access key with a signed call: a wrong secret keeps the page at sign-in.
  await page.goto(`${server.url}/console/`);
  assert.equal(await page.getByRole('navigation').isVisible(), false, 'no navigation before signing in');
  await page.getByLabel('Access key ID').fill(OPERATOR.accessKeyId);
  await page.getByLabel('Secret access key').fill('notTheSecret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('InvalidSignatureException').waitFor();
  await shot('sign-in');
  await signIn(OPERATOR, true);
  assert.equal(await page.evaluate(() => Object.keys(localStorage).length), 0, 'nothing is kept beyond the tab');
  assert.match(await page.evaluate(() => sessionStorage.getItem('keywarden.console.session') ?? ''), /AKIAOPERATOR/);

  // Create the key store from the quickstart cluster, the trust anchor read from its file.
  await nav('Custom key stores').click();
  await page.getByRole('heading', { level: 1, name: 'Custom key stores' }).waitFor();
  await page.getByLabel('Key store name').fill('ConsoleKeyStore');
  await page.getByLabel('CloudHSM cluster ID').fill(clusterId);
  await page.getByLabel('…or read it from a file').setInputFiles(anchorFile);
  await page.getByLabel('kmsuser password').fill(kmsuserPassword);
  await page.getByRole('button', { name: 'Create key store' }).click();
  await page.getByRole('heading', { level: 1, name: 'ConsoleKeyStore' }).waitFor();
  const storeId = decodeURIComponent(new URL(page.url()).hash.replace('#/key-stores/', ''));
  assert.match(storeId, /^cks-[0-9a-f]{17}$/);
  await page.locator('[data-connection-state="DISCONNECTED"]').waitFor();
  // Doctor's finding for a new store: DISCONNECTED, from the service's run of keywarden doctor.
  await page.locator('.findings article[data-code="STORE_DISCONNECTED"]').waitFor();
  assert.equal(await page.locator('[data-findings-source]').getAttribute('data-findings-source'), 'doctor');

  // Connect, and follow the store through CONNECTING to CONNECTED.
  await page.getByRole('group', { name: 'Key store actions' }).getByRole('button', { name: 'Connect', exact: true }).click();
  await page.locator('ol.state-log li[data-state="CONNECTED"]').waitFor({ timeout: 30_000 });
  assert.deepEqual(await statesSeen(), ['DISCONNECTED', 'CONNECTING', 'CONNECTED']);
  await page.getByText('No findings: the key store is CONNECTED.').waitFor();

  // Keys: one in the store (its CreateKey record names the backing key), one of KMS's own.
  const { KeyMetadata: hsmKey } = await kms('CreateKey', { Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId, Description: 'payments, in the HSMs' });
  await kms('CreateAlias', { AliasName: 'alias/payments', TargetKeyId: hsmKey.KeyId });
  const { KeyMetadata: plainKey } = await kms('CreateKey', { Description: 'application secrets' });
  await kms('CreateAlias', { AliasName: 'alias/app-secrets', TargetKeyId: plainKey.KeyId });
  await kms('TagResource', { KeyId: plainKey.KeyId, Tags: [{ TagKey: 'team', TagValue: 'platform' }] });
  await kms('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'release signing' });

  const actions = page.getByRole('group', { name: 'Key store actions' });
  await actions.getByRole('button', { name: 'Test the connection' }).click();
  await page.getByText('The cluster answered').waitFor();

  // Cut the network path to the cluster: the store stays CONNECTED, but the cluster is out of reach.
  const cut = await keywarden(['fault', 'cut-network', '--cluster-id', clusterId]);
  assert.equal(cut.status, 0, cut.stderr);
  await actions.getByRole('button', { name: 'Test the connection' }).click();
  const probe = page.locator('.probe-result [data-error]');
  await probe.waitFor();
  assert.equal(await probe.getAttribute('data-error'), 'KMSInternalException');
  assert.match(await probe.innerText(), /KMS cannot communicate with your CloudHSM cluster/);

  // The guide's answer to NETWORK_ERRORS: disconnect, connect again; with the path still cut the
  // attempt fails, and the findings panel says why in words.
  await actions.getByRole('button', { name: 'Disconnect' }).click();
  await page.locator('ol.state-log li[data-state="DISCONNECTED"]').nth(1).waitFor();
  await actions.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.locator('ol.state-log li[data-state="FAILED"]').waitFor({ timeout: 30_000 });
  // DisconnectCustomKeyStore answers once the store is DISCONNECTED, so the page never sees DISCONNECTING.
  assert.deepEqual(await statesSeen(), ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'DISCONNECTED', 'CONNECTING', 'FAILED']);
  // The findings are keywarden doctor's, run by the service as the signed-in operator: its cause,
  // and its fix commands per tool, the ids and this endpoint filled in.
  const finding = page.locator('.findings article[data-code="NETWORK_ERRORS"]');
  await finding.waitFor();
  assert.equal(await page.locator('[data-findings-source]').getAttribute('data-findings-source'), 'doctor');
  assert.match(await finding.locator('.cause').innerText(), new RegExp(`Network errors kept KMS from connecting to cluster ${clusterId}\\. This usually passes: disconnect, wait a few minutes, and connect again\\.`));
  const awsCli = await finding.locator('pre[data-tool="the AWS CLI"]').innerText();
  assert.ok(awsCli.split('\n').includes(`aws --region ${REGION} --endpoint-url ${server.url} kms disconnect-custom-key-store --custom-key-store-id ${storeId}`), awsCli);
  assert.ok(awsCli.split('\n').includes(`aws --region ${REGION} --endpoint-url ${server.url} kms connect-custom-key-store --custom-key-store-id ${storeId}`), awsCli);
  assert.equal(await page.locator('[data-connection-error]').innerText(), 'NETWORK_ERRORS');
  await page.getByRole('table', { name: `KMS keys in ${storeId}` }).getByRole('link', { name: hsmKey.KeyId }).waitFor();
  await shot('key-store-failed');

  // The keys page: the store's key is Unavailable, and the filters find it.
  await nav('KMS keys').click();
  await page.getByRole('table', { name: 'Customer managed keys' }).waitFor();
  await page.getByLabel('Status').selectOption('Unavailable');
  const rows = page.getByRole('table', { name: 'Customer managed keys' }).locator('tbody tr');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), new RegExp(`payments\\s+${hsmKey.KeyId}\\s+Unavailable\\s+Symmetric\\s+SYMMETRIC_DEFAULT\\s+ENCRYPT_DECRYPT\\s+${storeId}`));
  await page.getByLabel('Status').selectOption('');
  await page.getByLabel('Key usage').selectOption('SIGN_VERIFY');
  assert.equal(await rows.count(), 1);
  assert.match(await rows.first().innerText(), /Asymmetric\s+ECC_NIST_P256\s+SIGN_VERIFY/);
  await page.getByLabel('Key usage').selectOption('');
  await shot('keys');

  // The store's key: Unavailable, with its backing key found through CloudTrail.
  await page.getByRole('link', { name: hsmKey.KeyId }).click();
  await page.locator('[data-key-state="Unavailable"]').waitFor();
  const backing = page.getByRole('table', { name: 'Backing keys in the cluster (from CloudTrail)' });
  await backing.waitFor();
  assert.match(await backing.innerText(), /0x[0-9a-f]+\s+CreateKey/);

  // A key of KMS's own: disable, enable, schedule deletion, cancel it, each a signed call.
  await page.goto(`${server.url}/console/#/keys/${plainKey.KeyId}`);
  await page.locator('[data-key-state="Enabled"]').waitFor();
  await page.getByRole('table', { name: 'Tags' }).getByRole('cell', { name: 'platform' }).waitFor();
  assert.match(await page.locator('pre[aria-label="Key policy"]').innerText(), /"Sid": "Enable IAM User Permissions"/);
  await shot('key');
  await page.getByRole('button', { name: 'Disable' }).click();
  await page.locator('[data-key-state="Disabled"]').waitFor();
  await page.getByRole('button', { name: 'Enable' }).click();
  await page.locator('[data-key-state="Enabled"]').waitFor();
  await page.getByLabel('Waiting period (days, 7–30)').fill('7');
  await page.getByRole('button', { name: 'Schedule key deletion' }).click();
  await page.locator('[data-key-state="PendingDeletion"]').waitFor();
  await page.getByRole('button', { name: 'Cancel key deletion' }).click();
  await page.locator('[data-key-state="Disabled"]').waitFor();
  const described = await kms('DescribeKey', { KeyId: plainKey.KeyId });
  assert.equal(described.KeyMetadata.KeyState, 'Disabled');

  // Clusters and HSMs: the quickstart cluster, its two HSMs in two zones, its subnets.
  await nav('Clusters and HSMs').click();
  const hsms = page.getByRole('table', { name: `HSMs of ${clusterId}` });
  await hsms.waitFor();
  assert.equal(await hsms.locator('tbody tr').count(), 2);
  assert.match(await page.getByRole('table', { name: 'CloudHSM clusters' }).innerText(), new RegExp(`${clusterId}\\s+ACTIVE\\s+2 active of 2`));
  await shot('clusters');

  // A read-only access key: the page shows the store, and the service refuses its disconnect.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(AUDITOR);
  await page.goto(`${server.url}/console/#/key-stores/${storeId}`);
  await page.locator('[data-connection-state="FAILED"]').waitFor();
  await page.getByRole('group', { name: 'Key store actions' }).getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('alert').getByText('AccessDeniedException').waitFor();
  await page.locator('[data-connection-state="FAILED"]').waitFor();

  // The audit trail has both keys' calls, the refusal included, with their records.
  await nav('Audit trail').click();
  await page.getByLabel('Lookup attribute').selectOption('EventName');
  await page.getByLabel('Attribute value').fill('DisconnectCustomKeyStore');
  await page.getByRole('button', { name: 'Look up events' }).click();
  const events = page.getByRole('table', { name: 'Events with EventName DisconnectCustomKeyStore, page 1' });
  await events.waitFor();
  const eventRows = await events.locator('tbody tr').allInnerTexts();
  assert.equal(eventRows.length, 2, eventRows.join('\n'));
  assert.match(eventRows[0]!, new RegExp(`DisconnectCustomKeyStore\\s+auditor\\s+${AUDITOR.accessKeyId}\\s+kms.amazonaws.com\\s+AccessDeniedException`));
  assert.match(eventRows[1]!, new RegExp(`DisconnectCustomKeyStore\\s+operator\\s+${OPERATOR.accessKeyId}\\s+kms.amazonaws.com\\s+Success`));
  await events.getByRole('button', { name: /View the JSON of DisconnectCustomKeyStore/ }).first().click();
  const record = JSON.parse(await page.getByRole('region', { name: 'Event record' }).locator('pre').innerText());
  assert.equal(record.eventName, 'DisconnectCustomKeyStore');
  assert.equal(record.userIdentity.accessKeyId, AUDITOR.accessKeyId);
  assert.equal(record.errorCode, 'AccessDeniedException');
  await shot('audit');

  // The repair: restore the path, then disconnect and connect again as the operator.
  const restored = await keywarden(['fault', 'restore-network', '--cluster-id', clusterId]);
  assert.equal(restored.status, 0, restored.stderr);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(OPERATOR);
  await page.goto(`${server.url}/console/#/key-stores/${storeId}`);
  await page.locator('[data-connection-state="FAILED"]').waitFor();
  const again = page.getByRole('group', { name: 'Key store actions' });
  await again.getByRole('button', { name: 'Disconnect' }).click();
  await page.locator('[data-connection-state="DISCONNECTED"]').waitFor();
  await again.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.locator('ol.state-log li[data-state="CONNECTED"]').waitFor({ timeout: 30_000 });
  // The connection failure is gone from doctor's findings once the store is CONNECTED again.
  await page.locator('.findings article[data-code="CRYPTO_CANNOT_COMMUNICATE"], .findings .finding-none').first().waitFor();
  assert.equal(await page.locator('.findings article[data-code="NETWORK_ERRORS"]').count(), 0);

  await nav('Custom key stores').click();
  await page.getByRole('table', { name: 'Custom key stores' }).getByText('CONNECTED').waitFor();
  await shot('key-stores');

  assert.deepEqual(pageErrors, [], 'no script error and no Content-Security-Policy violation');
});

test('the console is served with a strict Content-Security-Policy, and only its own files', async () => {
  const index = await fetch(`${server.url}/console/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
  const csp = index.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(await index.text(), /<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=/i, 'no inline script or handler');
  assert.equal((await fetch(`${server.url}/console`, { redirect: 'manual' })).headers.get('location'), '/console/');
  assert.equal((await fetch(`${server.url}/console/nothing.js`)).status, 404);
  // Sent as written (fetch would resolve the dots first): no path leaves the console's own files.
  for (const path of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/..%2fpackage.json', '/console/pages/../../../package.json']) {
    assert.equal(await statusOf(path), 404, path);
  }
});

test('--console off serves no console; --console takes on or off only', async () => {
  const off = await startServer({ args: ['--console', 'off'] });
  try {
    const r = await fetch(`${off.url}/console/`);
    assert.notEqual(r.status, 200);
    assert.match(await r.text(), /UnknownOperationException/);
    assert.doesNotMatch(off.output(), /Web console/);
  } finally {
    await off.dispose();
  }
  assert.match(server.output(), /Web console: http:\/\/127\.0\.0\.1:\d+\/console\/ \(sign in with an access key of the credentials file\)/);
  const bad = await serveExpectingFailure(['--console', 'maybe', '--data-dir', join(work, 'unused')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--console takes 'on' or 'off', not 'maybe'/);
});
