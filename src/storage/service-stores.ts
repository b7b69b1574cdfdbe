import type { AuditStore } from '../audit/repository.js';
import type { FaultRepository } from '../cluster/faults.js';
import type { ClusterStore } from '../cluster/repository.js';
import type { ClockSettingRepository } from '../core/clock-setting.js';
import type { LeaseRepository } from '../core/leases.js';
import type { ChangeCounters, OtherCommits } from '../core/shared-state.js';
import type { CustomKeyStoreRepository } from '../keystores/repository.js';
import type { KeyCensus } from '../kms/key-census.js';
import type { KmsStore } from '../kms/repository.js';
import type { VersionedKeyRepository } from './key-cache.js';

/**
 * Everything the service stores, one implementation of every port on one database: SQLite in the
 * data directory (sqlite/stores.ts) or a PostgreSQL database several nodes share
 * (postgres/stores.ts). The composition root picks one and builds the rest on it.
 */
export interface ServiceStores {
  /** What /health reports: the kind of store and where it is. */
  kind: 'sqlite' | 'postgres';
  location: string;
  /** Without a cache: the composition root puts storage/key-cache.ts in front of it. */
  kms: KmsStore & { keys: VersionedKeyRepository };
  cluster: ClusterStore;
  keyStores: CustomKeyStoreRepository;
  faults: FaultRepository;
  /** With `adoptOrphanLogs` where nodes keep logs of their own that a dead node's must be taken from (SQLite). */
  audit: AuditStore & { adoptOrphanLogs?(): Promise<number> };
  census: KeyCensus;
  /**
   * Claims on background work. `clear` forgets them all, for a service that knows it holds the
   * store alone (SQLite without --shared-store); a store other nodes may share has none.
   */
  leases: LeaseRepository & { clear?(): void };
  /** What other nodes changed (the clock, the faults), read before each request when nodes share the store. */
  changeCounters: ChangeCounters;
  /** Where the store can tell cheaply that no other connection committed (SQLite): reads it spares then. */
  otherCommits?: OtherCommits;
  clockSettings: ClockSettingRepository;
  /** Why the database cannot be used now, if so (for /health and /ready). */
  problem(): string | undefined;
  /** Closes the database, once the audit store is closed. */
  close(): Promise<void>;
}
