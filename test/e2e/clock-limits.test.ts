// The service clock cannot be moved past the dates the service can write (`clock advance
// 100000000d` once broke a data directory for good), and no stored clock offset can keep the
// service from starting or make its calls fail.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { awsAsync, run } from '../support/aws-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { storedData } from '../support/stored-data.js';
import { kmsApi } from '../support/wire-api.js';
import { keywardenCall } from '../support/sdk-setup.js';
import { signedJson, LOOKUP_EVENTS } from '../support/signed-call.js';

const DAY = 86_400;
/** The latest time the service clock may show, in seconds: the end of 9979 (UTC). */
const LATEST = Date.UTC(9979, 11, 31, 23, 59, 59) / 1000;

let server: TestServer;

before(async () => {
  server = await startServer({ allowClockControl: true, args: ['--cluster-delay-ms', '0'] });
});

after(async () => {
  await server?.dispose();
});

const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: ROOT });

async function aws(...args: string[]): Promise<any> {
  const r = await awsAsync(server.url, args);
  assert.equal(r.status, 0, `aws ${args.join(' ')}:\n${r.stderr}`);
  return r.json;
}

/** The service clock (GetClock, read from this process: `keywarden clock advance` is what is under test). */
async function clockShow(): Promise<{ Now: number; OffsetSeconds: number }> {
  return keywardenCall(server.url, 'KeywardenAdmin.GetClock', {});
}

const { kms } = kmsApi(() => server.url);

/**
 * Calls that write dates on the service clock and read them back through the audit trail all
 * work: through the AWS CLI near the last day the clock can show (botocore parses every date it
 * gets, and stops at the year 9999), through the API where the clock was put back.
 */
async function datesStillWork(via: 'cli' | 'api'): Promise<void> {
  if (via === 'cli') {
    const key = (await aws('kms', 'create-key')).KeyMetadata.KeyId as string;
    await aws('kms', 'describe-key', '--key-id', key);
    const events = (await aws('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=CreateKey')).Events;
    assert.ok(events.some((e: { CloudTrailEvent: string }) => JSON.parse(e.CloudTrailEvent).responseElements.keyMetadata.keyId === key));
    return;
  }
  const key = (await kms('CreateKey')).KeyMetadata.KeyId as string;
  await kms('DescribeKey', { KeyId: key });
  const found = await signedJson(server.url, LOOKUP_EVENTS, 'cloudtrail', { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateKey' }] });
  assert.equal(found.status, 200, found.text);
  assert.ok(found.json.Events.some((e: { CloudTrailEvent: string }) => JSON.parse(e.CloudTrailEvent).responseElements.keyMetadata.keyId === key));
}

async function refused(duration: string): Promise<string> {
  const r = await keywarden('clock', 'advance', duration);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, r.stderr);
  return lines[0]!;
}

test('`clock advance 100000000d` is refused with a ValidationException that says how far the clock can go; nothing moves', async () => {
  const line = await refused('100000000d');
  const room = Math.floor((LATEST - (await clockShow()).Now) / DAY);
  assert.match(
    line,
    new RegExp(
      `^keywarden: ValidationException: Duration '100000000d' would move the service clock past 9979-12-31T23:59:59\\.000Z, the latest time it can show ` +
        `\\(the dates it sets up to 20 years ahead must stay within the year 9999\\); it can move forward by at most (${room}|${room + 1})d\\.$`,
    ),
  );
  assert.equal((await clockShow()).OffsetSeconds, 0);
  await datesStillWork('api');
});

test('up to the last day it can show, every date the service sets is valid, and the clock goes no further', async () => {
  const days = Math.floor((LATEST - (await clockShow()).Now) / DAY) - 1;
  const moved = await keywarden('clock', 'advance', `${days}d`);
  assert.equal(moved.status, 0, moved.stderr);
  const now = (await clockShow()).Now;
  assert.ok(LATEST - now > 0 && LATEST - now <= 2 * DAY, `the clock is within two days of its limit: ${new Date(now * 1000).toISOString()}`);

  await datesStillWork('cli');
  const [deleted, rotating] = [(await aws('kms', 'create-key')).KeyMetadata.KeyId, (await aws('kms', 'create-key')).KeyMetadata.KeyId];
  const scheduled = await aws('kms', 'schedule-key-deletion', '--key-id', deleted, '--pending-window-in-days', '30');
  assert.ok(Math.abs(scheduled.DeletionDate - (now + 30 * DAY)) < 120);
  await aws('kms', 'enable-key-rotation', '--key-id', rotating, '--rotation-period-in-days', '2560');
  const status = await aws('kms', 'get-key-rotation-status', '--key-id', rotating);
  assert.ok(Math.abs(status.NextRotationDate - (now + 2560 * DAY)) < 120);
  // A cluster's certificates are issued on the service clock, valid for years ahead of it.
  const subnets = (await keywardenCall(server.url, 'KeywardenAdmin.ListSubnets', {})).Subnets.slice(0, 2).map((s: { SubnetId: string }) => s.SubnetId);
  const cluster = (await aws('cloudhsmv2', 'create-cluster', '--hsm-type', 'hsm2m.medium', '--subnet-ids', ...subnets)).Cluster.ClusterId;
  await aws('cloudhsmv2', 'create-hsm', '--cluster-id', cluster, '--availability-zone', 'us-east-1a');
  const described = (await aws('cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${cluster}`)).Clusters[0];
  assert.equal(described.State, 'UNINITIALIZED');
  assert.match(described.Certificates.ClusterCsr, /BEGIN CERTIFICATE REQUEST/);

  assert.match(await refused('3d'), /ValidationException: Duration '3d' would move the service clock past 9979-12-31T23:59:59\.000Z.*at most [01]d\.$/);

  await server.restart();
  assert.equal((await clockShow()).OffsetSeconds, days * DAY, 'the offset survives a restart');
  await datesStillWork('cli');
});

test('a stored clock offset the clock cannot take does not keep the service from starting: it warns and starts on the system clock', async () => {
  for (const bad of [String(100_000_000 * DAY * 1000), 'not a number', '-86400000']) {
    await server.stop();
    const data = await storedData(server);
    await data.run("UPDATE settings SET value = ? WHERE name = 'clock.offsetMs'", bad);
    assert.deepEqual(await data.all("SELECT value FROM settings WHERE name = 'clock.offsetMs'"), [{ value: bad }]);
    await data.close();
    const before = server.output().length;
    await server.restart();
    const warnings = server
      .output()
      .slice(before)
      .split('\n')
      .filter((l) => l.includes('warning'));
    assert.deepEqual(warnings, [
      `keywarden: warning: ignoring the stored clock offset '${bad}' ms, which would put the service clock past 9979-12-31T23:59:59.000Z or behind the system time; the clock starts at the system time`,
    ]);
    assert.equal((await clockShow()).OffsetSeconds, 0);
    await datesStillWork('api');
  }
  // Moving the clock again replaces the offset.
  const moved = await keywarden('clock', 'advance', '1d');
  assert.equal(moved.status, 0, moved.stderr);
  await server.restart();
  assert.equal((await clockShow()).OffsetSeconds, DAY);
});
