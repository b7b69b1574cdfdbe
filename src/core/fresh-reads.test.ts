import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FreshReads } from './fresh-reads.js';

/** A read that ends when the test says, counting how many were made and what state each started on. */
function gate() {
  let state = 0;
  const started: number[] = [];
  const ends: Array<() => void> = [];
  const read = () =>
    new Promise<number>((resolve) => {
      const seen = state;
      started.push(seen);
      ends.push(() => resolve(seen));
    });
  const endNext = async () => {
    ends.shift()!();
    // Lets the chained reads start.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { read, started, endNext, set: (n: number) => (state = n) };
}

test('callers who ask while a read runs share the one read that starts when it ends', async () => {
  const reads = new FreshReads<string, number>();
  const g = gate();
  const first = reads.get('k', g.read);
  await Promise.resolve();
  g.set(1);
  // Asked after the state changed: the running read started before, so these wait for the next.
  const later = [reads.get('k', g.read), reads.get('k', g.read), reads.get('k', g.read)];
  await g.endNext();
  assert.equal(await first, 0);
  assert.deepEqual(g.started, [0, 1]);
  await g.endNext();
  assert.deepEqual(await Promise.all(later), [1, 1, 1]);
  assert.equal(g.started.length, 2);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.size, 0);
});

test('keys are read apart, and a failed read fails its callers only', async () => {
  const reads = new FreshReads<string, number>();
  let n = 0;
  const failing = reads.get('bad', () => Promise.reject(new Error('store down')));
  const fine = reads.get('good', async () => ++n);
  await assert.rejects(failing, /store down/);
  assert.equal(await fine, 1);
  // The next read of the failed key is made afresh.
  assert.equal(await reads.get('bad', async () => 7), 7);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(reads.size, 0);
});

test('a read that throws at once is a rejected promise, and the next caller reads again', async () => {
  const reads = new FreshReads<string, number>();
  await assert.rejects(
    reads.get('k', () => {
      throw new Error('bad statement');
    }),
    /bad statement/,
  );
  assert.equal(await reads.get('k', async () => 2), 2);
});
