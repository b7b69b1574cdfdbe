import type { AuditStore } from '../audit/repository.js';
import type { FaultRepository } from '../cluster/faults.js';
import type { ClusterStore } from '../cluster/repository.js';
import type { CustomKeyStoreRepository } from '../keystores/repository.js';
import type { KeyCensus } from '../kms/key-census.js';
import type { KmsStore } from '../kms/repository.js';

/**
 * Everything the service stores, one implementation of every port on one database: SQLite in the
 * data directory (sqlite/stores.ts) or a PostgreSQL database several nodes share
 * (postgres/stores.ts). The composition root picks one and builds the rest on it.
 */
export interface ServiceStores {
  /** What /health reports: the kind of store and where it is. */
  kind: 'sqlite' | 'postgres';
  location: string;
  kms: KmsStore;
  cluster: ClusterStore;
  keyStores: CustomKeyStoreRepository;
  faults: FaultRepository;
  audit: AuditStore;
  census: KeyCensus;
  /** Why the database cannot be used now, if so (for /health and /ready). */
  problem(): string | undefined;
  /** Closes the database, once the audit store is closed. */
  close(): Promise<void>;
}
