// GetKeyLastUsage from the outside: `aws kms get-key-last-usage` (AWS CLI v1) against Keywarden,
// checked against the CloudTrail record of the call it reports, across a restart, and against
// botocore's output shape.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { assertOutputShape } from '../support/botocore-shape.js';
import { kmsCli, keyArn } from '../support/kms-cli.js';
import { b64in, kmsApi } from '../support/wire-api.js';
import { LOOKUP_EVENTS, signedJson } from '../support/signed-call.js';
import { run } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';

let server: TestServer;
let work: string;
const { kms, kmsFails } = kmsCli(() => server.url, () => work);
// The calls whose uses are counted are made from this process; `aws kms get-key-last-usage` reads them.
const { kms: api, kmsFails: apiFails } = kmsApi(() => server.url);

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-last-usage-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The answer as the wire carries it, which must fit botocore's output shape, and as the CLI prints it. */
async function lastUsage(keyId: string): Promise<any> {
  const wire = await signedJson(server.url, 'TrentService.GetKeyLastUsage', 'kms', { KeyId: keyId });
  assert.equal(wire.status, 200, wire.text);
  assertOutputShape('kms', 'GetKeyLastUsage', wire.json);
  const printed = await kms('get-key-last-usage', '--key-id', keyId);
  assert.deepEqual(printed, wire.json);
  return printed;
}

/**
 * Waits until every node shows `operation` as the key's last use. One node shows it at once; the
 * other nodes of a shared store once the node that served the call has written it, a fraction of
 * a second later (GetKeyLastUsage is eventually consistent in AWS KMS too).
 */
async function usedOnEveryNode(keyId: string, operation: string, on: TestServer = server): Promise<void> {
  for (const node of on.nodes ?? [on]) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const r = await signedJson(node.url, 'TrentService.GetKeyLastUsage', 'kms', { KeyId: keyId });
      assert.equal(r.status, 200, r.text);
      if (r.json.KeyLastUsage?.Operation === operation) break;
      assert.ok(on.nodes && Date.now() < deadline, `GetKeyLastUsage on ${node.url} shows ${JSON.stringify(r.json.KeyLastUsage)}, not a use by ${operation}`);
      await delay(50);
    }
  }
}

/** The CloudTrail record LookupEvents shows for one event id. */
async function recordWithId(eventId: string): Promise<Record<string, any>> {
  const r = await signedJson(server.url, LOOKUP_EVENTS, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: eventId }] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.Events.length, 1, `LookupEvents finds no record with event id ${eventId}`);
  return JSON.parse(r.json.Events[0].CloudTrailEvent);
}

let keyId: string;
let reported: any;

test('a new key has no last usage; tracking starts at its creation', async () => {
  keyId = (await api('CreateKey', { Description: 'last usage' })).KeyMetadata.KeyId;
  const metadata = (await api('DescribeKey', { KeyId: keyId })).KeyMetadata;
  const answer = await lastUsage(keyId);
  assert.equal(answer.KeyId, keyId);
  assert.equal(answer.KeyLastUsage, undefined);
  assert.equal(answer.KeyCreationDate, metadata.CreationDate);
  assert.equal(answer.TrackingStartDate, metadata.CreationDate);
});

test('after Encrypt, the operation, time, event id and request id are those of its LookupEvents record', async () => {
  await api('Encrypt', { KeyId: keyId, Plaintext: b64in('counted') });
  await usedOnEveryNode(keyId, 'Encrypt');
  reported = (await lastUsage(keyArn(keyId))).KeyLastUsage;
  assert.equal(reported.Operation, 'Encrypt');
  const record = await recordWithId(reported.CloudTrailEventId);
  assert.equal(record.eventName, 'Encrypt');
  assert.equal(record.resources[0].ARN, keyArn(keyId));
  assert.equal(reported.Timestamp, Date.parse(record.eventTime) / 1000);
  assert.equal(reported.KmsRequestId, record.requestID);
});

test('failed calls and calls that are not cryptographic do not count', async () => {
  await apiFails('Encrypt', 'DryRunOperationException', { KeyId: keyId, Plaintext: b64in('dry'), DryRun: true });
  await api('DescribeKey', { KeyId: keyId });
  await api('DisableKey', { KeyId: keyId });
  await apiFails('Encrypt', 'DisabledException', { KeyId: keyId, Plaintext: b64in('refused') });
  // Keys in any state answer, as DescribeKey does.
  assert.deepEqual((await lastUsage(keyId)).KeyLastUsage, reported);
  await api('EnableKey', { KeyId: keyId });
});

test('ReEncrypt counts for its source and its destination key', async () => {
  const source = (await api('CreateKey')).KeyMetadata.KeyId;
  const ciphertext = (await api('Encrypt', { KeyId: source, Plaintext: b64in('moved') })).CiphertextBlob;
  await api('ReEncrypt', { CiphertextBlob: ciphertext, DestinationKeyId: keyId });
  await usedOnEveryNode(source, 'ReEncrypt');
  await usedOnEveryNode(keyId, 'ReEncrypt');
  const [from, to] = [(await lastUsage(source)).KeyLastUsage, (await lastUsage(keyId)).KeyLastUsage];
  assert.equal(from.Operation, 'ReEncrypt');
  assert.equal(to.Operation, 'ReEncrypt');
  assert.equal(from.CloudTrailEventId, to.CloudTrailEventId);
  assert.equal((await recordWithId(to.CloudTrailEventId)).eventName, 'ReEncrypt');
  reported = to;
});

test('the last usage and the start of tracking survive a restart', async () => {
  const before = await lastUsage(keyId);
  await server.restart();
  assert.deepEqual(await lastUsage(keyId), before);
  assert.deepEqual(before.KeyLastUsage, reported);
});

test('a key that does not exist is NotFoundException', async () => {
  const missing = '00000000-0000-4000-8000-000000000000';
  const message = await kmsFails('GetKeyLastUsage', 'NotFoundException', 'get-key-last-usage', '--key-id', missing);
  assert.equal(message, `Key '${keyArn(missing)}' does not exist`);
});

test('a crash keeps the uses written by the last maintenance run', async () => {
  const crashing = await startServer({ allowClockControl: true });
  try {
    const call = (operation: string, input: unknown) => signedJson(crashing.url, `TrentService.${operation}`, 'kms', input);
    const id = (await call('CreateKey', {})).json.KeyMetadata.KeyId as string;
    assert.equal((await call('Encrypt', { KeyId: id, Plaintext: Buffer.from('kept').toString('base64') })).status, 200);
    await usedOnEveryNode(id, 'Encrypt', crashing);
    const noted = (await call('GetKeyLastUsage', { KeyId: id })).json.KeyLastUsage;
    assert.equal(noted.Operation, 'Encrypt');
    // Moving the clock runs the maintenance tasks at once, the write of the last uses among them.
    const advanced = await signedJson(crashing.url, 'KeywardenAdmin.AdvanceClock', 'keywarden', { Duration: '1s' });
    assert.equal(advanced.status, 200, advanced.text);
    await crashing.crash();
    await crashing.restart();
    assert.deepEqual((await call('GetKeyLastUsage', { KeyId: id })).json.KeyLastUsage, noted);
  } finally {
    await crashing.dispose();
  }
});
