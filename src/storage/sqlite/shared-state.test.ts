import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FaultRegistry } from '../../cluster/faults.js';
import { DAY_MS, OffsetClock, standingClock } from '../../core/clock.js';
import { SharedClock } from '../../core/clock-setting.js';
import { CLOCK_COUNTER, FAULTS_COUNTER, SharedState } from '../../core/shared-state.js';
import { changeCountersOn, otherCommitsOn } from './change-counters.js';
import { clockSettingStoreOn } from './clock-setting-store.js';
import { openDatabase, type Db } from './database.js';
import { faultStoreOn } from './fault-store.js';
import { kmsStoreOn } from './sqlite-store.js';

const T0 = Date.UTC(2026, 0, 1);

/** One node: its own connection, a manual clock standing at T0, its copy of the faults, kept current as serve --shared-store keeps them. */
async function node(db: Db) {
  kmsStoreOn(db);
  const standing = standingClock(T0);
  const clock = new OffsetClock(0, standing);
  const settings = clockSettingStoreOn(db);
  const shared = new SharedClock(clock, settings, standing);
  const faults = await new FaultRegistry(faultStoreOn(db), clock).load();
  let loads = 0;
  let counterReads = 0;
  const counters = changeCountersOn(db);
  const state = new SharedState(
    { read: () => (counterReads++, counters.read()) },
    {
      [CLOCK_COUNTER]: () => shared.follow(),
      [FAULTS_COUNTER]: () => (loads++, faults.load()),
    },
    otherCommitsOn(db),
  );
  await state.refresh();
  loads = 0;
  return { clock, settings, shared, faults, state, loads: () => loads, counterReads: () => counterReads };
}

async function twoNodes(body: (a: Awaited<ReturnType<typeof node>>, b: Awaited<ReturnType<typeof node>>) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-shared-state-'));
  const dbs = [openDatabase(join(dir, 'keywarden.db')), openDatabase(join(dir, 'keywarden.db'))];
  try {
    await body(await node(dbs[0]!), await node(dbs[1]!));
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('shared clock: a move on one node shows on the other at its next refresh; moves on both add up', () =>
  twoNodes(async (a, b) => {
    await a.shared.move((offset) => offset + DAY_MS);
    assert.equal(a.clock.now(), T0 + DAY_MS);
    assert.equal(b.clock.now(), T0, 'not before it asks');
    await b.state.refresh();
    assert.equal(b.clock.now(), T0 + DAY_MS);
    // Each decided on the offset the store held, not on the node's own copy: two days, not one.
    await Promise.all([a.shared.move((o) => o + DAY_MS), b.shared.move((o) => o + DAY_MS)]);
    await a.state.refresh();
    await b.state.refresh();
    assert.deepEqual([a.clock.now(), b.clock.now()], [T0 + 3 * DAY_MS, T0 + 3 * DAY_MS]);
    // A move refused on the stored offset changes nothing anywhere.
    await assert.rejects(b.shared.move(() => {
      throw new RangeError('too far');
    }), /too far/);
    await a.shared.move(() => 0);
    await b.state.refresh();
    assert.equal(b.clock.now(), T0);
  }));

test('shared clock: a manual clock stands where the first node started it', () =>
  twoNodes(async (a, b) => {
    await a.settings.setStandingAt(T0 + 5_000);
    await b.state.refresh();
    assert.equal(b.clock.now(), T0 + 5_000);
  }));

test('shared faults: a fault set or cleared on one node is in force on the other at its next refresh, which reloads only then', () =>
  twoNodes(async (a, b) => {
    await b.state.refresh();
    assert.equal(b.loads(), 0, 'nothing changed: nothing reloaded');
    await a.faults.set('NETWORK_CUT', 'cluster-abcdefghijk');
    assert.equal(b.faults.networkCut('cluster-abcdefghijk'), false);
    await b.state.refresh();
    assert.equal(b.faults.networkCut('cluster-abcdefghijk'), true);
    await a.faults.set('SESSION_LIMIT', 'cluster-abcdefghijk', 2);
    await a.faults.clear('NETWORK_CUT', 'cluster-abcdefghijk');
    await b.state.refresh();
    assert.deepEqual([b.faults.networkCut('cluster-abcdefghijk'), b.faults.sessionLimit('cluster-abcdefghijk')], [false, 2]);
    assert.equal(b.loads(), 2);
    // A one-shot fault is used up once, whichever node uses it.
    await b.faults.set('CONNECT_INTERNAL_ERROR', 'cks-1234567890abcdef0');
    await a.state.refresh();
    const used = await Promise.all([a.faults.consume('CONNECT_INTERNAL_ERROR', 'cks-1234567890abcdef0'), b.faults.consume('CONNECT_INTERNAL_ERROR', 'cks-1234567890abcdef0')]);
    assert.deepEqual(used.sort(), [false, true]);
  }));

test('shared state: while no other connection commits, a refresh reads no counters; a commit by another connection makes the next one read them', () =>
  twoNodes(async (a, b) => {
    const before = b.counterReads();
    await b.state.refresh();
    await b.state.refresh();
    assert.equal(b.counterReads(), before, 'nothing committed elsewhere: no read');
    // b's own change does not move what b reads: its copy follows its own writes.
    await b.faults.set('NETWORK_CUT', 'cluster-abcdefghijk');
    await b.state.refresh();
    assert.equal(b.counterReads(), before);
    // A commit of a's costs b one read of the counters, which brings a's fault.
    await a.faults.set('SESSION_LIMIT', 'cluster-abcdefghijk', 3);
    await b.state.refresh();
    assert.equal(b.counterReads(), before + 1);
    assert.equal(b.faults.sessionLimit('cluster-abcdefghijk'), 3);
    await b.state.refresh();
    assert.equal(b.counterReads(), before + 1);
  }));
