// Multi-Region keys from the outside: a boto3 application with a client per Region, the AWS CLI's
// replicate-key and update-primary-region, the AWS Encryption SDK's multi-Region-aware keyring,
// the deletion of a primary that still has a replica as the service clock moves, the CloudTrail
// records in each Region, and a restart. Every answer of the new operations is checked against
// botocore's output shapes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsKmsMrkAwareSymmetricKeyringNode, buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { KMS } from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { assertOutputShape, botocoreModel } from '../support/botocore-shape.js';
import { ACCOUNT, b64, kmsCli, keyArn } from '../support/kms-cli.js';
import { assertScriptPasses } from '../support/python-script.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { LOOKUP_EVENTS, signedJson } from '../support/signed-call.js';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';
const SOUTH = 'ap-southeast-2';
const DAY = 86_400;
const MRK = /^mrk-[0-9a-f]{32}$/;
const arnIn = (region: string, keyId: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;

let server: TestServer;
let work: string;
const { kms, kmsFails, fileb } = kmsCli(() => server.url, () => work);

before(async () => {
  server = await startServer({ allowClockControl: true });
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-mrk-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/**
 * One KMS call over the wire in a Region; the answer must be 200 and fit botocore's output shape
 * (an empty object for the operations that have none).
 */
async function wire(operation: string, input: unknown, region = EAST): Promise<any> {
  const r = await signedJson(server.url, `TrentService.${operation}`, 'kms', input, region);
  assert.equal(r.status, 200, `${operation} in ${region}: ${r.text}`);
  if (botocoreModel('kms').operations[operation]?.output) assertOutputShape('kms', operation, r.json);
  else assert.deepEqual(r.json, {});
  return r.json;
}

/** The CloudTrail records of one Region with this event name, newest first. */
async function records(region: string, eventName: string): Promise<Array<Record<string, any>>> {
  const r = await signedJson(server.url, LOOKUP_EVENTS, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }] }, region);
  assert.equal(r.status, 200, r.text);
  return (r.json.Events as Array<{ CloudTrailEvent: string }>).map((e) => JSON.parse(e.CloudTrailEvent));
}

const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: ROOT });

async function advance(duration: string): Promise<void> {
  const r = await keywarden('clock', 'advance', duration, '--endpoint', server.url);
  assert.equal(r.status, 0, `clock advance ${duration}: ${r.stderr}`);
}

async function serviceNow(): Promise<number> {
  const r = await keywarden('clock', 'show', '--json', '--endpoint', server.url);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout).Now as number;
}

test('boto3 in us-east-1 and eu-west-1: replicate, cross-Region decryption, UpdatePrimaryRegion, deleting a primary with a replica', async () => {
  await assertScriptPasses(
    server,
    'kms_multi_region.py',
    [
      'create_primary',
      'replicate',
      'describe_both',
      'cross_region_cryptography',
      'replica_has_its_own_policy_aliases_and_state',
      'refusals',
      'rotation_reaches_the_replica',
      'update_primary_region',
      'delete_primary_with_replica',
    ],
    ['alias/mrk-boto3'],
  );
});

test('the primary left PendingReplicaDeletion starts its waiting period when its last replica is deleted', async () => {
  const primary = (await wire('DescribeKey', { KeyId: 'alias/mrk-boto3' }, WEST)).KeyMetadata;
  const keyId: string = primary.KeyId;
  assert.equal(primary.KeyState, 'PendingReplicaDeletion');
  assert.equal(primary.DeletionDate, undefined);
  assert.equal(primary.PendingDeletionWindowInDays, 7);

  // The replica in us-east-1 was scheduled for 7 days: 8 days on, it is gone.
  await advance('8d');
  const now = await serviceNow();
  const gone = await signedJson(server.url, 'TrentService.DescribeKey', 'kms', { KeyId: keyId }, EAST);
  assert.equal(gone.status, 400);
  assert.deepEqual(gone.json, { __type: 'NotFoundException', message: `Key '${arnIn(EAST, keyId)}' does not exist` });
  const waiting = (await wire('DescribeKey', { KeyId: keyId }, WEST)).KeyMetadata;
  assert.equal(waiting.KeyState, 'PendingDeletion');
  assert.equal(waiting.PendingDeletionWindowInDays, undefined);
  assert.ok(Math.abs(waiting.DeletionDate - (now + 7 * DAY)) <= 120, `DeletionDate ${waiting.DeletionDate} is 7 days after the replica's deletion (${now})`);
  assert.deepEqual(waiting.MultiRegionConfiguration, { MultiRegionKeyType: 'PRIMARY', PrimaryKey: { Arn: arnIn(WEST, keyId), Region: WEST }, ReplicaKeys: [] });
  const deleted = (await records(EAST, 'DeleteKey')).find((r) => r.resources?.[0]?.ARN === arnIn(EAST, keyId));
  assert.ok(deleted, 'a DeleteKey service event for the replica, in its Region');
  assert.equal(deleted.eventType, 'AwsServiceEvent');
  assert.deepEqual(deleted.responseElements, { keyId: arnIn(EAST, keyId) });

  await advance('8d');
  const after = await signedJson(server.url, 'TrentService.DescribeKey', 'kms', { KeyId: keyId }, WEST);
  assert.equal(after.json.__type, 'NotFoundException');
  assert.ok((await records(WEST, 'DeleteKey')).some((r) => r.resources?.[0]?.ARN === arnIn(WEST, keyId)));
});

