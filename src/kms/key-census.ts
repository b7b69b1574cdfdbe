import type { ConnectionState } from './custom-key-store-port.js';
import type { KeyState } from './key.js';
import { effectiveState } from './key-state.js';

// Keys counted by the state callers see, for metrics. Storage counts keys by what it holds (the
// stored state and, for a key in a custom key store, the store's connection state and whether the
// backing key was found missing); the rule that turns that into Unavailable is effectiveState's,
// applied here to each group rather than written again as a query.

export interface KeyStateGroup {
  /** The stored state. */
  state: KeyState;
  /** For keys in a custom key store: the store's connection state (undefined if the store is gone). */
  customKeyStore?: { connectionState: ConnectionState | undefined };
  backingKeyMissing: boolean;
  count: number;
}

/** Counts keys of every account by stored state and what their key store says. */
export interface KeyCensus {
  keyStateGroups(): Promise<KeyStateGroup[]>;
  /** Custom key stores of every account by connection state. */
  keyStoreStates(): Promise<Array<{ connectionState: ConnectionState; count: number }>>;
}

const ALL_KEY_STATES: Record<KeyState, true> = {
  Creating: true,
  Enabled: true,
  Disabled: true,
  PendingDeletion: true,
  PendingImport: true,
  PendingReplicaDeletion: true,
  Unavailable: true,
  Updating: true,
};

const ALL_CONNECTION_STATES: Record<ConnectionState, true> = {
  CONNECTED: true,
  CONNECTING: true,
  FAILED: true,
  DISCONNECTED: true,
  DISCONNECTING: true,
};

/** Every key state with its count (zero included, so a series exists before its first key). */
export function keysByState(groups: readonly KeyStateGroup[]): Record<KeyState, number> {
  const counts = zeroed(ALL_KEY_STATES);
  for (const g of groups) {
    const store = g.customKeyStore;
    const state = effectiveState(
      { state: g.state, customKeyStoreId: store ? 'store' : undefined, backingKey: g.backingKeyMissing ? { missing: true } : undefined },
      store?.connectionState === undefined ? undefined : { customKeyStoreId: 'store', connectionState: store.connectionState, clusterId: '' },
    );
    counts[state] += g.count;
  }
  return counts;
}

/** Every connection state with its count of custom key stores. */
export function keyStoresByState(rows: ReadonlyArray<{ connectionState: ConnectionState; count: number }>): Record<ConnectionState, number> {
  const counts = zeroed(ALL_CONNECTION_STATES);
  for (const r of rows) counts[r.connectionState] += r.count;
  return counts;
}

function zeroed<K extends string>(all: Record<K, true>): Record<K, number> {
  return Object.fromEntries(Object.keys(all).map((k) => [k, 0])) as Record<K, number>;
}
