import assert from 'node:assert/strict';
import type { LeaseRepository } from '../core/leases.js';
import { storeCase } from './contract-harness.js';

/**
 * The contract every LeaseRepository implementation keeps. The factory opens an empty store whose
 * leases read time from `now` (the test's), and may hand out a second view of the same store (as
 * another node opens it) through `other`.
 */
export function leaseRepositoryContract(
  name: string,
  open: (now: () => number) => Promise<{ leases: LeaseRepository; other: LeaseRepository; close(): Promise<void> }>,
): void {
  let t = 1_000_000;
  const withStore = storeCase(name, () => open(() => t));

  withStore('a job is held by one node at a time, until it is released', async ({ leases, other }) => {
    assert.equal(await leases.claim('kms/key-deletion', 'node-a', 10_000), true);
    assert.equal(await other.claim('kms/key-deletion', 'node-b', 10_000), false);
    assert.deepEqual(await other.holder('kms/key-deletion'), { holder: 'node-a', expiresAt: t + 10_000 });
    assert.equal(await other.claim('kms/rotation', 'node-b', 10_000), true, 'another job is free');
    await other.release('kms/key-deletion', 'node-b');
    assert.equal((await leases.holder('kms/key-deletion'))?.holder, 'node-a', 'only the holder releases');
    await leases.release('kms/key-deletion', 'node-a');
    assert.equal(await leases.holder('kms/key-deletion'), undefined);
    assert.equal(await other.claim('kms/key-deletion', 'node-b', 10_000), true);
  });

  withStore('a claim by its holder extends it; a renewal keeps it past its first expiry', async ({ leases, other }) => {
    assert.equal(await leases.claim('job', 'node-a', 10_000), true);
    t += 6_000;
    assert.equal(await leases.claim('job', 'node-a', 10_000), true);
    assert.equal((await other.holder('job'))?.expiresAt, t + 10_000);
    t += 6_000;
    assert.equal(await leases.renew('job', 'node-a', 10_000), true);
    t += 6_000;
    assert.equal(await other.claim('job', 'node-b', 10_000), false, 'renewed 6 s ago for 10 s');
    assert.equal(await other.renew('job', 'node-b', 10_000), false, 'only the holder renews');
  });

  withStore('a node that stops renewing loses the job at the expiry, to the next node that claims it', async ({ leases, other }) => {
    assert.equal(await leases.claim('keystores/connect/cks-1234567890abcdef0', 'node-a', 10_000), true);
    t += 9_999;
    assert.equal(await other.claim('keystores/connect/cks-1234567890abcdef0', 'node-b', 10_000), false);
    t += 1;
    assert.equal(await other.holder('keystores/connect/cks-1234567890abcdef0'), undefined, 'expired: held by no one');
    assert.equal(await other.claim('keystores/connect/cks-1234567890abcdef0', 'node-b', 10_000), true);
    assert.equal(await leases.renew('keystores/connect/cks-1234567890abcdef0', 'node-a', 10_000), false, 'the old holder learns it lost the job');
    await leases.release('keystores/connect/cks-1234567890abcdef0', 'node-a');
    assert.equal((await leases.holder('keystores/connect/cks-1234567890abcdef0'))?.holder, 'node-b');
  });

  withStore('of many nodes claiming a free job at once, exactly one gets it', async ({ leases, other }) => {
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? other : leases).claim('cluster/maintenance', `node-${i}`, 10_000)),
    );
    assert.equal(claims.filter(Boolean).length, 1);
  });
}
