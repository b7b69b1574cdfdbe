import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/core/clock.js';
import { secureRandom } from '../../src/core/random.js';
import { Sealer } from '../../src/core/sealer.js';
import { generateRsaKeyPair } from '../../src/cluster/certificates.js';
import type { ClusterDeps } from '../../src/cluster/context.js';
import type { Scope } from '../../src/cluster/model.js';
import type { ClusterStore } from '../../src/cluster/repository.js';
import { createClusterServices, type ClusterServices } from '../../src/cluster/services.js';
import { timingsOf, type ClusterTimings } from '../../src/cluster/transitions.js';
import { clusterRepositoriesOn } from '../../src/storage/sqlite/cluster-store.js';
import { openDatabase, type Db } from '../../src/storage/sqlite/database.js';
import { hsmStoreOn } from '../../src/storage/sqlite/hsm-store.js';

export const SCOPE: Scope = { accountId: '111122223333', region: 'us-east-1' };

/** A clock the test moves by hand; it starts at real time so that certificates made now are valid. */
export class FakeClock implements Clock {
  constructor(public t = Date.now()) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface ClusterWorld {
  db: Db;
  clock: FakeClock;
  deps: ClusterDeps;
  store: ClusterStore;
  s: ClusterServices;
  close(): void;
}

/**
 * The cluster domain on an in-memory database (or the one given, such as a copy of a prepared
 * one), with a hand-moved clock (transitions take 0 ms unless told).
 */
export function clusterWorld(timings: ClusterTimings = timingsOf(0), db: Db = openDatabase(':memory:'), sealer = new Sealer(randomBytes(32), secureRandom)): ClusterWorld {
  const clock = new FakeClock();
  const store: ClusterStore = { ...clusterRepositoriesOn(db), ...hsmStoreOn(db, sealer) };
  const deps: ClusterDeps = { store, clock, random: secureRandom, sealer, timings, csrKeyPairs: reusedCsrKeyPair };
  return { db, clock, deps, store, s: createClusterServices(deps), close: () => db.close() };
}

let csrKeyPair: Promise<CryptoKeyPair> | undefined;

/** One CSR key pair for every cluster of the test process: an RSA pair takes a third of a second to make here. */
export const reusedCsrKeyPair = () => (csrKeyPair ??= generateRsaKeyPair());

export { rejectsWith } from './aws-errors.js';
