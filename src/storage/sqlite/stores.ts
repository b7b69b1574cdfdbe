import { join, resolve } from 'node:path';
import type { Sealer } from '../../core/sealer.js';
import { checkRootKey, recordRootKeyCheck } from '../root-key-check.js';
import type { ServiceStores } from '../service-stores.js';
import { auditStoreOn } from './audit-store.js';
import type { SyncMode } from './audit-log.js';
import { censusOn } from './census.js';
import { changeCountersOn, clusterStateCounterOn, otherCommitsOn } from './change-counters.js';
import { clockSettingStoreOn } from './clock-setting-store.js';
import { clusterRepositoriesOn } from './cluster-store.js';
import { openDatabase } from './database.js';
import { databaseProblem } from './database-probe.js';
import { faultStoreOn } from './fault-store.js';
import { hsmStoreOn } from './hsm-store.js';
import { keyStoreStoreOn } from './keystore-store.js';
import { leaseStoreOn } from './lease-store.js';
import { kmsStoreOn } from './sqlite-store.js';

export interface SqliteStoresOptions {
  dataDir: string;
  /** Nothing on disk: the database in memory, the audit trail's records straight to its tables. */
  inMemory: boolean;
  rootKey: Buffer;
  sealer: Sealer;
  /** Record through the audit trail's write-ahead log (off when the service records nothing). */
  audit?: { sync: SyncMode; onError: (err: unknown) => void };
  /** This process as one of several nodes on the data directory (--shared-store): a log of its own, and reads that apply the others' first. */
  node?: string;
}

/**
 * The embedded store: one SQLite file in the data directory (keywarden.db), its audit log beside
 * it. A wrong root key stops the start before the database is written with it. If a step fails,
 * the database is closed before the error is thrown.
 */
export function sqliteStores(opts: SqliteStoresOptions): ServiceStores {
  const dbFile = opts.inMemory ? ':memory:' : join(opts.dataDir, 'keywarden.db');
  const db = openDatabase(dbFile);
  try {
    checkRootKey(db, opts.rootKey, opts.dataDir);
    const kms = kmsStoreOn(db);
    recordRootKeyCheck(db, opts.rootKey);
    const cluster = { ...clusterRepositoriesOn(db), ...hsmStoreOn(db, opts.sealer) };
    const keyStores = keyStoreStoreOn(db);
    const faults = faultStoreOn(db);
    const leases = leaseStoreOn(db);
    const changeCounters = changeCountersOn(db);
    clusterStateCounterOn(db);
    const clockSettings = clockSettingStoreOn(db);
    // Last, as it may start a thread: nothing after it can fail and leave the thread running.
    // With the trail off nothing is written and no log or indexer thread runs; old records stay readable.
    // In memory, records go straight to the tables: there is no file for the log or the indexer's connection.
    const audit = auditStoreOn(
      db,
      opts.inMemory ? {} : {
            logDir: join(opts.dataDir, 'audit-log'),
            durable: opts.audit ? { file: dbFile, ...opts.audit } : undefined,
            ...(opts.node ? { node: opts.node } : {}),
          },
    );
    return {
      kind: 'sqlite',
      location: opts.inMemory ? 'memory' : resolve(dbFile),
      kms,
      cluster,
      keyStores,
      faults,
      audit,
      census: censusOn(db),
      leases,
      changeCounters,
      otherCommits: otherCommitsOn(db),
      clockSettings,
      problem: () => databaseProblem(db),
      close: async () => void db.close(),
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
