import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asReached } from './store-doctor-run.js';

test('the commands doctor prints name the address the caller reached (a load balancer), else the service’s own', () => {
  const self = 'http://127.0.0.1:40001';
  assert.equal(asReached(self, '127.0.0.1:39029'), 'http://127.0.0.1:39029');
  assert.equal(asReached(self, 'kms.internal.example'), 'http://kms.internal.example');
  assert.equal(asReached('https://127.0.0.1:40001', '[::1]:8443'), 'https://[::1]:8443');
  for (const hostile of [undefined, '', 'a b', 'evil.example/path', 'user@host', 'host:99999999', 'x'.repeat(256), 'host\r\nX-Injected: 1']) {
    assert.equal(asReached(self, hostile), self, JSON.stringify(hostile));
  }
});
