import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { DAY_MS } from '../core/clock.js';
import type { KmsDeps } from './context.js';
import { KeyUsageService, TRACKING_SINCE } from './key-usage.js';
import { KeyService } from './keys.js';

const caller = CALLER;

/** Lets the store's promises settle (mocked timers leave setImmediate alone) until `done` holds, or fails. */
async function waitFor(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('the use was never written');
}

describe('KeyUsageService', () => {
  let t: number;
  let deps: KmsDeps;
  let keys: KeyService;
  let usage: KeyUsageService;

  beforeEach(async () => {
    t = Date.UTC(2026, 0, 1);
    deps = kmsDeps(() => t);
    keys = new KeyService(deps);
    usage = new KeyUsageService(deps);
    await usage.load();
  });

  afterEach(() => deps.store.close());

  /** A call's record as the trail reports it: eventTime in whole seconds, `at` to the millisecond. */
  const record = (eventId: string, at = t) => ({ timestamp: Math.floor(at / 1000) * 1000, at, eventId, requestId: `req-${eventId}` });

  it('answers a key never used with its creation as the start of tracking and no use', async () => {
    t += 1000;
    const k = await keys.create(caller, {});
    const last = await usage.lastUsage(caller, k.key.keyId);
    assert.equal(last.keyId, k.key.keyId);
    assert.equal(last.createdAt, k.key.createdAt);
    assert.equal(last.trackingStart, k.key.createdAt);
    assert.equal(last.use, undefined);
  });

  it('starts tracking for a key made before this data directory tracked uses when tracking began', async () => {
    const k = await keys.create(caller, {});
    t += DAY_MS;
    await deps.store.settings.set(TRACKING_SINCE, String(t));
    const later = new KeyUsageService(deps);
    const last = await later.lastUsage(caller, k.key.keyId);
    assert.equal(last.trackingStart, t);
    assert.ok(last.createdAt < last.trackingStart);
  });

  it('keeps the newest cryptographic use, and ignores operations that are not one', async () => {
    const k = await keys.create(caller, {});
    usage.noteCall('Encrypt', [k.arn], record('e1'));
    usage.noteCall('DescribeKey', [k.arn], record('d1', t + 5000));
    usage.noteCall('GenerateRandom', [k.arn], record('r1', t + 5000));
    assert.equal((await usage.lastUsage(caller, k.arn)).use?.eventId, 'e1');
    // A record of an earlier second written late (a slow call) does not replace a newer use.
    usage.noteCall('Decrypt', [k.arn], record('late', t - 2000));
    assert.equal((await usage.lastUsage(caller, k.arn)).use?.eventId, 'e1');
    usage.noteCall('Sign', [k.arn], record('s1'));
    assert.deepEqual((await usage.lastUsage(caller, k.arn)).use, {
      keyArn: k.arn,
      operation: 'Sign',
      timestamp: t,
      at: t,
      eventId: 's1',
      requestId: 'req-s1',
    });
  });

  it('keeps a bounded few last uses in memory; a key let go is answered from the store, and a late older record does not replace its newer use', async () => {
    const few = new KeyUsageService(deps, { lastUsesKept: 2 });
    await few.load();
    const [a, b, c] = [await keys.create(caller, {}), await keys.create(caller, {}), await keys.create(caller, {})];
    few.noteCall('Encrypt', [a.arn], record('a1'));
    few.noteCall('Encrypt', [b.arn], record('b1'));
    // c pushes a out of memory before any flush: a's use is still waiting to be written.
    few.noteCall('Encrypt', [c.arn], record('c1'));
    few.noteCall('Decrypt', [a.arn], record('a-late', t - 2000));
    await few.flush();
    assert.equal((await few.lastUsage(caller, a.arn)).use?.eventId, 'a1');
    assert.equal((await few.lastUsage(caller, c.arn)).use?.eventId, 'c1');
    // Let go again, then answered from the store alone.
    few.noteCall('Encrypt', [b.arn], record('b2', t + 1000));
    assert.equal((await few.lastUsage(caller, a.arn)).use?.eventId, 'a1');
  });

  it('counts ReEncrypt for its source and its destination key', async () => {
    const a = await keys.create(caller, {});
    const b = await keys.create(caller, {});
    usage.noteCall('ReEncrypt', [a.arn, b.arn], record('re'));
    assert.equal((await usage.lastUsage(caller, a.key.keyId)).use?.operation, 'ReEncrypt');
    assert.equal((await usage.lastUsage(caller, b.key.keyId)).use?.eventId, 're');
  });

  it('keeps uses across a restart once flushed, and only those', async () => {
    const a = await keys.create(caller, {});
    const b = await keys.create(caller, {});
    usage.noteCall('Encrypt', [a.arn], record('kept'));
    await usage.flush();
    usage.noteCall('Encrypt', [b.arn], record('lost'));
    const restarted = new KeyUsageService(deps);
    assert.equal((await restarted.lastUsage(caller, a.key.keyId)).use?.eventId, 'kept');
    assert.equal((await restarted.lastUsage(caller, b.key.keyId)).use, undefined);
  });

  it('on a shared store, writes a use shortly after noting it, with the uses noted meanwhile, for the other nodes to see', async (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const a = await keys.create(caller, {});
    const b = await keys.create(caller, {});
    const node = new KeyUsageService(deps, { writeBehindMs: 200 });
    const other = new KeyUsageService(deps);
    await node.load();
    node.noteCall('Encrypt', [a.arn], record('first'));
    ctx.mock.timers.tick(100);
    node.noteCall('Sign', [b.arn], record('second'));
    assert.equal((await other.lastUsage(caller, a.arn)).use, undefined);
    ctx.mock.timers.tick(100);
    // The write runs on the timer; the store answers once it has committed.
    await waitFor(async () => (await other.lastUsage(caller, b.arn)).use?.eventId === 'second');
    assert.equal((await other.lastUsage(caller, a.arn)).use?.eventId, 'first');
  });

  it('orders two nodes\' uses of one second by the millisecond, whichever node writes last', async () => {
    const k = await keys.create(caller, {});
    const node = new KeyUsageService(deps);
    const other = new KeyUsageService(deps);
    await Promise.all([node.load(), other.load()]);
    other.noteCall('Encrypt', [k.arn], record('earlier', t + 100));
    node.noteCall('Decrypt', [k.arn], record('later', t + 600));
    await node.flush();
    // The other node holds its own, earlier use: the stored one is the later.
    assert.equal((await other.lastUsage(caller, k.arn)).use?.eventId, 'later');
    await other.flush();
    assert.equal((await node.lastUsage(caller, k.arn)).use?.eventId, 'later');
    assert.equal((await usage.lastUsage(caller, k.arn)).use?.eventId, 'later');
  });

  it('without a write-behind delay, leaves the writing to flush', async (ctx) => {
    ctx.mock.timers.enable({ apis: ['setTimeout'] });
    const a = await keys.create(caller, {});
    usage.noteCall('Encrypt', [a.arn], record('held'));
    ctx.mock.timers.tick(60_000);
    const other = new KeyUsageService(deps);
    assert.equal((await other.lastUsage(caller, a.arn)).use, undefined);
    await usage.flush();
    assert.equal((await other.lastUsage(caller, a.arn)).use?.eventId, 'held');
  });

  it('keeps the start of tracking of the data directory across restarts', async () => {
    const first = Number(await deps.store.settings.get(TRACKING_SINCE));
    assert.equal(first, t);
    t += DAY_MS;
    await new KeyUsageService(deps).load();
    assert.equal(Number(await deps.store.settings.get(TRACKING_SINCE)), first);
  });

  it('answers for a key pending deletion, as DescribeKey does', async () => {
    const k = await keys.create(caller, {});
    await keys.scheduleDeletion(caller, k.key.keyId, 7);
    assert.equal((await usage.lastUsage(caller, k.key.keyId)).keyId, k.key.keyId);
  });

  it('takes a key id or key ARN, not an alias, and refuses a key that does not exist', async () => {
    await rejectsWith(usage.lastUsage(caller, 'alias/mine'), 'NotFoundException', "Invalid keyId 'alias/mine'");
    const missing = '00000000-0000-0000-0000-000000000000';
    await rejectsWith(usage.lastUsage(caller, missing), 'NotFoundException', `Key 'arn:aws:kms:us-east-1:111122223333:key/${missing}' does not exist`);
  });
});