let cliKey: string;

test('AWS CLI: create-key --multi-region, replicate-key, update-primary-region, with answers that fit botocore', async () => {
  const created = await wire('CreateKey', { MultiRegion: true, Description: 'cli primary' });
  cliKey = created.KeyMetadata.KeyId;
  assert.match(cliKey, MRK);
  assert.equal(created.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');

  const out = await kms('replicate-key', '--key-id', cliKey, '--replica-region', WEST, '--description', 'cli replica', '--tags', 'TagKey=site,TagValue=dublin');
  assert.equal(out.ReplicaKeyMetadata.Arn, arnIn(WEST, cliKey));
  assert.equal(out.ReplicaKeyMetadata.KeyState, 'Creating');
  assert.equal(out.ReplicaKeyMetadata.Description, 'cli replica');
  assert.deepEqual(out.ReplicaTags, [{ TagKey: 'site', TagValue: 'dublin' }]);
  assert.equal(JSON.parse(out.ReplicaPolicy).Id, 'key-default-1');
  // The same answer over the wire, for a third Region, fits the output shape; without Tags it has no ReplicaTags.
  const south = await wire('ReplicateKey', { KeyId: keyArn(cliKey), ReplicaRegion: SOUTH });
  assert.equal(south.ReplicaTags, undefined);
  assert.deepEqual(
    south.ReplicaKeyMetadata.MultiRegionConfiguration.ReplicaKeys.map((k: { Region: string }) => k.Region),
    [SOUTH, WEST],
  );
  const described = (await wire('DescribeKey', { KeyId: cliKey }, WEST)).KeyMetadata;
  assert.equal(described.KeyState, 'Enabled');
  assert.equal(described.CurrentKeyMaterialId, created.KeyMetadata.CurrentKeyMaterialId);

  const nowhere = await kmsFails('ReplicateKey', 'UnsupportedOperationException', 'replicate-key', '--key-id', cliKey, '--replica-region', 'xx-nowhere-1');
  assert.match(nowhere, /^xx-nowhere-1 is not an AWS Region/);
  const again = await kmsFails('ReplicateKey', 'AlreadyExistsException', 'replicate-key', '--key-id', cliKey, '--replica-region', WEST);
  assert.match(again, new RegExp(arnIn(WEST, cliKey)));

  assert.deepEqual(await kms('update-primary-region', '--key-id', cliKey, '--primary-region', WEST), {});
  const promoted = (await kms('describe-key', '--key-id', cliKey, '--region', WEST)).KeyMetadata;
  assert.equal(promoted.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');
  assert.deepEqual(promoted.MultiRegionConfiguration.ReplicaKeys.map((k: { Region: string }) => k.Region), [SOUTH, EAST]);
  const demoted = (await kms('describe-key', '--key-id', cliKey)).KeyMetadata;
  assert.equal(demoted.MultiRegionConfiguration.MultiRegionKeyType, 'REPLICA');
  assert.equal(demoted.MultiRegionConfiguration.PrimaryKey.Region, WEST);
  const stale = await kmsFails('UpdatePrimaryRegion', 'UnsupportedOperationException', 'update-primary-region', '--key-id', cliKey, '--primary-region', SOUTH);
  assert.equal(stale, `${arnIn(EAST, cliKey)} is not a multi-region primary key.`);

  // Scheduling the new primary's deletion while it has replicas: no DeletionDate, as AWS answers.
  const scheduled = await wire('ScheduleKeyDeletion', { KeyId: cliKey, PendingWindowInDays: 9 }, WEST);
  assert.equal(scheduled.KeyState, 'PendingReplicaDeletion');
  assert.equal(scheduled.DeletionDate, undefined);
  assert.equal(scheduled.PendingWindowInDays, 9);
  assert.equal((await wire('DescribeKey', { KeyId: cliKey }, WEST)).KeyMetadata.PendingDeletionWindowInDays, 9);
  await wire('CancelKeyDeletion', { KeyId: cliKey }, WEST);
  await wire('EnableKey', { KeyId: cliKey }, WEST);
});

test('CloudTrail: ReplicateKey in the primary Region, CreateKey in the replica Region, UpdatePrimaryRegion in both', async () => {
  const replicate = (await records(EAST, 'ReplicateKey')).find((r) => r.requestParameters?.keyId === cliKey && r.requestParameters?.replicaRegion === WEST);
  assert.ok(replicate, 'the ReplicateKey call is recorded in us-east-1');
  assert.equal(replicate.eventType, 'AwsApiCall');
  assert.deepEqual(replicate.resources, [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: arnIn(EAST, cliKey) }]);
  const create = (await records(WEST, 'CreateKey')).find((r) => r.responseElements?.keyId === arnIn(WEST, cliKey));
  assert.ok(create, 'a CreateKey record in eu-west-1');
  assert.equal(create.awsRegion, WEST);

  const moved = (await records(EAST, 'UpdatePrimaryRegion')).find((r) => r.requestParameters?.keyId === cliKey && r.errorCode === undefined);
  assert.ok(moved, 'the call, in the Region whose key became a replica');
  assert.deepEqual(moved.requestParameters, { keyId: cliKey, primaryRegion: WEST });
  const promoted = (await records(WEST, 'UpdatePrimaryRegion')).find((r) => r.requestParameters?.keyId === cliKey);
  assert.ok(promoted, 'and a record in the Region whose key became the primary');
  assert.deepEqual(promoted.resources, [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: arnIn(WEST, cliKey) }]);
});

