import assert from 'node:assert/strict';
import type { KeyBackendHarness } from '../../src/kms/key-backend-contract.js';
import { KMSUSER_PASSWORD, keyStoreWorld, readyWorld, SCOPE, testCa, type WorldOptions } from './keystore-world.js';

/**
 * The key-backend contract's harness for keys in a custom key store: a CONNECTED store whose
 * cluster's HSMs run `opts.engine` (the software engine unless given), so that a run of the
 * contract over another engine (a PKCS#11 token) is one line.
 */
export async function clusterBackendHarness(opts: WorldOptions = {}): Promise<KeyBackendHarness> {
  const { w, cluster } = await readyWorld(opts);
  const id = await w.ks.stores.create(SCOPE, { name: 'ContractStore', clusterId: cluster.clusterId, trustAnchor: (await testCa()).certificatePem, password: KMSUSER_PASSWORD });
  await w.ks.stores.connect(SCOPE, id);
  assert.equal(await w.settle(id), 'CONNECTED');
  return {
    backend: w.ks.backend,
    scope: SCOPE,
    placement: { customKeyStoreId: id },
    // A second service over the same database: a new engine and nothing opened in memory.
    reopen: async () => (await keyStoreWorld(w.cluster.db, opts)).ks.backend,
    close: () => w.close(),
  };
}
