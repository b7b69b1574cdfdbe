import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomKeyStoreInvalidStateException } from '../kms/errors.js';
import { ALLOWED_IN, CONNECTION_TRANSITIONS, type ConnectionEvent, nextConnectionState, requireState } from './connection-states.js';
import type { ConnectionState } from './model.js';

const STATES: ConnectionState[] = ['DISCONNECTED', 'CONNECTING', 'CONNECTED', 'FAILED', 'DISCONNECTING'];
const EVENTS: ConnectionEvent[] = ['connect', 'disconnect', 'connected', 'failed', 'disconnected'];

test('the whole connection state table, state by event', () => {
  const table = Object.fromEntries(STATES.map((s) => [s, Object.fromEntries(EVENTS.map((e) => [e, nextConnectionState(s, e) ?? '-']))]));
  assert.deepEqual(table, {
    DISCONNECTED: { connect: 'CONNECTING', disconnect: '-', connected: '-', failed: '-', disconnected: '-' },
    CONNECTING: { connect: 'CONNECTING', disconnect: 'DISCONNECTING', connected: 'CONNECTED', failed: 'FAILED', disconnected: '-' },
    CONNECTED: { connect: 'CONNECTED', disconnect: 'DISCONNECTING', connected: '-', failed: '-', disconnected: '-' },
    FAILED: { connect: '-', disconnect: 'DISCONNECTING', connected: '-', failed: '-', disconnected: '-' },
    DISCONNECTING: { connect: '-', disconnect: '-', connected: '-', failed: '-', disconnected: 'DISCONNECTED' },
  });
});

test('a FAILED store cannot be connected until it is disconnected', () => {
  assert.equal(nextConnectionState('FAILED', 'connect'), undefined);
  const afterDisconnect = nextConnectionState(nextConnectionState('FAILED', 'disconnect')!, 'disconnected')!;
  assert.equal(nextConnectionState(afterDisconnect, 'connect'), 'CONNECTING');
});

test('every state is reachable from DISCONNECTED and leads back to it', () => {
  const reach = (from: ConnectionState) => {
    const seen = new Set<ConnectionState>([from]);
    for (const s of seen) for (const e of EVENTS) {
      const n = nextConnectionState(s, e);
      if (n) seen.add(n);
    }
    return seen;
  };
  assert.deepEqual([...reach('DISCONNECTED')].sort(), [...STATES].sort());
  for (const s of STATES) assert.ok(reach(s).has('DISCONNECTED'), s);
  assert.deepEqual(Object.keys(CONNECTION_TRANSITIONS).sort(), [...STATES].sort());
});

test('renames while DISCONNECTED or CONNECTED; password, cluster and deletion only while DISCONNECTED; keys only while CONNECTED', () => {
  const allowed = (call: keyof typeof ALLOWED_IN) =>
    STATES.filter((s) => {
      try {
        requireState('cks-1234567890abcdef0', s, call);
        return true;
      } catch (err) {
        assert.ok(err instanceof CustomKeyStoreInvalidStateException);
        assert.match(err.message, new RegExp(`^Custom key store cks-1234567890abcdef0 is ${s}\\. `));
        return false;
      }
    });
  assert.deepEqual(allowed('rename'), ['DISCONNECTED', 'CONNECTED']);
  assert.deepEqual(allowed('reconfigure'), ['DISCONNECTED']);
  assert.deepEqual(allowed('delete'), ['DISCONNECTED']);
  assert.deepEqual(allowed('useKeys'), ['CONNECTED']);
});
