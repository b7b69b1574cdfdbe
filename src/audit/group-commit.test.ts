import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GroupCommit } from './group-commit.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes everything added in one turn of the event loop as one batch', async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit<number>(async (items) => void batches.push([...items]));
    await Promise.all([1, 2, 3, 4, 5].map((i) => gc.add(i)));
    assert.deepEqual(batches, [[1, 2, 3, 4, 5]]);
  });

  it('gathers what arrives during a write into the next batch, and answers nobody before their batch is written', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gc = new GroupCommit<number>(async (items) => {
      batches.push([...items]);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
    });
    const done: number[] = [];
    const first = gc.add(1).then(() => done.push(1));
    await tick();
    assert.deepEqual(batches, [[1]]);
    const later = [2, 3, 4].map((i) => gc.add(i).then(() => done.push(i)));
    await tick();
    await tick();
    assert.deepEqual(batches, [[1]], 'no second write while the first is in flight');
    assert.deepEqual(done, [], 'nothing acknowledged before its batch is durable');
    release();
    await Promise.all([first, ...later]);
    assert.deepEqual(batches, [[1], [2, 3, 4]]);
    assert.deepEqual(done, [1, 2, 3, 4]);
  });

  it('fails every waiter of a failed batch, and carries on with the next', async () => {
    let n = 0;
    const gc = new GroupCommit<string>(async () => {
      if (++n === 1) throw new Error('disk full');
    });
    const failed = await Promise.allSettled([gc.add('a'), gc.add('b')]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    await gc.add('c');
    assert.equal(n, 2);
  });

  it('caps a batch and drains everything on request', async () => {
    const sizes: number[] = [];
    const gc = new GroupCommit<number>(async (items) => void sizes.push(items.length), { maxBatch: 3 });
    for (let i = 0; i < 7; i++) void gc.add(i);
    await gc.drain();
    assert.deepEqual(sizes, [3, 3, 1]);
    await gc.drain();
  });

  it('with several writes allowed in flight, hands each turn’s batch over at once and answers in order', async () => {
    const started: number[][] = [];
    const finish: Array<() => void> = [];
    const gc = new GroupCommit<number>(
      (items) => {
        started.push([...items]);
        return new Promise<void>((r) => finish.push(r));
      },
      { maxInFlight: 4 },
    );
    const done: number[] = [];
    const a = gc.add(1).then(() => done.push(1));
    await tick();
    const b = gc.add(2).then(() => done.push(2));
    await tick();
    assert.deepEqual(started, [[1], [2]], 'the second batch did not wait for the first');
    finish[0]!();
    finish[1]!();
    await Promise.all([a, b]);
    assert.deepEqual(done, [1, 2]);
  });
});
