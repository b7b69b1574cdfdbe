// Moving the service's clock with `keywarden clock`: scheduled deletions happen, automatic rotation
// happens, and a service started without --allow-clock-control refuses to move its clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { run, type CliResult } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { keyArn, aliasArn, b64, nowSeconds, assertNear } from '../support/kms-cli.js';
import { b64in, kmsApi } from '../support/wire-api.js';

const DAY = 86_400;

/** The service under test, started with --allow-clock-control. */
let server: TestServer;
/** A second service started without it: the flag's absence is what is under test there. */
let plain: TestServer;
// The keys are made and read through the API from this process: `keywarden clock` is under test.
const { kms, kmsFails } = kmsApi(() => server.url);

before(async () => {
  [server, plain] = await Promise.all([startServer({ allowClockControl: true }), startServer()]);
});

after(async () => {
  await Promise.all([server?.dispose(), plain?.dispose()]);
});

/** `node bin/keywarden <args>`, as a user runs it. */
const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: ROOT });






/** `keywarden clock show --json`: exactly one line holding one JSON object. */
async function clockShow(target: TestServer) {
  const r = await keywarden('clock', 'show', '--json', '--endpoint', target.url);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `clock show --json printed ${lines.length} lines:\n${r.stdout}`);
  const view = JSON.parse(lines[0]!);
  assert.equal(typeof view, 'object');
  assert.ok(view !== null && !Array.isArray(view));
  return view as { Now: number; OffsetSeconds: number; ClockControl: boolean };
}

async function advance(duration: string) {
  const r = await keywarden('clock', 'advance', duration, '--endpoint', server.url);
  assert.equal(r.status, 0, `clock advance ${duration} exited ${r.status}:\n${r.stderr}`);
  assert.equal(r.stderr, '');
  return r.stdout;
}

let doomed: string;
let keeper: string;

test('after `keywarden clock advance 8d` a key scheduled for deletion in 7 days is gone, with its aliases', async () => {
  const start = await clockShow(server);
  assert.equal(start.OffsetSeconds, 0);
  assert.equal(start.ClockControl, true);
  assertNear(start.Now, nowSeconds(), 60, 'Now before advancing');

  [doomed, keeper] = await Promise.all([
    kms('CreateKey', { Description: 'deleted in 7 days' }).then((o) => o.KeyMetadata.KeyId),
    kms('CreateKey', { Description: 'deleted in 30 days' }).then((o) => o.KeyMetadata.KeyId),
  ]);
  // Aliases first: a key pending deletion takes no new aliases.
  await Promise.all([
    kms('CreateAlias', { AliasName: 'alias/doomed-a', TargetKeyId: doomed }),
    kms('CreateAlias', { AliasName: 'alias/doomed-b', TargetKeyId: doomed }),
    kms('CreateAlias', { AliasName: 'alias/keeper', TargetKeyId: keeper }),
  ]);
  const [scheduled, keeperSchedule] = await Promise.all([
    kms('ScheduleKeyDeletion', { KeyId: doomed, PendingWindowInDays: 7 }),
    kms('ScheduleKeyDeletion', { KeyId: keeper, PendingWindowInDays: 30 }),
  ]);
  assertNear(scheduled.DeletionDate, nowSeconds() + 7 * DAY, 300, 'DeletionDate');

  const human = await advance('8d');
  assert.match(human.trim(), /^service time \S+ \(ahead of real time by 8d 0h 0m 0s\)$/);

  const [missingKey, missingA, missingB, aliases, keys, kept, shown] = await Promise.all([
    kmsFails('DescribeKey', 'NotFoundException', { KeyId: doomed }),
    kmsFails('DescribeKey', 'NotFoundException', { KeyId: 'alias/doomed-a' }),
    kmsFails('Encrypt', 'NotFoundException', { KeyId: 'alias/doomed-b', Plaintext: b64in('x') }),
    kms('ListAliases'),
    kms('ListKeys'),
    kms('DescribeKey', { KeyId: 'alias/keeper' }),
    clockShow(server),
  ]);
  assert.equal(missingKey, `Key '${keyArn(doomed)}' does not exist`);
  assert.equal(missingA, `Alias ${aliasArn('alias/doomed-a')} is not found.`);
  assert.equal(missingB, `Alias ${aliasArn('alias/doomed-b')} is not found.`);
  assert.deepEqual(aliases.Aliases.map((a: any) => a.AliasName).filter((n: string) => !n.startsWith('alias/aws/')), ['alias/keeper']);
  assert.deepEqual(keys.Keys.map((k: any) => k.KeyId), [keeper]);
  assert.equal(kept.KeyMetadata.KeyState, 'PendingDeletion', 'a key with 30 days to go is still waiting');
  assert.equal(kept.KeyMetadata.DeletionDate, keeperSchedule.DeletionDate);

  assert.equal(shown.OffsetSeconds, 8 * DAY);
  assert.equal(shown.ClockControl, true);
  assertNear(shown.Now, nowSeconds() + 8 * DAY, 60, 'Now after advancing 8d');

  // Times the service hands out now follow its clock.
  const later = (await kms('CreateKey')).KeyMetadata;
  assertNear(later.CreationDate, nowSeconds() + 8 * DAY, 60, 'CreationDate on the advanced clock');
  const laterSchedule = await kms('ScheduleKeyDeletion', { KeyId: later.KeyId, PendingWindowInDays: 7 });
  assertNear(laterSchedule.DeletionDate, nowSeconds() + 15 * DAY, 60, 'DeletionDate on the advanced clock');
});

