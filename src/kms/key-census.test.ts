import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keysByState, keyStoresByState } from './key-census.js';

test('keys count under the state callers see: Unavailable for a store not CONNECTED or a missing backing key', () => {
  const counts = keysByState([
    { state: 'Enabled', backingKeyMissing: false, count: 3 },
    { state: 'Enabled', customKeyStore: { connectionState: 'CONNECTED' }, backingKeyMissing: false, count: 2 },
    { state: 'Enabled', customKeyStore: { connectionState: 'CONNECTED' }, backingKeyMissing: true, count: 1 },
    { state: 'Disabled', customKeyStore: { connectionState: 'DISCONNECTED' }, backingKeyMissing: false, count: 4 },
    { state: 'Enabled', customKeyStore: { connectionState: undefined }, backingKeyMissing: false, count: 1 },
    { state: 'PendingDeletion', customKeyStore: { connectionState: 'FAILED' }, backingKeyMissing: false, count: 5 },
  ]);
  assert.deepEqual(counts, {
    Creating: 0,
    Enabled: 5,
    Disabled: 0,
    PendingDeletion: 5,
    PendingImport: 0,
    PendingReplicaDeletion: 0,
    Unavailable: 6,
    Updating: 0,
  });
});

test('key stores count by connection state, every state listed', () => {
  assert.deepEqual(keyStoresByState([{ connectionState: 'FAILED', count: 2 }]), {
    CONNECTED: 0,
    CONNECTING: 0,
    FAILED: 2,
    DISCONNECTED: 0,
    DISCONNECTING: 0,
  });
});
