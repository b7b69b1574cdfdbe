import type { Jobs } from '../core/leases.js';
import type { MaintenanceTask } from '../core/maintenance.js';
import type { DeletionListener } from '../kms/deletion.js';
import { backingKeyDeletion, BackingKeyHealth } from './backing-keys.js';
import { removeBackingKey, type RemovedBackingKey } from './backing-key-removal.js';
import { ConnectWorker } from './connect-worker.js';
import type { KeyStoreDeps } from './context.js';
import type { Scope } from './model.js';
import { CustomKeyStoreService } from './key-stores.js';
import { ClusterKeyBackend } from './cluster-key-backend.js';
import { ClusterKeyStorePort } from './store-port.js';

/** Custom key stores, as the operations, the KMS domain and the composition root see them. */
export interface KeyStoreServices {
  stores: CustomKeyStoreService;
  /** The stores' status and random bytes, for the KMS domain (app.ts passes it in as KmsDeps.customKeyStores). */
  port: ClusterKeyStorePort;
  /** Where the material of the keys in custom key stores lives (app.ts makes it one of KmsDeps.backends). */
  backend: ClusterKeyBackend;
  worker: ConnectWorker;
  health: BackingKeyHealth;
  /** Listener for kms/deletion.ts: the best-effort deletion of backing keys, and its DeleteKey event. */
  onKeyDeleted: DeletionListener;
  /** The DeleteBackingKey fault: a KMS key's backing key deleted from its cluster behind KMS's back. */
  removeBackingKey(caller: Scope, keyIdentifier: string): Promise<RemovedBackingKey>;
}

export function createKeyStoreServices(deps: KeyStoreDeps): KeyStoreServices {
  const health = new BackingKeyHealth(deps);
  const worker = new ConnectWorker(deps, health);
  const port = new ClusterKeyStorePort(deps);
  const backend = new ClusterKeyBackend(deps);
  return {
    stores: new CustomKeyStoreService(deps, worker),
    port,
    backend,
    worker,
    health,
    onKeyDeleted: backingKeyDeletion(port, backend, deps),
    removeBackingKey: (caller, keyIdentifier) => removeBackingKey(deps, caller, keyIdentifier),
  };
}

/**
 * The background work of custom key stores, by name: due connection attempts (each store's its own
 * job), interrupted disconnections, the backing-key health check (one job each, across nodes).
 */
export function keyStoreMaintenanceTasks(s: KeyStoreServices, jobs: Jobs): Array<[name: string, task: MaintenanceTask]> {
  return [
    ['custom key store connections', (run) => s.worker.runDue({ waitForOthers: run.afterClockMove })],
    ['interrupted disconnections', (run) => jobs.run('keystores/disconnects', () => s.worker.finishDisconnects(), { waitForOthers: run.afterClockMove })],
    ['backing-key health check', (run) => jobs.run('keystores/backing-key-health', () => s.health.checkAll(), { waitForOthers: run.afterClockMove })],
  ];
}