test('AWS Encryption SDK: a message encrypted under the primary in us-east-1 decrypts with a keyring on the replica in eu-west-1', async () => {
  const sdk = (region: string) => new KMS({ endpoint: server.url, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const [eastClient, westClient] = [sdk(EAST), sdk(WEST)];
  try {
    const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    // cliKey's primary is in eu-west-1 now and us-east-1 holds a replica: either is a valid keyring key.
    const sealing = new AwsKmsMrkAwareSymmetricKeyringNode({ keyId: arnIn(EAST, cliKey), client: eastClient });
    const plaintext = Buffer.from('one message, two Regions');
    const { result, messageHeader } = await encrypt(sealing, plaintext, { encryptionContext: { app: 'mrk' } });
    assert.equal(messageHeader.encryptedDataKeys[0]!.providerInfo, arnIn(EAST, cliKey));
    const opening = new AwsKmsMrkAwareSymmetricKeyringNode({ keyId: arnIn(WEST, cliKey), client: westClient });
    const out = await decrypt(opening, result);
    assert.deepEqual(out.plaintext, plaintext);
    assert.equal(out.messageHeader.encryptionContext.app, 'mrk');
  } finally {
    eastClient.destroy();
    westClient.destroy();
  }
});

test('related keys and their shared material survive a restart', async () => {
  const sealed = await kms('encrypt', '--key-id', cliKey, '--plaintext', fileb('before the restart'), '--region', SOUTH);
  await server.restart();
  const opened = await kms('decrypt', '--ciphertext-blob', fileb(b64(sealed.CiphertextBlob)), '--key-id', arnIn(EAST, cliKey));
  assert.equal(b64(opened.Plaintext).toString(), 'before the restart');
  assert.equal(opened.KeyId, arnIn(EAST, cliKey));
  const primary = (await wire('DescribeKey', { KeyId: cliKey }, WEST)).KeyMetadata;
  assert.deepEqual(primary.MultiRegionConfiguration.ReplicaKeys.map((k: { Region: string }) => k.Region), [SOUTH, EAST]);
});
