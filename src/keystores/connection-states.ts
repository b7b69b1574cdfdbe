import { CustomKeyStoreInvalidStateException } from '../kms/errors.js';
import type { ConnectionState } from './model.js';

/**
 * What moves a key store between connection states: the two API calls, the outcome of the
 * background connection attempt, and the end of a disconnection.
 */
export type ConnectionEvent = 'connect' | 'disconnect' | 'connected' | 'failed' | 'disconnected';

/** `same`: the call succeeds and changes nothing (ConnectCustomKeyStore on a connecting or connected store). */
type Next = ConnectionState | 'same';

/**
 * The connection state machine of an AWS CloudHSM key store, as data:
 * DISCONNECTED → CONNECTING → CONNECTED | FAILED; CONNECTED, CONNECTING and FAILED →
 * DISCONNECTING → DISCONNECTED. A missing entry is refused with CustomKeyStoreInvalidStateException
 * (API calls) or ignored (outcomes that arrive for a store that has moved on).
 */
export const CONNECTION_TRANSITIONS: Record<ConnectionState, Partial<Record<ConnectionEvent, Next>>> = {
  DISCONNECTED: { connect: 'CONNECTING' },
  CONNECTING: { connect: 'same', disconnect: 'DISCONNECTING', connected: 'CONNECTED', failed: 'FAILED' },
  CONNECTED: { connect: 'same', disconnect: 'DISCONNECTING' },
  // A failed store must be disconnected before it can be connected again.
  FAILED: { disconnect: 'DISCONNECTING' },
  DISCONNECTING: { disconnected: 'DISCONNECTED' },
};

/** The state after `event`, `state` itself for a no-op, or undefined when the event is not allowed. */
export function nextConnectionState(state: ConnectionState, event: ConnectionEvent): ConnectionState | undefined {
  const next = CONNECTION_TRANSITIONS[state][event];
  return next === 'same' ? state : next;
}

/** The other calls and the states in which each is allowed. */
export const ALLOWED_IN: Record<'rename' | 'reconfigure' | 'delete' | 'useKeys', readonly ConnectionState[]> = {
  // UpdateCustomKeyStore with only NewCustomKeyStoreName.
  rename: ['DISCONNECTED', 'CONNECTED'],
  // UpdateCustomKeyStore with KeyStorePassword or CloudHsmClusterId.
  reconfigure: ['DISCONNECTED'],
  delete: ['DISCONNECTED'],
  // CreateKey in the store, GenerateRandom with its id.
  useKeys: ['CONNECTED'],
};

const WHY: Record<keyof typeof ALLOWED_IN | ConnectionEvent, string> = {
  connect: 'It can be connected only when it is DISCONNECTED (a FAILED store must be disconnected first).',
  disconnect: 'Only a store that is CONNECTED, CONNECTING or FAILED can be disconnected.',
  connected: '',
  failed: '',
  disconnected: '',
  rename: 'It can be renamed only when it is DISCONNECTED or CONNECTED.',
  reconfigure: 'Its password and cluster can be changed only when it is DISCONNECTED.',
  delete: 'It can be deleted only when it is DISCONNECTED.',
  useKeys: 'KMS keys can be created and random bytes generated in it only when it is CONNECTED.',
};

export function invalidState(customKeyStoreId: string, state: ConnectionState, call: keyof typeof WHY): CustomKeyStoreInvalidStateException {
  return new CustomKeyStoreInvalidStateException(`Custom key store ${customKeyStoreId} is ${state}. ${WHY[call]}`);
}

/** Throws CustomKeyStoreInvalidStateException unless the call is allowed in `state`. */
export function requireState(customKeyStoreId: string, state: ConnectionState, call: keyof typeof ALLOWED_IN): void {
  if (!ALLOWED_IN[call].includes(state)) throw invalidState(customKeyStoreId, state, call);
}
