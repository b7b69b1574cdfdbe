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

/** The background work of custom key stores: due connection attempts, interrupted disconnections, the backing-key health check. */
export function keyStoreMaintenanceTasks(s: KeyStoreServices): Array<() => Promise<unknown>> {
  return [() => s.worker.runDue(), () => s.worker.finishDisconnects(), () => s.health.checkAll()];
}
