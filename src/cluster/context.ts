import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { Sealer } from '../core/sealer.js';
import { FIRST_HANDLE } from './content.js';
import type { ClusterContent } from './model.js';
import type { ClusterStore } from './repository.js';
import type { ClusterTimings } from './transitions.js';

/** What every cluster domain service is built from. */
export interface ClusterDeps {
  store: ClusterStore;
  clock: Clock;
  random: Random;
  /** Wraps the cluster CSR's private key while the cluster waits to be initialised. */
  sealer: Sealer;
  timings: ClusterTimings;
  /**
   * Makes the key pair of each new cluster's CSR: a fresh RSA 2048 pair (generateRsaKeyPair) when
   * absent. Unit tests that need no fresh pair pass one made once.
   */
  csrKeyPairs?: () => Promise<CryptoKeyPair>;
}

/**
 * No users, no keys: what a backup records for a cluster whose content was never written. (A new
 * cluster's content, with its precrypto officer, is written by the HSM side on first use.)
 */
export const emptyContent = (): ClusterContent => ({ users: [], keys: [], nextHandle: FIRST_HANDLE });

export const cloneContent = (c: ClusterContent): ClusterContent => structuredClone(c);
