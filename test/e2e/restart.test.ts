// Keywarden keeps its state across a restart, and shuts down cleanly on SIGTERM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsAsync, type CliResult } from '../support/aws-cli.js';
import { startServer, type TestServer } from '../support/server.js';
import { b64, kmsCli } from '../support/kms-cli.js';

let server: TestServer;
let work: string;
const { kms, fileb } = kmsCli(() => server.url, () => work);
const awsCli = (args: string[]) => awsAsync(server.url, args);

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-restart-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});





/** What a user can read about the keys through the API: every key's metadata, and the parts each one exercises. */
async function readAll() {
  const [survivor, disabled, scheduled, rotated, tags, policy, aliases, rotation, rotations, keys] = await Promise.all([
    kms('describe-key', '--key-id', ids.survivor!),
    kms('describe-key', '--key-id', ids.disabled!),
    kms('describe-key', '--key-id', ids.scheduled!),
    kms('describe-key', '--key-id', ids.rotated!),
    kms('list-resource-tags', '--no-paginate', '--key-id', ids.survivor!),
    kms('get-key-policy', '--key-id', ids.survivor!, '--policy-name', 'default'),
    kms('list-aliases', '--no-paginate', '--key-id', ids.survivor!),
    kms('get-key-rotation-status', '--key-id', ids.rotated!),
    kms('list-key-rotations', '--no-paginate', '--key-id', ids.rotated!),
    kms('list-keys'),
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
  const policyFile = join(work, 'policy.json');
  writeFileSync(policyFile, policy);

  const create = async (description: string, ...extra: string[]) =>
    (await kms('create-key', '--description', description, ...extra)).KeyMetadata.KeyId as string;
  [ids.survivor, ids.disabled, ids.scheduled, ids.rotated] = await Promise.all([
    create('survivor', '--tags', 'TagKey=team,TagValue=storage'),
    create('disabled before restart'),
    create('scheduled before restart'),
    create('rotated before restart'),
  ]);
  const [, , , , , , rotatedCt] = await Promise.all([
    kms('create-alias', '--alias-name', 'alias/restart-survivor', '--target-key-id', ids.survivor!),
    kms('create-alias', '--alias-name', 'alias/restart-second-name', '--target-key-id', ids.survivor!),
    kms('put-key-policy', '--key-id', ids.survivor!, '--policy-name', 'default', '--policy', `file://${policyFile}`),
    kms('disable-key', '--key-id', ids.disabled!),
    kms('schedule-key-deletion', '--key-id', ids.scheduled!, '--pending-window-in-days', '7'),
    kms('enable-key-rotation', '--key-id', ids.rotated!, '--rotation-period-in-days', '100'),
    kms('encrypt', '--key-id', ids.rotated!, '--plaintext', fileb('sealed by version one')),
  ]);
  preRotationCiphertext = fileb(b64(rotatedCt.CiphertextBlob));
  const [survivorCt] = await Promise.all([
    kms('encrypt', '--key-id', 'alias/restart-survivor', '--plaintext', fileb('kept across restarts'), '--encryption-context', 'db=orders'),
    kms('rotate-key-on-demand', '--key-id', ids.rotated!),
  ]);
  ciphertext = fileb(b64(survivorCt.CiphertextBlob));

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
    kms('decrypt', '--ciphertext-blob', ciphertext, '--encryption-context', 'db=orders'),
    kms('decrypt', '--ciphertext-blob', preRotationCiphertext),
    kms('encrypt', '--key-id', 'alias/restart-second-name', '--plaintext', fileb('after restart')),
    // States still govern what the keys may do.
    awsCli(['kms', 'encrypt', '--key-id', ids.disabled!, '--plaintext', fileb('x')]),
    kms('cancel-key-deletion', '--key-id', ids.scheduled!),
  ]);
  assert.equal(b64(dec.Plaintext).toString(), 'kept across restarts');
  assert.equal(dec.KeyId, seen.metadata.survivor.Arn);
  assert.equal(b64(old.Plaintext).toString(), 'sealed by version one');
  assert.notEqual(old.KeyMaterialId, seen.rotations[0].KeyMaterialId, 'the old ciphertext names the original material');
  assert.equal(b64((await kms('decrypt', '--ciphertext-blob', fileb(b64(fresh.CiphertextBlob)))).Plaintext).toString(), 'after restart');
  assert.match(
    disabled.stderr,
    new RegExp(`An error occurred \\(DisabledException\\) when calling the Encrypt operation.*: ${seen.metadata.disabled.Arn} is disabled\\.`),
  );
  assert.equal(cancelled.KeyId, seen.metadata.scheduled.Arn);
});

test('SIGTERM shuts the service down cleanly with exit status 0, and the data is still there afterwards', async () => {
  const code = await server.stop();
  assert.equal(code, 0, `exit status after SIGTERM:\n${server.output()}`);
  assert.match(server.output(), /received SIGTERM; shutting down/);
  assert.doesNotMatch(server.output(), /shutdown failed|request \S+ failed|background task failed/);

  await server.restart();
  const [survivor, scheduled] = await Promise.all([
    kms('describe-key', '--key-id', 'alias/restart-survivor'),
    kms('describe-key', '--key-id', ids.scheduled!),
  ]);
  assert.equal(survivor.KeyMetadata.KeyId, ids.survivor);
  assert.equal(scheduled.KeyMetadata.KeyState, 'Disabled', 'the cancellation made before SIGTERM was kept');
  assert.equal(await server.stop(), 0);
});
