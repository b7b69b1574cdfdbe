import type { AuditStore } from '../../audit/repository.js';
import type { FaultRepository } from '../../cluster/faults.js';
import type { ClusterStore } from '../../cluster/repository.js';
import type { ClockSettingRepository } from '../../core/clock-setting.js';
import type { LeaseRepository } from '../../core/leases.js';
import type { Sealer } from '../../core/sealer.js';
import type { ChangeCounters } from '../../core/shared-state.js';
import type { CustomKeyStoreRepository } from '../../keystores/repository.js';
import type { KeyCensus } from '../../kms/key-census.js';
import type { KmsStore } from '../../kms/repository.js';
import type { VersionedKeyRepository } from '../key-cache.js';
import { AUDIT_SCHEMA, pgAuditStore } from './audit-store.js';
import { pgCensus } from './census.js';
import { CLUSTER_STATE_SCHEMA, COUNTER_SCHEMA, pgChangeCounters } from './change-counters.js';
import { pgClockSettingRepository } from './clock-setting-store.js';
import { CLUSTER_SCHEMA, pgClusterRepositories } from './cluster-store.js';
import type { PgDatabase } from './database.js';
import { pgDatabaseProblem } from './database-probe.js';
import { FAULT_SCHEMA, pgFaultRepository } from './fault-store.js';
import { HSM_SCHEMA, pgHsmStore } from './hsm-store.js';
import { KEY_USAGE_SCHEMA } from './key-usage-store.js';
import { KEYSTORE_SCHEMA, pgKeyStoreRepository } from './keystore-store.js';
import { KMS_SCHEMA, pgKmsStore } from './kms-store.js';
import { LEASE_SCHEMA, pgLeaseRepository } from './lease-store.js';
import { migrate, type SchemaPart } from './schema.js';
import { checkRootKeyFor, recordRootKeyCheckIn, storedRootKeyCheck } from './root-key-check.js';
import type { ServiceStores } from '../service-stores.js';

// What the composition root needs to open the store, from this one module (loaded only with --store).
export { openPgDatabase } from './database.js';
export { storedRootKeyCheck } from './root-key-check.js';

/** Every part of the schema, in the order a new database is given them (the census joins keys and stores). */
export const SCHEMA: readonly SchemaPart[] = [KMS_SCHEMA, KEY_USAGE_SCHEMA, CLUSTER_SCHEMA, HSM_SCHEMA, KEYSTORE_SCHEMA, FAULT_SCHEMA, AUDIT_SCHEMA, LEASE_SCHEMA, COUNTER_SCHEMA, CLUSTER_STATE_SCHEMA];

/** What the service stores, all of it in one PostgreSQL database. */
export interface PostgresStores {
  kms: KmsStore & { keys: VersionedKeyRepository };
  cluster: ClusterStore;
  keyStores: CustomKeyStoreRepository;
  faults: FaultRepository;
  audit: AuditStore;
  census: KeyCensus;
  leases: LeaseRepository;
  changeCounters: ChangeCounters;
  clockSettings: ClockSettingRepository;
  /** Why the database cannot be used now, if so (for /health and /ready). */
  problem(): string | undefined;
}

/** Brings the schema up to date (one node at a time) and builds a store for every port on the pool. */
export async function postgresStores(db: PgDatabase, sealer: Sealer): Promise<PostgresStores> {
  await migrate(db, SCHEMA);
  return {
    kms: pgKmsStore(db),
    cluster: { ...pgClusterRepositories(db), ...pgHsmStore(db, sealer) },
    keyStores: pgKeyStoreRepository(db),
    faults: pgFaultRepository(db),
    audit: pgAuditStore(db),
    census: pgCensus(db),
    leases: pgLeaseRepository(db),
    changeCounters: pgChangeCounters(db),
    clockSettings: pgClockSettingRepository(db),
    problem: pgDatabaseProblem(db),
  };
}

/**
 * The service's stores on a PostgreSQL database (openPgDatabase): a root key other than the one
 * the database was first used with stops the start before the schema is touched; then the schema
 * is brought up to date and the key's check value recorded if it is the first.
 */
export async function postgresServiceStores(db: PgDatabase, rootKey: Buffer, sealer: Sealer): Promise<ServiceStores> {
  checkRootKeyFor(await storedRootKeyCheck(db), rootKey, db.location);
  const stores = await postgresStores(db, sealer);
  await recordRootKeyCheckIn(db, rootKey);
  return { kind: 'postgres', location: db.location, ...stores, close: () => db.close() };
}
