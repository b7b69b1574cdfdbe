// Keywarden keeps its state across a restart, and shuts down cleanly on SIGTERM. The keys are
// made and read through the API from this process: what is under test is the service's memory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../support/server.js';
import { b64 } from '../support/kms-cli.js';
import { b64in, kmsApi } from '../support/wire-api.js';

let server: TestServer;
const { kms, kmsFails } = kmsApi(() => server.url);

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.dispose();
});

/** What a user can read about the keys through the API: every key's metadata, and the parts each one exercises. */
async function readAll() {
  const [survivor, disabled, scheduled, rotated, tags, policy, aliases, rotation, rotations, keys] = await Promise.all([
    kms('DescribeKey', { KeyId: ids.survivor! }),
    kms('DescribeKey', { KeyId: ids.disabled! }),
    kms('DescribeKey', { KeyId: ids.scheduled! }),
    kms('DescribeKey', { KeyId: ids.rotated! }),
    kms('ListResourceTags', { KeyId: ids.survivor! }),
    kms('GetKeyPolicy', { KeyId: ids.survivor!, PolicyName: 'default' }),
    kms('ListAliases', { KeyId: ids.survivor! }),
    kms('GetKeyRotationStatus', { KeyId: ids.rotated! }),
    kms('ListKeyRotations', { KeyId: ids.rotated! }),
    kms('ListKeys'),
  ]);
  return {
    metadata: {
      survivor: survivor.KeyMetadata,
      disabled: disabled.KeyMetadata,
      scheduled: scheduled.KeyMetadata,
      rotated: rotated.KeyMetadata,
    },
    tags: tags.Tags,
    policy: policy.Policy,
    aliases: aliases.Aliases,
    rotation,
    rotations: rotations.Rotations,
    keys: keys.Keys.map((k: any) => k.KeyId).sort(),
  };
}

const ids: Record<string, string> = {};
let ciphertext: string;
let preRotationCiphertext: string;

test('keys, aliases, tags, policies, states, schedules and rotations survive a restart', async () => {
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }],
  });

  const create = async (description: string, extra: Record<string, unknown> = {}) =>
    (await kms('CreateKey', { Description: description, ...extra })).KeyMetadata.KeyId as string;
  [ids.survivor, ids.disabled, ids.scheduled, ids.rotated] = await Promise.all([
    create('survivor', { Tags: [{ TagKey: 'team', TagValue: 'storage' }] }),
    create('disabled before restart'),
    create('scheduled before restart'),
    create('rotated before restart'),
  ]);
  const [, , , , , , rotatedCt] = await Promise.all([
    kms('CreateAlias', { AliasName: 'alias/restart-survivor', TargetKeyId: ids.survivor! }),
    kms('CreateAlias', { AliasName: 'alias/restart-second-name', TargetKeyId: ids.survivor! }),
    kms('PutKeyPolicy', { KeyId: ids.survivor!, PolicyName: 'default', Policy: policy }),
    kms('DisableKey', { KeyId: ids.disabled! }),
    kms('ScheduleKeyDeletion', { KeyId: ids.scheduled!, PendingWindowInDays: 7 }),
    kms('EnableKeyRotation', { KeyId: ids.rotated!, RotationPeriodInDays: 100 }),
    kms('Encrypt', { KeyId: ids.rotated!, Plaintext: b64in('sealed by version one') }),
  ]);
  preRotationCiphertext = rotatedCt.CiphertextBlob;
  const [survivorCt] = await Promise.all([
    kms('Encrypt', { KeyId: 'alias/restart-survivor', Plaintext: b64in('kept across restarts'), EncryptionContext: { db: 'orders' } }),
    kms('RotateKeyOnDemand', { KeyId: ids.rotated! }),
  ]);
  ciphertext = survivorCt.CiphertextBlob;

  const seen = await readAll();
  assert.equal(seen.metadata.disabled.KeyState, 'Disabled');
  assert.equal(seen.metadata.scheduled.KeyState, 'PendingDeletion');
  assert.equal(typeof seen.metadata.scheduled.DeletionDate, 'number');
  assert.equal(seen.rotations.length, 1);
  assert.equal(seen.rotation.RotationPeriodInDays, 100);
  assert.deepEqual(seen.aliases.map((a: any) => a.AliasName).sort(), ['alias/restart-second-name', 'alias/restart-survivor']);
  assert.deepEqual(seen.tags, [{ TagKey: 'team', TagValue: 'storage' }]);
  assert.equal(seen.policy, policy);
  assert.deepEqual(seen.keys, Object.values(ids).sort());

  const url = server.url;
  await server.restart();
  assert.equal(server.url, url, 'the restarted service listens on the same port');
  assert.deepEqual(await readAll(), seen, 'everything reads the same after the restart');

  const [dec, old, fresh, disabled, cancelled] = await Promise.all([
    // Cryptography picks up where it left off.
    kms('Decrypt', { CiphertextBlob: ciphertext, EncryptionContext: { db: 'orders' } }),
    kms('Decrypt', { CiphertextBlob: preRotationCiphertext }),
    kms('Encrypt', { KeyId: 'alias/restart-second-name', Plaintext: b64in('after restart') }),
    // States still govern what the keys may do.
    kmsFails('Encrypt', 'DisabledException', { KeyId: ids.disabled!, Plaintext: b64in('x') }),
    kms('CancelKeyDeletion', { KeyId: ids.scheduled! }),
  ]);
  assert.equal(b64(dec.Plaintext).toString(), 'kept across restarts');
  assert.equal(dec.KeyId, seen.metadata.survivor.Arn);
  assert.equal(b64(old.Plaintext).toString(), 'sealed by version one');
  assert.notEqual(old.KeyMaterialId, seen.rotations[0].KeyMaterialId, 'the old ciphertext names the original material');
  assert.equal(b64((await kms('Decrypt', { CiphertextBlob: fresh.CiphertextBlob })).Plaintext).toString(), 'after restart');
  assert.equal(disabled, `${seen.metadata.disabled.Arn} is disabled.`);
  assert.equal(cancelled.KeyId, seen.metadata.scheduled.Arn);
});

test('SIGTERM shuts the service down cleanly with exit status 0, and the data is still there afterwards', async () => {
  const code = await server.stop();
  assert.equal(code, 0, `exit status after SIGTERM:\n${server.output()}`);
  assert.match(server.output(), /received SIGTERM; shutting down/);
  assert.doesNotMatch(server.output(), /shutdown failed|request \S+ failed|background task failed/);

  await server.restart();
  const [survivor, scheduled] = await Promise.all([
    kms('DescribeKey', { KeyId: 'alias/restart-survivor' }),
    kms('DescribeKey', { KeyId: ids.scheduled! }),
  ]);
  assert.equal(survivor.KeyMetadata.KeyId, ids.survivor);
  assert.equal(scheduled.KeyMetadata.KeyState, 'Disabled', 'the cancellation made before SIGTERM was kept');
  assert.equal(await server.stop(), 0);
});
