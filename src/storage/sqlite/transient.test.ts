import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoff, isTransient } from './transient.js';

const failure = (code: string) => Object.assign(new Error(code), { code });

test('running short of descriptors, memory, disk or a lock passes; anything else does not', () => {
  for (const code of ['EMFILE', 'ENFILE', 'ENOSPC', 'SQLITE_BUSY', 'SQLITE_CANTOPEN', 'SQLITE_IOERR_WRITE', 'SQLITE_FULL']) {
    assert.equal(isTransient(failure(code)), true, code);
  }
  for (const code of ['ENOENT', 'EACCES', 'SQLITE_CORRUPT', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_BUSYNESS']) {
    assert.equal(isTransient(failure(code)), false, code);
  }
  assert.equal(isTransient(new Error('audit log segment 3 holds a line at offset 10 that is not a whole record')), false);
  assert.equal(isTransient(undefined), false);
});

test('the back-off doubles up to its ceiling', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 60].map((n) => backoff(n)), [50, 100, 200, 400, 800, 1600, 2000, 2000]);
});
