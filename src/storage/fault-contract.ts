import assert from 'node:assert/strict';
import type { FaultRepository } from '../cluster/faults.js';
import { storeCase } from './contract-harness.js';

/** The contract every FaultRepository implementation keeps. */
export function faultRepositoryContract(name: string, open: () => Promise<{ faults: FaultRepository; close(): Promise<void> }>): void {
  storeCase(name, open)('faults are kept by kind and target, replaced, and removed exactly once', async ({ faults }) => {
    await faults.put({ kind: 'NETWORK_CUT', target: 'cluster-abcdefghijk', createdAt: 1 });
    await faults.put({ kind: 'SESSION_LIMIT', target: 'cluster-abcdefghijk', sessionsPerHsm: 3, createdAt: 2 });
    await faults.put({ kind: 'SESSION_LIMIT', target: 'cluster-abcdefghijk', sessionsPerHsm: 1, createdAt: 3 });
    const listed = await faults.list();
    assert.equal(listed.length, 2);
    assert.equal(listed.find((f) => f.kind === 'SESSION_LIMIT')?.sessionsPerHsm, 1);
    assert.equal(await faults.remove('NETWORK_CUT', 'cluster-abcdefghijk'), true);
    assert.equal(await faults.remove('NETWORK_CUT', 'cluster-abcdefghijk'), false);
    assert.deepEqual((await faults.list()).map((f) => f.kind), ['SESSION_LIMIT']);
  });
}
