import type { CustomKeyStorePort, CustomKeyStoreStatus } from '../kms/custom-key-store-port.js';
import { link, refusal } from './cluster-link.js';
import type { KeyStoreDeps } from './context.js';
import type { Scope } from './model.js';

/** Custom key stores as the KMS domain sees them apart from their keys: status, and random bytes from the cluster. */
export class ClusterKeyStorePort implements CustomKeyStorePort {
  constructor(private readonly deps: KeyStoreDeps) {}

  async status(scope: Scope, customKeyStoreId: string): Promise<CustomKeyStoreStatus | undefined> {
    const store = await this.deps.stores.get(scope, customKeyStoreId);
    return store && { customKeyStoreId, connectionState: store.connectionState, clusterId: store.clusterId };
  }

  async random(scope: Scope, customKeyStoreId: string, numberOfBytes: number): Promise<Buffer> {
    const { store, sessionId } = await link(this.deps, scope, customKeyStoreId, 'random');
    try {
      return await this.deps.hsm.crypto.random(scope, store.clusterId, sessionId, numberOfBytes);
    } catch (err) {
      throw refusal(err, store, 'random');
    }
  }
}
