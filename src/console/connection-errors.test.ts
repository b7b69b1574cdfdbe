import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ConnectionErrorCode, ConnectionState } from '../keystores/model.js';
import { WEB_DIR } from './files.js';

const { CONNECTION_ERRORS, CONNECTION_STATES } = await import(pathToFileURL(join(WEB_DIR, 'connection-errors.js')).href);

// Written as records of the service's own types, so a code added to the service fails to compile
// here until the console has words for it too.
const CODES: Record<ConnectionErrorCode, true> = {
  CLUSTER_NOT_FOUND: true,
  INSUFFICIENT_CLOUDHSM_HSMS: true,
  INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: true,
  INTERNAL_ERROR: true,
  INVALID_CREDENTIALS: true,
  NETWORK_ERRORS: true,
  SUBNET_NOT_FOUND: true,
  USER_LOCKED_OUT: true,
  USER_LOGGED_IN: true,
  USER_NOT_FOUND: true,
};
const STATES: Record<ConnectionState, true> = { CONNECTED: true, CONNECTING: true, DISCONNECTED: true, DISCONNECTING: true, FAILED: true };

test('every ConnectionErrorCode of a CloudHSM key store has its cause and repair in words', () => {
  assert.deepEqual(Object.keys(CONNECTION_ERRORS).sort(), Object.keys(CODES).sort());
  for (const [code, words] of Object.entries(CONNECTION_ERRORS) as Array<[string, { cause: string; repair: string }]>) {
    assert.ok(words.cause.length > 20 && words.repair.length > 20, code);
  }
});

test('every connection state has its words', () => {
  assert.deepEqual(Object.keys(CONNECTION_STATES).sort(), Object.keys(STATES).sort());
});
