import assert from 'node:assert/strict';
import { test } from 'node:test';
import { secureRandom } from './random.js';
import { Sealer } from './sealer.js';
import { UnsealedKeys } from './unsealed-keys.js';

/** A sealer that counts how often material is opened. */
function countingSealer(): { sealer: Sealer; opened: () => number } {
  const sealer = new Sealer(Buffer.alloc(32, 9), secureRandom);
  let opened = 0;
  const open = sealer.open.bind(sealer);
  sealer.open = (sealed, aad) => {
    opened++;
    return open(sealed, aad);
  };
  return { sealer, opened: () => opened };
}

const seal = (sealer: Sealer, bytes: string, owner: string) => sealer.seal(Buffer.from(bytes), owner).toString('base64');

test('material is opened once per owner, then served from memory', () => {
  const { sealer, opened } = countingSealer();
  const keys = new UnsealedKeys(sealer);
  const sealed = seal(sealer, 'key-a', 'k/1');
  assert.equal(keys.open('k/1', sealed, (raw) => raw.toString()), 'key-a');
  assert.equal(keys.open('k/1', sealed, (raw) => raw.toString()), 'key-a');
  assert.equal(opened(), 1);
});

test('material sealed anew for the same owner is opened again, not served stale', () => {
  const { sealer, opened } = countingSealer();
  const keys = new UnsealedKeys(sealer);
  keys.open('k/1', seal(sealer, 'first', 'k/1'), (raw) => raw.toString());
  assert.equal(keys.open('k/1', seal(sealer, 'second', 'k/1'), (raw) => raw.toString()), 'second');
  assert.equal(opened(), 2);
  assert.equal(keys.size, 1);
});

test('the bytes given to decode are zeroed, and material sealed for another owner does not open', () => {
  const { sealer } = countingSealer();
  const keys = new UnsealedKeys(sealer);
  let seen: Buffer | undefined;
  keys.open('k/1', seal(sealer, 'secret', 'k/1'), (raw) => (seen = raw).length);
  assert.deepEqual(seen, Buffer.alloc(6));
  assert.throws(() => keys.open('k/2', seal(sealer, 'secret', 'k/1'), (raw) => raw.length));
  assert.equal(keys.size, 1);
});

test('forget drops an owner; the cache is bounded and forgets its oldest first', () => {
  const { sealer, opened } = countingSealer();
  const keys = new UnsealedKeys(sealer, 2);
  const a = seal(sealer, 'a', 'a');
  const b = seal(sealer, 'b', 'b');
  const c = seal(sealer, 'c', 'c');
  keys.open('a', a, String);
  keys.open('b', b, String);
  keys.open('c', c, String);
  assert.equal(keys.size, 2);
  keys.open('b', b, String);
  assert.equal(opened(), 3, 'b was still held');
  keys.open('a', a, String);
  assert.equal(opened(), 4, 'a, the oldest, had gone');
  keys.forget('a');
  keys.open('a', a, String);
  assert.equal(opened(), 5);
});
