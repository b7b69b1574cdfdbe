import { isHsmError } from '../cluster/hsm-errors.js';
import type { AwsError } from '../core/aws-error.js';
import { invalidCiphertext } from '../kms/ciphertext.js';
import { customKeyStoreNotFound } from '../kms/custom-key-store-port.js';
import { KMSInternalException, KMSInvalidStateException } from '../kms/errors.js';
import { invalidState } from './connection-states.js';
import { type KeyStoreDeps, openSession } from './context.js';
import { CANNOT_COMMUNICATE, KMSUSER_LOCKED_OUT, noSessions } from './messages.js';
import type { CustomKeyStoreRecord, Scope } from './model.js';

// How KMS reaches a custom key store's cluster: through the kmsuser session the service holds
// while the store is CONNECTED. Refusals of the cluster become the errors the troubleshooting
// guide describes: cannot communicate (network cut, cluster deleted, no active HSM), kmsuser
// locked out, no PKCS #11 sessions (KMSInternalException, so clients back off and retry), and a
// backing key that is gone (BackingKeyNotFound, which makes the KMS key Unavailable).

/** How a refusal of the cluster reaches a KMS caller: the error for each kind of call. */
export type Call = 'crypto' | 'createKey' | 'random';

export interface Link {
  store: CustomKeyStoreRecord;
  sessionId: string;
}

/**
 * The cluster does not hold the backing key (deleted by its owner, or the store now points at a
 * cluster restored from a backup taken before the key existed).
 */
export class BackingKeyNotFound extends Error {}

/** The store and the service's session in its cluster, if it is CONNECTED and the cluster reachable. */
export async function link(deps: KeyStoreDeps, scope: Scope, customKeyStoreId: string, call: Call): Promise<Link> {
  const store = await deps.stores.get(scope, customKeyStoreId);
  if (!store) throw customKeyStoreNotFound(customKeyStoreId);
  const sessionId = store.connectionState === 'CONNECTED' ? openSession(deps.sealer, store) : undefined;
  if (sessionId === undefined) {
    // KMS checked the key's state before calling; the store changed since.
    if (call === 'crypto') throw new KMSInvalidStateException(`Custom key store ${customKeyStoreId} is ${store.connectionState}; its KMS keys are unavailable.`);
    throw invalidState(customKeyStoreId, store.connectionState, 'useKeys');
  }
  if (deps.faults.networkCut(store.clusterId)) throw unreachable(call);
  return { store, sessionId };
}

function unreachable(call: Call): AwsError {
  return call === 'crypto' ? new KMSInvalidStateException(CANNOT_COMMUNICATE) : new KMSInternalException(CANNOT_COMMUNICATE);
}

/** The KMS error for a refusal of the cluster. */
export function refusal(err: unknown, store: CustomKeyStoreRecord, call: Call): unknown {
  if (!isHsmError(err)) return err;
  switch (err.reason) {
    case 'KEY_NOT_FOUND':
      return call === 'crypto' ? new BackingKeyNotFound(err.message) : new KMSInternalException(err.message);
    case 'INVALID_CIPHERTEXT':
      return invalidCiphertext();
    case 'NO_SESSIONS':
      return new KMSInternalException(noSessions(store.clusterId));
    case 'USER_LOCKED_OUT':
      return call === 'crypto' ? new KMSInvalidStateException(KMSUSER_LOCKED_OUT) : new KMSInternalException(KMSUSER_LOCKED_OUT);
    case 'CLUSTER_NOT_FOUND':
    case 'CLUSTER_NOT_READY':
    case 'NO_ACTIVE_HSM':
    case 'NOT_LOGGED_IN':
      return unreachable(call);
    default:
      return new KMSInternalException(`AWS CloudHSM cluster ${store.clusterId} refused the request: ${err.message}`);
  }
}