test('automatic rotation: a 90-day period rotates the key once the clock passes 91 days', async () => {
  const key = (await kms('CreateKey', { Description: 'rotates by itself' })).KeyMetadata;
  const [ct] = await Promise.all([
    kms('Encrypt', { KeyId: key.KeyId, Plaintext: b64in('sealed before the rotation'), EncryptionContext: { when: 'before' } }),
    kms('EnableKeyRotation', { KeyId: key.KeyId, RotationPeriodInDays: 90 }),
  ]);
  const status = await kms('GetKeyRotationStatus', { KeyId: key.KeyId });
  assert.equal(status.KeyRotationEnabled, true);
  assert.equal(status.RotationPeriodInDays, 90);
  const serverNow = (await clockShow(server)).Now;
  assertNear(status.NextRotationDate, serverNow + 90 * DAY, 120, 'NextRotationDate');
  assert.deepEqual((await kms('ListKeyRotations', { KeyId: key.KeyId })).Rotations, []);

  await advance('91d');

  const [rotations, after, old, next, keeperGone] = await Promise.all([
    kms('ListKeyRotations', { KeyId: key.KeyId }),
    kms('DescribeKey', { KeyId: key.KeyId }),
    kms('Decrypt', { CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { when: 'before' } }),
    kms('GetKeyRotationStatus', { KeyId: key.KeyId }),
    // 8 + 91 days is past the 30-day window of the key kept by the first test.
    kmsFails('DescribeKey', 'NotFoundException', { KeyId: keeper }),
  ]);
  assert.equal(rotations.Rotations.length, 1, JSON.stringify(rotations));
  const r = rotations.Rotations[0];
  assert.equal(r.RotationType, 'AUTOMATIC');
  assert.equal(r.KeyId, key.Arn);
  assert.ok(r.RotationDate >= status.NextRotationDate - 1, `RotationDate ${r.RotationDate} is before the scheduled ${status.NextRotationDate}`);
  assert.ok(r.RotationDate <= serverNow + 91 * DAY + 120, 'RotationDate lies within the advanced clock');
  assert.notEqual(after.KeyMetadata.CurrentKeyMaterialId, key.CurrentKeyMaterialId);
  assert.equal(r.KeyMaterialId, after.KeyMetadata.CurrentKeyMaterialId);
  assert.equal(b64(old.Plaintext).toString(), 'sealed before the rotation');
  assert.equal(old.KeyMaterialId, key.CurrentKeyMaterialId);
  assert.equal(next.KeyRotationEnabled, true);
  assert.ok(next.NextRotationDate > (await clockShow(server)).Now, 'the next rotation is in the future of the service clock');
  assertNear(next.NextRotationDate, r.RotationDate + 90 * DAY, 120, 'NextRotationDate after the automatic rotation');
  assert.equal(keeperGone, `Key '${keyArn(keeper)}' does not exist`);
});

test('a service started without --allow-clock-control refuses `clock advance` with one clear line on stderr', async () => {
  const [refused, refusedJson, shown] = await Promise.all([
    keywarden('clock', 'advance', '1d', '--endpoint', plain.url),
    keywarden('clock', 'advance', '1d', '--json', '--endpoint', plain.url),
    clockShow(plain),
  ]);
  for (const r of [refused, refusedJson]) {
    assert.notEqual(r.status, 0);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, `expected one line on stderr:\n${r.stderr}`);
    assert.match(lines[0]!, /AccessDeniedException/);
    assert.match(lines[0]!, /--allow-clock-control/);
  }
  assert.equal(shown.ClockControl, false);
  assert.equal(shown.OffsetSeconds, 0, 'the refused advance moved nothing');
  assertNear(shown.Now, nowSeconds(), 60, 'Now');
});

test('`keywarden clock` usage errors and an unreachable endpoint are one-line errors with a non-zero exit', async () => {
  const [noDuration, badDuration, unreachable] = await Promise.all([
    keywarden('clock', 'advance', '--endpoint', server.url),
    keywarden('clock', 'advance', 'soon', '--endpoint', server.url),
    keywarden('clock', 'show', '--endpoint', 'http://127.0.0.1:1'),
  ]);
  assert.equal(noDuration.status, 2, 'a usage error exits 2');
  assert.equal(badDuration.status, 1);
  assert.match(badDuration.stderr, /ValidationException/);
  assert.notEqual(unreachable.status, 0);
  assert.match(unreachable.stderr, /cannot reach/i);
  for (const r of [noDuration, badDuration, unreachable]) {
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').filter((l) => l !== '').length, 1, `expected one line on stderr:\n${r.stderr}`);
  }
  assert.equal((await clockShow(server)).OffsetSeconds, 99 * DAY, 'failed commands moved nothing');
});
