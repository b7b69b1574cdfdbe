import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionLimit, DEFAULT_MAX_CONNECTIONS, openFileLimit, RESERVED_DESCRIPTORS } from './limits.js';

test('the default connection limit leaves the service its own descriptors', () => {
  assert.deepEqual(connectionLimit(undefined, undefined), { maxConnections: DEFAULT_MAX_CONNECTIONS });
  assert.deepEqual(connectionLimit(undefined, 1_048_576), { maxConnections: DEFAULT_MAX_CONNECTIONS });
  assert.deepEqual(connectionLimit(undefined, 256), { maxConnections: 256 - RESERVED_DESCRIPTORS });
  assert.deepEqual(connectionLimit(undefined, 10), { maxConnections: 1 });
});

test('a limit given on the command line is kept, with a warning when descriptors would run out first', () => {
  assert.deepEqual(connectionLimit(100, 256), { maxConnections: 100 });
  assert.deepEqual(connectionLimit(5000, undefined), { maxConnections: 5000 });
  const over = connectionLimit(1000, 256);
  assert.equal(over.maxConnections, 1000);
  assert.match(over.warning ?? '', /^--max-connections 1000 is more than the open-file limit \(256\) leaves/);
});

test('the open-file limit is read where the system tells it', () => {
  const limit = openFileLimit();
  if (process.platform === 'linux') assert.ok(Number.isInteger(limit) && limit! > 0, String(limit));
});
