// The audit trail from the outside: `aws cloudtrail lookup-events` (AWS CLI v1) against Keywarden,
// `keywarden audit export` and `keywarden audit verify`, tampering with the store while the
// service is stopped, a crash right after calls were answered, and the service's own DeleteKey and
// RotateKey events once its clock moves.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, type CliResult } from '../support/aws-cli.js';
import { AWS } from '../support/tools.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { storedData, storedText } from '../support/stored-data.js';
import { b64in, kmsApi } from '../support/wire-api.js';
import { connectedStore, kmsSdk, readyCluster } from '../support/sdk-setup.js';
import { CreateKeyCommand, DisconnectCustomKeyStoreCommand, EncryptCommand, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const ARN_PREFIX = `arn:aws:kms:${REGION}:${ACCOUNT}:key/`;
const CLOUDTRAIL = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';

let server: TestServer;
let work: string;
let files = 0;

before(async () => {
  server = await startServer({ allowClockControl: true });
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-audit-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Clients

/**
 * KMS calls whose records the tests read, made from this process: the AWS CLI makes the CreateKey
 * whose record is checked member by member (its user agent too), and reads the trail.
 */
const { kms: api, kmsFails: apiFails } = kmsApi(() => server.url);

async function aws(...args: string[]): Promise<any> {
  const r = await run(AWS, ['--endpoint-url', server.url, '--output', 'json', ...args]);
  assert.equal(r.status, 0, `aws ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.json ?? {};
}

/** An AWS CLI call that must fail with `errorType`; returns the message. */
async function awsFails(operation: string, errorType: string, ...args: string[]): Promise<string> {
  const r = await run(AWS, ['--endpoint-url', server.url, '--output', 'json', ...args]);
  assert.notEqual(r.status, 0, `aws ${args.join(' ')} should have failed, printed:\n${r.stdout}`);
  const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?(.*)$/s.exec(r.stderr.trim());
  assert.ok(m, `not an AWS service error on stderr:\n${r.stderr}`);
  assert.equal(m[2], operation, r.stderr);
  assert.equal(m[1], errorType, `expected ${errorType}, got:\n${r.stderr}`);
  return m[3]!.trim();
}

/** `keywarden <args>` against the server, as a user runs it. */
const keywarden = (...args: string[]): Promise<CliResult> => run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: ROOT });

interface LookedUp {
  EventId: string;
  EventName: string;
  ReadOnly: string;
  AccessKeyId?: string;
  EventTime: number;
  EventSource: string;
  Username?: string;
  Resources: Array<{ ResourceType: string; ResourceName: string }>;
  CloudTrailEvent: string;
}

/** `aws cloudtrail lookup-events --lookup-attributes AttributeKey=K,AttributeValue=V ...` (all pages). */
async function lookup(key?: string, value?: string, ...extra: string[]): Promise<LookedUp[]> {
  const args = ['cloudtrail', 'lookup-events', ...extra];
  if (key) args.push('--lookup-attributes', `AttributeKey=${key},AttributeValue=${value}`);
  return ((await aws(...args)).Events ?? []) as LookedUp[];
}

const recordOf = (e: LookedUp) => JSON.parse(e.CloudTrailEvent) as Record<string, any>;

function fileb(bytes: Buffer | string): string {
  const path = join(work, `blob-${++files}.bin`);
  writeFileSync(path, bytes);
  return `fileb://${path}`;
}

/** One signed AWS JSON 1.1 request, answered with its status, headers and raw body. */
function signedCall(target: string, service: string, input: unknown, region = REGION, endpoint = server.url): Promise<{ status: number; requestId: string; body: any }> {
  const body = Buffer.from(JSON.stringify(input));
  const host = new URL(endpoint).host;
  const amzDate = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '') + 'Z';
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const signed = 'content-type;host;x-amz-date;x-amz-target';
  const sha = (d: string | Buffer) => createHash('sha256').update(d).digest('hex');
  const canonical = `POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:${host}\nx-amz-date:${amzDate}\nx-amz-target:${target}\n\n${signed}\n${sha(body)}`;
  let key: Buffer | string = 'AWS4test';
  for (const part of [day, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(`AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha(canonical)}`).digest('hex');
  const headers = {
    'content-type': 'application/x-amz-json-1.1',
    host,
    'x-amz-date': amzDate,
    'x-amz-target': target,
    'content-length': String(body.length),
    authorization: `AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${signed}, Signature=${signature}`,
  };
  return new Promise((resolve, reject) => {
    const req = request(endpoint, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, requestId: String(res.headers['x-amzn-requestid']), body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// What the tests below share: calls made once, with secrets that must never reach the trail.

const PLAINTEXT = Buffer.from(`plaintext-that-must-never-be-logged-${randomBytes(8).toString('hex')}`);
const KEY_STORE_PASSWORD = `Pw${randomBytes(6).toString('hex')}`;
let keyId: string;
let keyArn: string;
let ciphertext: string;
let dataKey: { Plaintext: string; CiphertextBlob: string };
let missingKeyMessage: string;
const missingKey = '00000000-1111-2222-3333-444444444444';

describe('LookupEvents over every KMS call', () => {
  before(async () => {
    keyId = (await aws('kms', 'create-key', '--description', 'audited key')).KeyMetadata.KeyId;
    keyArn = ARN_PREFIX + keyId;
    ciphertext = (await api('Encrypt', { KeyId: keyId, Plaintext: b64in(PLAINTEXT), EncryptionContext: { Department: 'Engineering' } })).CiphertextBlob;
    [dataKey, missingKeyMessage] = await Promise.all([
      api('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' }),
      apiFails('DescribeKey', 'NotFoundException', { KeyId: missingKey }),
      api('Decrypt', { CiphertextBlob: ciphertext, EncryptionContext: { Department: 'Engineering' } }),
      apiFails('UpdateCustomKeyStore', 'CustomKeyStoreNotFoundException', { CustomKeyStoreId: 'cks-1234567890abcdef0', KeyStorePassword: KEY_STORE_PASSWORD }),
      apiFails('Encrypt', 'ValidationException', { KeyId: keyId, Plaintext: b64in(Buffer.alloc(4097, 1)) }),
    ]);
  });

  test('CreateKey: the record CloudTrail writes, with the key metadata it answered', async () => {
    const events = await lookup('EventName', 'CreateKey');
    const event = events.find((e) => e.Resources.some((r) => r.ResourceName === keyArn));
    assert.ok(event, `no CreateKey event for ${keyArn} among ${events.length}`);
    assert.equal(event.EventName, 'CreateKey');
    assert.equal(event.EventSource, 'kms.amazonaws.com');
    assert.equal(event.ReadOnly, 'false');
    assert.equal(event.AccessKeyId, 'test');
    assert.equal(event.Username, 'root');
    assert.deepEqual(event.Resources, [{ ResourceType: 'AWS::KMS::Key', ResourceName: keyArn }]);
    assert.ok(Math.abs(event.EventTime - Date.now() / 1000) < 300, `EventTime ${event.EventTime} is epoch seconds, now`);
    const r = recordOf(event);
    assert.equal(r.eventVersion, '1.08');
    assert.deepEqual(r.userIdentity, { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: 'test' });
    assert.match(r.eventTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(r.eventID, event.EventId);
    assert.equal(r.awsRegion, REGION);
    assert.equal(r.sourceIPAddress, '127.0.0.1');
    assert.match(r.userAgent, /^aws-cli\/1\./);
    assert.deepEqual(r.requestParameters, { description: 'audited key' });
    assert.equal(r.responseElements.keyMetadata.keyId, keyId);
    assert.equal(r.responseElements.keyMetadata.aWSAccountId, ACCOUNT);
    assert.match(r.responseElements.keyMetadata.creationDate, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d:\d\d [AP]M$/);
    assert.match(r.requestID, /^[0-9a-f-]{36}$/);
    assert.equal(r.readOnly, false);
    assert.equal(r.eventType, 'AwsApiCall');
    assert.equal(r.managementEvent, true);
    assert.equal(r.recipientAccountId, ACCOUNT);
    assert.equal(r.eventCategory, 'Management');
  });

  test('cryptographic calls: parameters without the plaintext, no response, the key as resource', async () => {
    // The newest Encrypt is the one that failed validation (below); the first one succeeded.
    const encrypt = (await lookup('EventName', 'Encrypt')).find((e) => !recordOf(e).errorCode);
    const r = recordOf(encrypt!);
    assert.deepEqual(r.requestParameters, { keyId, encryptionContext: { Department: 'Engineering' } });
    assert.equal(r.responseElements, null);
    assert.equal(r.readOnly, true);
    assert.equal(encrypt!.ReadOnly, 'true');
    const [decrypt] = await lookup('EventName', 'Decrypt');
    assert.deepEqual(recordOf(decrypt!).requestParameters, { encryptionContext: { Department: 'Engineering' } });
    assert.deepEqual(decrypt!.Resources, [{ ResourceType: 'AWS::KMS::Key', ResourceName: keyArn }], 'Decrypt names the key the ciphertext was made with');
    const [gdk] = await lookup('EventName', 'GenerateDataKey');
    assert.deepEqual(recordOf(gdk!).requestParameters, { keyId, keySpec: 'AES_256' });
  });

  test('failed calls are recorded with errorCode and errorMessage', async () => {
    const [describe] = await lookup('EventName', 'DescribeKey');
    const r = recordOf(describe!);
    assert.equal(r.errorCode, 'NotFoundException');
    assert.equal(r.errorMessage, missingKeyMessage);
    assert.deepEqual(r.requestParameters, { keyId: missingKey });
    assert.equal(r.responseElements, null);
    assert.deepEqual(describe!.Resources, [{ ResourceType: 'AWS::KMS::Key', ResourceName: ARN_PREFIX + missingKey }]);

    // Rejected by model validation before any handler ran: still recorded, still without the plaintext.
    const failedEncrypt = (await lookup('EventName', 'Encrypt')).map(recordOf).find((x) => x.errorCode);
    assert.ok(failedEncrypt, 'the Encrypt that failed validation is recorded');
    assert.equal(failedEncrypt.errorCode, 'ValidationException');
    assert.deepEqual(failedEncrypt.requestParameters, { keyId });

    const [update] = await lookup('EventName', 'UpdateCustomKeyStore');
    const u = recordOf(update!);
    assert.equal(u.errorCode, 'CustomKeyStoreNotFoundException');
    assert.deepEqual(u.requestParameters, { customKeyStoreId: 'cks-1234567890abcdef0' }, 'no key store password');
  });

  test('every lookup attribute finds what it names, and only that', async () => {
    const all = await lookup();
    const createKey = all.find((e) => e.EventName === 'CreateKey')!;
    const byId = await lookup('EventId', createKey.EventId);
    assert.deepEqual(byId.map((e) => e.EventId), [createKey.EventId]);

    const checks: Array<[string, string, (e: LookedUp) => boolean]> = [
      ['EventName', 'GenerateDataKey', (e) => e.EventName === 'GenerateDataKey'],
      ['ReadOnly', 'true', (e) => e.ReadOnly === 'true'],
      ['ReadOnly', 'false', (e) => e.ReadOnly === 'false'],
      ['Username', 'root', (e) => e.Username === 'root'],
      ['ResourceType', 'AWS::KMS::Key', (e) => e.Resources.some((r) => r.ResourceType === 'AWS::KMS::Key')],
      ['ResourceName', keyArn, (e) => e.Resources.some((r) => r.ResourceName === keyArn)],
      ['ResourceName', keyId, (e) => e.Resources.some((r) => r.ResourceName === keyArn)],
      ['EventSource', 'kms.amazonaws.com', (e) => e.EventSource === 'kms.amazonaws.com'],
      ['AccessKeyId', 'test', (e) => e.AccessKeyId === 'test'],
    ];
    for (const [key, value, matches] of checks) {
      const found = await lookup(key, value);
      assert.ok(found.length > 0, `${key}=${value} found nothing`);
      assert.ok(found.every(matches), `${key}=${value} returned an event it does not match`);
      assert.equal(found.length, all.filter(matches).length, `${key}=${value} found every matching event`);
    }
    assert.deepEqual(await lookup('EventName', 'NoSuchEvent'), []);
    assert.deepEqual(await lookup('AccessKeyId', 'AKIDNOBODY'), []);
  });

  test('newest first, and only the caller’s Region', async () => {
    const all = await lookup();
    const times = all.map((e) => e.EventTime);
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.equal(all[all.length - 1]!.EventName, 'CreateKey', 'the first call is last');
    assert.deepEqual((await aws('--region', 'eu-west-1', 'cloudtrail', 'lookup-events')).Events, []);
  });

  test('a time range is inclusive at both ends, in whole seconds', async () => {
    const createKey = (await lookup('EventName', 'CreateKey')).find((e) => e.Resources.some((r) => r.ResourceName === keyArn))!;
    const t = createKey.EventTime;
    const at = await lookup('EventName', 'CreateKey', '--start-time', String(t), '--end-time', String(t));
    assert.ok(at.some((e) => e.EventId === createKey.EventId), 'StartTime = EndTime = its second finds it');
    const before = await lookup('EventName', 'CreateKey', '--end-time', String(t - 1));
    assert.ok(!before.some((e) => e.EventId === createKey.EventId));
    const after = await lookup(undefined, undefined, '--start-time', String(t + 3600));
    assert.deepEqual(after, []);
    const iso = await lookup('EventName', 'CreateKey', '--start-time', new Date((t - 1) * 1000).toISOString());
    assert.ok(iso.some((e) => e.EventId === createKey.EventId), 'ISO 8601 times work as well');
  });

  test('paging: --max-items and --starting-token, and the raw NextToken', async () => {
    const all = await lookup();
    assert.ok(all.length >= 5, `enough events to page through: ${all.length}`);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await aws('cloudtrail', 'lookup-events', '--max-items', '2', ...(token ? ['--starting-token', token] : []));
      assert.ok(page.Events.length <= 2);
      seen.push(...page.Events.map((e: LookedUp) => e.EventId));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(seen, all.map((e) => e.EventId));

    const first = await signedCall(`${CLOUDTRAIL}.LookupEvents`, 'cloudtrail', { MaxResults: 2 });
    assert.equal(first.status, 200);
    assert.equal(first.body.Events.length, 2);
    assert.equal(typeof first.body.NextToken, 'string');
    const second = await signedCall(`${CLOUDTRAIL}.LookupEvents`, 'cloudtrail', { MaxResults: 3, NextToken: first.body.NextToken });
    assert.deepEqual(
      [...first.body.Events, ...second.body.Events].map((e: LookedUp) => e.EventId),
      all.slice(0, 5).map((e) => e.EventId),
    );
    const other = await signedCall(`${CLOUDTRAIL}.LookupEvents`, 'cloudtrail', {
      NextToken: first.body.NextToken,
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }],
    });
    assert.equal(other.status, 400);
    assert.equal(other.body.__type, 'InvalidNextTokenException');
    assert.match(other.body.message, /different parameters/);
  });

  test('bad input gets CloudTrail’s own errors, with `message`', async () => {
    const two = await awsFails(
      'LookupEvents',
      'InvalidLookupAttributesException',
      'cloudtrail',
      'lookup-events',
      '--lookup-attributes',
      'AttributeKey=EventName,AttributeValue=Encrypt',
      'AttributeKey=ReadOnly,AttributeValue=true',
    );
    assert.match(two, /at most one/);
    await awsFails('LookupEvents', 'InvalidLookupAttributesException', 'cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=Colour,AttributeValue=blue');
    await awsFails('LookupEvents', 'InvalidLookupAttributesException', 'cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=ReadOnly,AttributeValue=maybe');
    await awsFails('LookupEvents', 'InvalidTimeRangeException', 'cloudtrail', 'lookup-events', '--start-time', '2026-01-02T00:00:00Z', '--end-time', '2026-01-01T00:00:00Z');
    await awsFails('LookupEvents', 'InvalidNextTokenException', 'cloudtrail', 'lookup-events', '--no-paginate', '--next-token', 'not-a-token');
    await awsFails('LookupEvents', 'InvalidEventCategoryException', 'cloudtrail', 'lookup-events', '--event-category', 'data');
    await awsFails('DescribeTrails', 'UnsupportedOperationException', 'cloudtrail', 'describe-trails');

    const tooMany = await signedCall(`${CLOUDTRAIL}.LookupEvents`, 'cloudtrail', { MaxResults: 51 });
    assert.equal(tooMany.status, 400);
    assert.deepEqual(Object.keys(tooMany.body).sort(), ['__type', 'message']);
    assert.equal(tooMany.body.__type, 'InvalidMaxResultsException');
    assert.equal(tooMany.body.message, "1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 50");
    const empty = await signedCall(`${CLOUDTRAIL}.LookupEvents`, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] });
    assert.equal(empty.body.__type, 'InvalidLookupAttributesException');

    assert.deepEqual((await aws('cloudtrail', 'lookup-events', '--event-category', 'insight')).Events, [], 'no Insights events');
  });

  test('CloudHSM calls are recorded under cloudhsm.amazonaws.com', async () => {
    await aws('cloudhsmv2', 'describe-clusters');
    const [event] = await lookup('EventSource', 'cloudhsm.amazonaws.com');
    assert.equal(event!.EventName, 'DescribeClusters');
    assert.equal(event!.ReadOnly, 'true');
    assert.equal(recordOf(event!).eventSource, 'cloudhsm.amazonaws.com');
  });
});

// ---------------------------------------------------------------------------------------------

describe('secrets, export, tampering, restart', () => {
  test('no plaintext, data key, ciphertext blob or password is in any stored record', async () => {
    const secrets = [
      PLAINTEXT.toString('utf8'),
      PLAINTEXT.toString('base64'),
      dataKey.Plaintext,
      dataKey.CiphertextBlob,
      ciphertext,
      KEY_STORE_PASSWORD,
    ];
    const exported = await keywarden('audit', 'export');
    assert.equal(exported.status, 0, exported.stderr);
    const lines = exported.stdout.trim().split('\n');
    assert.ok(lines.length >= 8, `${lines.length} records exported`);
    for (const s of secrets) assert.ok(!exported.stdout.includes(s), `a stored record holds the secret ${s.slice(0, 12)}…`);
    // What the store holds, while the service runs: the files themselves, WAL and write-ahead log
    // included, or the rows of its PostgreSQL database.
    const stored = await storedText(server);
    for (const s of secrets) assert.ok(!stored.includes(s), `the store holds the secret ${s.slice(0, 12)}…`);
  });

  test('audit export: JSON lines, or CloudTrail’s delivery file, oldest first, with --since and --until', async () => {
    const jsonl = join(work, 'trail.jsonl');
    const ct = join(work, 'trail.json');
    const [a, b] = await Promise.all([
      keywarden('audit', 'export', '--output', jsonl),
      keywarden('audit', 'export', '--format', 'cloudtrail', '--output', ct, '--json'),
    ]);
    assert.equal(a.status, 0, a.stderr);
    assert.match(a.stdout, /^wrote \d+ audit records to /);
    assert.equal(b.status, 0, b.stderr);
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const delivery = JSON.parse(readFileSync(ct, 'utf8'));
    assert.deepEqual(Object.keys(delivery), ['Records']);
    assert.equal(JSON.parse(b.stdout).Records, delivery.Records.length);
    assert.deepEqual(delivery.Records.slice(0, lines.length).map((r: any) => r.eventID), lines.map((r) => r.eventID));
    assert.equal(lines[0].eventName, 'CreateKey', 'oldest first');
    for (const r of lines) assert.equal(r.recipientAccountId, ACCOUNT);

    const future = await keywarden('audit', 'export', '--since', new Date(Date.now() + 3_600_000).toISOString());
    assert.equal(future.stdout, '');
    const past = await keywarden('audit', 'export', '--until', '2001-01-01T00:00:00Z', '--format', 'cloudtrail');
    assert.deepEqual(JSON.parse(past.stdout), { Records: [] });
    const recent = await keywarden('audit', 'export', '--since', '1h');
    assert.ok(recent.stdout.trim().split('\n').length >= lines.length);
    const bad = await keywarden('audit', 'export', '--since', 'yesterday');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ValidationException: Since 'yesterday' is neither a time/);
    // Reading the trail does not grow it.
    const again = await keywarden('audit', 'export');
    assert.equal(again.stdout.trim().split('\n').length, recent.stdout.trim().split('\n').length);
  });

  test('audit verify finds a record altered or removed in the store, and a restart keeps every record', async () => {
    const ok = await keywarden('audit', 'verify');
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^audit trail intact: \d+ records checked/);
    const before = await lookup();

    await server.stop();
    let data = await storedData(server);
    const [target] = await data.all<{ seq: number; eventId: string; record: string }>(
      "SELECT seq, event_id AS \"eventId\", record FROM audit_events WHERE event_name = 'CreateKey' ORDER BY seq LIMIT 1",
    );
    assert.ok(target);
    await data.run('UPDATE audit_events SET record = ? WHERE seq = ?', target.record.replace('audited key', 'innocent key'), target.seq);
    await data.close();
    await server.restart();

    assert.deepEqual((await lookup()).map((e) => e.EventId), before.map((e) => e.EventId), 'a restart keeps every record');
    const altered = await keywarden('audit', 'verify');
    assert.equal(altered.status, 1);
    assert.match(altered.stdout, new RegExp(`^audit trail BROKEN at record ${target.seq} \\(eventID ${target.eventId}\\): record ${target.seq} was altered`));
    const json = await keywarden('audit', 'verify', '--json');
    assert.equal(json.status, 1);
    const report = JSON.parse(json.stdout);
    assert.equal(report.Valid, false);
    assert.deepEqual({ ...report.Problem, Message: undefined }, { Seq: target.seq, Kind: 'altered', EventId: target.eventId, Message: undefined });

    // Put it back, and take another one out instead.
    await server.stop();
    data = await storedData(server);
    await data.run('UPDATE audit_events SET record = ? WHERE seq = ?', target.record, target.seq);
    const removed = target.seq + 2;
    await data.run('DELETE FROM audit_events WHERE seq = ?', removed);
    await data.close();
    await server.restart();
    const gap = await keywarden('audit', 'verify');
    assert.equal(gap.status, 1);
    assert.match(gap.stdout, new RegExp(`BROKEN at record ${removed}: records ${removed} were removed \\(the trail jumps from record ${removed - 1} to record ${removed + 1}\\)`));
    const [verifyLookup] = await lookup('EventName', 'VerifyAuditTrail');
    assert.equal(verifyLookup, undefined, 'verifying is not recorded');

    // A removed record cannot be put back: the tests after this one get a fresh service.
    await server.dispose();
    server = await startServer({ allowClockControl: true });
  });

  test('calls answered just before a crash are in the trail after it', async () => {
    const answers = await Promise.all(Array.from({ length: 25 }, () => signedCall('TrentService.GenerateRandom', 'kms', { NumberOfBytes: 16 })));
    for (const a of answers) assert.equal(a.status, 200);
    await server.crash();
    await server.restart();
    const events = await lookup('EventName', 'GenerateRandom');
    assert.deepEqual(events.map((e) => recordOf(e).requestID).sort(), answers.map((a) => a.requestId).sort());
    const verify = await keywarden('audit', 'verify');
    assert.equal(verify.status, 0, verify.stdout);
  });
});

describe('--audit-sync disk', () => {
  test('answers once the record is on disk, and the trail reads the same', async () => {
    const disk = await startServer({ args: ['--audit-sync', 'disk'] });
    try {
      const key = await signedCall('TrentService.CreateKey', 'kms', { Description: 'synced' }, REGION, disk.url);
      assert.equal(key.status, 200, JSON.stringify(key.body));
      const keyId = (key.body as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
      await disk.crash();
      await disk.restart();
      const found = await signedCall(`${CLOUDTRAIL}.LookupEvents`, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateKey' }] }, REGION, disk.url);
      assert.equal(found.status, 200, JSON.stringify(found.body));
      const events = (found.body as { Events: Array<{ CloudTrailEvent: string }> }).Events;
      assert.deepEqual(
        events.map((e) => JSON.parse(e.CloudTrailEvent).responseElements.keyMetadata.keyId),
        [keyId],
      );
    } finally {
      await disk.dispose();
    }
  });

  test('a value other than os or disk is refused before the service starts', async () => {
    const r = await run(process.execPath, [BIN, 'serve', '--port', '0', '--audit-sync', 'sometimes'], { cwd: ROOT });
    assert.equal(r.status, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--audit-sync takes 'os' or 'disk', not 'sometimes'/);
  });
});

describe("the service's own actions", () => {
  test('RotateKey follows RotateKeyOnDemand, as a service event', async () => {
    const id = (await api('CreateKey')).KeyMetadata.KeyId;
    await api('RotateKeyOnDemand', { KeyId: id });
    const events = await lookup('ResourceName', ARN_PREFIX + id);
    assert.deepEqual(events.map((e) => e.EventName).slice(0, 2).sort(), ['RotateKey', 'RotateKeyOnDemand']);
    const rotate = recordOf(events.find((e) => e.EventName === 'RotateKey')!);
    assert.equal(rotate.eventType, 'AwsServiceEvent');
    assert.deepEqual(rotate.userIdentity, { accountId: ACCOUNT, invokedBy: 'AWS Internal' });
    assert.equal(rotate.serviceEventDetails.rotationType, 'ON_DEMAND');
    assert.equal(rotate.serviceEventDetails.keyId, id);
    assert.match(rotate.serviceEventDetails.currentKeyMaterialId, /^[0-9a-f]{64}$/);
    const onDemand = recordOf(events.find((e) => e.EventName === 'RotateKeyOnDemand')!);
    assert.ok(String(onDemand.responseElements.keyId).endsWith(id), 'responseElements holds the KeyId it answered');
  });

  test('DeleteKey at the end of the waiting period, one per key; automatic rotation; retention', async () => {
    const [doomed, rotating] = await Promise.all([api('CreateKey'), api('CreateKey')]).then((r) => r.map((x) => x.KeyMetadata.KeyId as string));
    await Promise.all([
      api('ScheduleKeyDeletion', { KeyId: doomed!, PendingWindowInDays: 7 }),
      api('EnableKeyRotation', { KeyId: rotating!, RotationPeriodInDays: 90 }),
    ]);
    const advanced = await keywarden('clock', 'advance', '8d');
    assert.equal(advanced.status, 0, advanced.stderr);

    const deletes = (await lookup('EventName', 'DeleteKey')).filter((e) => e.Resources.some((r) => r.ResourceName === ARN_PREFIX + doomed));
    assert.equal(deletes.length, 1, 'exactly one DeleteKey event for the key');
    const d = recordOf(deletes[0]!);
    assert.deepEqual(
      { ...d, eventID: undefined, eventTime: undefined },
      {
        eventVersion: '1.08',
        userIdentity: { accountId: ACCOUNT, invokedBy: 'AWS Internal' },
        eventTime: undefined,
        eventSource: 'kms.amazonaws.com',
        eventName: 'DeleteKey',
        awsRegion: REGION,
        sourceIPAddress: 'AWS Internal',
        userAgent: 'AWS Internal',
        requestParameters: null,
        responseElements: { keyId: ARN_PREFIX + doomed },
        eventID: undefined,
        readOnly: false,
        resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: ARN_PREFIX + doomed }],
        eventType: 'AwsServiceEvent',
        managementEvent: true,
        recipientAccountId: ACCOUNT,
        eventCategory: 'Management',
      },
    );
    assert.equal(deletes[0]!.Username, undefined);
    assert.equal(deletes[0]!.AccessKeyId, undefined);
    const deletedAt = Date.parse(d.eventTime) / 1000;
    assert.ok(deletedAt - Date.now() / 1000 > 7 * 86_400, 'the event is stamped with the service clock');
    const [advance] = await lookup('EventSource', 'keywarden.amazonaws.com');
    assert.equal(advance!.EventName, 'AdvanceClock');
    assert.deepEqual(recordOf(advance!).requestParameters, { duration: '8d' });

    // 83 more days: the automatic rotation is due, and the first records are past 90 days.
    const later = await keywarden('clock', 'advance', '83d');
    assert.equal(later.status, 0, later.stderr);
    const [rotated] = (await lookup('EventName', 'RotateKey')).filter((e) => e.Resources.some((r) => r.ResourceName === ARN_PREFIX + rotating));
    assert.equal(recordOf(rotated!).serviceEventDetails.rotationType, 'AUTOMATIC');
    const remaining = await lookup('EventName', 'CreateKey');
    assert.ok(!remaining.some((e) => e.Resources.some((r) => r.ResourceName === ARN_PREFIX + doomed)), 'records older than 90 days are purged');
    const verify = await keywarden('audit', 'verify');
    assert.equal(verify.status, 0, verify.stdout);
    assert.match(verify.stdout, /purged by retention/);
  });
});

describe('keys in a custom key store (the seeds’ orphaned key material procedure)', () => {
  let cks: TestServer;
  let dir: string;

  before(async () => {
    cks = await startServer({ args: ['--cluster-delay-ms', '0', '--connect-delay-ms', '0'], allowClockControl: true });
    dir = mkdtempSync(join(tmpdir(), 'keywarden-e2e-audit-cks-'));
  });
  after(async () => {
    await cks?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const on = async (...args: string[]) => {
    const r = await run(AWS, ['--endpoint-url', cks.url, '--output', 'json', ...args]);
    assert.equal(r.status, 0, `aws ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
    return r.json ?? {};
  };
  const kw = (...args: string[]) => run(process.execPath, [BIN, ...args, '--endpoint', cks.url], { cwd: dir, env: { KEYWARDEN_STATE_DIR: join(dir, 'state') } });

  test('lookup-events EventName=DeleteKey returns the DeleteKey of a key in a custom key store, with its backing key and deletion status', async () => {
    // The store and its keys are made from this process; the trail is read with the AWS CLI.
    const sdk = kmsSdk(cks.url);
    const cluster = await readyCluster(cks.url);
    const ClusterId = cluster.clusterId;
    const storeId = await connectedStore(sdk, 'ExampleKeyStore', cluster);
    const [kept, dropped] = await Promise.all([
      sdk.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })),
      sdk.send(new CreateKeyCommand({ Origin: 'AWS_CLOUDHSM', CustomKeyStoreId: storeId })),
    ]).then((r) => r.map((x) => x.KeyMetadata!.KeyId!));
    await sdk.send(new EncryptCommand({ KeyId: kept!, Plaintext: Buffer.from('hello') }));

    const encrypt = JSON.parse((await on('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=Encrypt')).Events[0].CloudTrailEvent);
    assert.equal(encrypt.additionalEventData.customKeyStoreId, storeId);
    const { backingKeyId } = JSON.parse(encrypt.additionalEventData.backingKey);
    assert.match(backingKeyId, /^[0-9a-f]+$/);

    // One key deleted while the store is connected, one while it is disconnected (the seed's FAILURE).
    await sdk.send(new ScheduleKeyDeletionCommand({ KeyId: kept!, PendingWindowInDays: 7 }));
    assert.equal((await kw('clock', 'advance', '8d')).status, 0);
    await sdk.send(new ScheduleKeyDeletionCommand({ KeyId: dropped!, PendingWindowInDays: 7 }));
    await sdk.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: storeId }));
    sdk.destroy();
    assert.equal((await kw('clock', 'advance', '8d')).status, 0);

    const deletes = (await on('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=DeleteKey')).Events as LookedUp[];
    const byKey = (id: string) => deletes.filter((e) => e.Resources.some((r) => r.ResourceName === `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`));
    assert.equal(byKey(kept!).length, 1, 'one DeleteKey per deleted key');
    assert.equal(byKey(dropped!).length, 1, 'one DeleteKey per deleted key');

    for (const [id, status] of [
      [kept!, 'SUCCESS'],
      [dropped!, 'FAILURE'],
    ] as const) {
      const r = recordOf(byKey(id)[0]!);
      assert.equal(r.eventType, 'AwsServiceEvent');
      assert.deepEqual(r.userIdentity, { accountId: ACCOUNT, invokedBy: 'AWS Internal' });
      assert.equal(r.sourceIPAddress, 'AWS Internal');
      assert.equal(r.requestParameters, null);
      assert.deepEqual(r.responseElements, { keyId: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}` });
      const data = r.additionalEventData;
      assert.equal(data.customKeyStoreId, storeId);
      assert.equal(data.clusterId, ClusterId);
      const backing = JSON.parse(data.backingKeys) as Array<{ backingKeyId: string }>;
      const deletion = JSON.parse(data.backingKeysDeletionStatus) as Array<{ backingKeyId: string; deletionStatus: string }>;
      assert.equal(backing.length, 1);
      assert.equal(deletion[0]!.backingKeyId, backing[0]!.backingKeyId);
      assert.equal(deletion[0]!.deletionStatus, status, `${id}: ${data.backingKeysDeletionStatus}`);
      if (id === kept) assert.equal(backing[0]!.backingKeyId, backingKeyId, 'the backing key the Encrypt record named');
    }
  });
});
