import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffsetClock, standingClock } from './clock.js';
import { Maintenance } from './maintenance.js';
import { ManualScheduler, TimerScheduler } from './scheduler.js';

const T0 = Date.UTC(2026, 0, 1);
const manual = () => {
  const clock = new OffsetClock(0, standingClock(T0));
  return { clock, scheduler: new ManualScheduler(clock) };
};
/** Resolves on the next turn of the event loop, after work that was due at once has run. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the manual scheduler', () => {
  it('runs nothing until the clock is advanced to its time, then runs what fell due in the order it fell due', async () => {
    const { clock, scheduler } = manual();
    const ran: string[] = [];
    scheduler.at(T0 + 2_000, () => ran.push('second'));
    scheduler.at(T0 + 1_000, () => ran.push('first'));
    scheduler.at(T0 + 60_000, () => ran.push('later'));
    await turn();
    await scheduler.clockMoved();
    assert.deepEqual(ran, []);
    clock.advance(999);
    await scheduler.clockMoved();
    assert.deepEqual(ran, [], 'a millisecond early is early');
    clock.advance(1_001);
    await scheduler.clockMoved();
    assert.deepEqual(ran, ['first', 'second']);
    await scheduler.clockMoved();
    assert.deepEqual(ran, ['first', 'second'], 'each runs once');
  });

  it('resolves an advance once the work it ran has finished, so that the one who moved the clock sees its effects', async () => {
    const { clock, scheduler } = manual();
    const done: string[] = [];
    scheduler.at(T0 + 1_000, async () => {
      await turn();
      done.push('attempt');
    });
    clock.advance(1_000);
    await scheduler.clockMoved();
    assert.deepEqual(done, ['attempt']);
  });

  it('runs work due now on the next turn of the event loop, without an advance', async () => {
    const { scheduler } = manual();
    let ran = 0;
    scheduler.at(T0, () => ran++);
    scheduler.at(T0 - 5, () => ran++);
    assert.equal(ran, 0, 'not inside the call that scheduled it');
    await turn();
    assert.equal(ran, 2);
  });

  it('runs periodic work once per advance that passes its time, however many periods it passes', async () => {
    const { clock, scheduler } = manual();
    let runs = 0;
    scheduler.every(5_000, () => runs++);
    clock.advance(4_999);
    await scheduler.clockMoved();
    assert.equal(runs, 0);
    clock.advance(8 * 86_400_000);
    await scheduler.clockMoved();
    assert.equal(runs, 1, 'eight days at once is one run, not 138,240');
    clock.advance(5_000);
    await scheduler.clockMoved();
    assert.equal(runs, 2, 'the next period counts from the run');
  });

  it('forgets pending work when stopped, including work due at once', async () => {
    const { clock, scheduler } = manual();
    let ran = 0;
    scheduler.at(T0 + 1_000, () => ran++);
    scheduler.at(T0, () => ran++);
    scheduler.every(1_000, () => ran++);
    scheduler.stop();
    clock.advance(10_000);
    await scheduler.clockMoved();
    await turn();
    assert.equal(ran, 0);
  });

  it('drives maintenance: no run until the clock passes the interval', async () => {
    const { clock, scheduler } = manual();
    let runs = 0;
    const maintenance = new Maintenance([async () => void runs++], (err) => assert.fail(String(err)));
    maintenance.start(scheduler, 5_000);
    await turn();
    assert.equal(runs, 0);
    clock.advance(5_000);
    await scheduler.clockMoved();
    await maintenance.stop();
    assert.equal(runs, 1);
    clock.advance(5_000);
    await scheduler.clockMoved();
    await turn();
    assert.equal(runs, 1, 'a stopped maintenance does not run again');
  });
});

describe('the timer scheduler', () => {
  it('runs work when its time comes on the real clock', async () => {
    const clock = new OffsetClock(0);
    const scheduler = new TimerScheduler(clock);
    const began = Date.now();
    // The scheduler's timers do not keep a process alive; this one does, and bounds the wait.
    await new Promise<void>((resolve, reject) => {
      const guard = setTimeout(() => reject(new Error('the work never ran')), 2_000);
      scheduler.at(clock.now() + 30, () => {
        clearTimeout(guard);
        resolve();
      });
    });
    assert.ok(Date.now() - began >= 25, `ran after ${Date.now() - began} ms`);
    scheduler.stop();
  });

  it('runs work at once when an advance of the clock passes its time, and only then', async () => {
    const clock = new OffsetClock(0);
    const scheduler = new TimerScheduler(clock);
    const ran: string[] = [];
    scheduler.at(clock.now() + 3_600_000, () => ran.push('in an hour'));
    scheduler.at(clock.now() + 86_400_000, () => ran.push('tomorrow'));
    await scheduler.clockMoved();
    assert.deepEqual(ran, []);
    clock.advance(3_600_000);
    await scheduler.clockMoved();
    assert.deepEqual(ran, ['in an hour']);
    scheduler.stop();
  });

  it('forgets pending work when stopped', async () => {
    const clock = new OffsetClock(0);
    const scheduler = new TimerScheduler(clock);
    let ran = 0;
    scheduler.at(clock.now(), () => ran++);
    scheduler.every(1, () => ran++);
    scheduler.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(ran, 0);
  });
});
