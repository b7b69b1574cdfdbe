import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LeasedJobs } from '../../core/leases.js';
import { leaseRepositoryContract } from '../lease-contract.js';
import { openDatabase } from './database.js';
import { leaseStoreOn } from './lease-store.js';

/** Two connections on one file: two processes sharing the data directory. */
leaseRepositoryContract('sqlite', async (now) => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-leases-'));
  const a = openDatabase(join(dir, 'keywarden.db'));
  const b = openDatabase(join(dir, 'keywarden.db'));
  return {
    leases: leaseStoreOn(a, now),
    other: leaseStoreOn(b, now),
    close: async () => {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

async function twoNodes(
  ttlMs: number,
  body: (a: LeasedJobs, b: LeasedJobs, errors: unknown[], file: string) => Promise<void>,
  now?: () => number,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-jobs-'));
  const dbs = [openDatabase(join(dir, 'keywarden.db')), openDatabase(join(dir, 'keywarden.db'))];
  const errors: unknown[] = [];
  const [a, b] = dbs.map((db, i) => new LeasedJobs(leaseStoreOn(db, now), { holder: `node-${i}`, ttlMs, pollMs: 5, onError: (e) => errors.push(e) }));
  try {
    await body(a!, b!, errors, join(dir, 'keywarden.db'));
  } finally {
    for (const db of dbs) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Resolves when `release` is called: a job that runs until the test lets it end. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { done, release };
}

test('leased jobs: a job another node runs is skipped here, and runs here once that node is done', () =>
  twoNodes(10_000, async (a, b) => {
    const g = gate();
    const ran: string[] = [];
    const first = a.run('kms/key-deletion', async () => {
      await g.done;
      ran.push('a');
      return 1;
    });
    // a holds the lease once its claim is written (the claim is the first thing it awaits).
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(await b.run('kms/key-deletion', async () => ran.push('b')), undefined);
    g.release();
    assert.equal(await first, 1);
    assert.equal(await b.run('kms/key-deletion', async () => (ran.push('b'), 2)), 2);
    assert.deepEqual(ran, ['a', 'b']);
  }));

test('leased jobs: after a clock move, a node waits for the job another node runs, then runs it too', () =>
  twoNodes(10_000, async (a, b) => {
    const g = gate();
    const ran: string[] = [];
    const first = a.run('kms/key-deletion', async () => {
      await g.done;
      ran.push('a');
    });
    await new Promise((resolve) => setImmediate(resolve));
    const second = b.run('kms/key-deletion', async () => void ran.push('b'), { waitForOthers: true });
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(ran, [], 'b waits');
    g.release();
    await Promise.all([first, second]);
    assert.deepEqual(ran, ['a', 'b']);
  }));

test('leased jobs: a node that dies holding a job loses it at the expiry, and another finishes the job', async () => {
  // On the test's clock: the lease expires when the test says, however slow the machine is.
  let t = Date.now();
  await twoNodes(
    200,
    async (_a, b, _errors, file) => {
      const db = openDatabase(file);
      try {
        // The dead node: it claimed, and will never renew or release.
        const dead = leaseStoreOn(db, () => t);
        assert.equal(await dead.claim('keystores/connect/cks-1234567890abcdef0', 'node-dead', 200), true);
        t += 199;
        assert.equal(await b.run('keystores/connect/cks-1234567890abcdef0', async () => 'b'), undefined);
        setTimeout(() => (t += 1), 30);
        assert.equal(await b.run('keystores/connect/cks-1234567890abcdef0', async () => 'b', { waitForOthers: true }), 'b');
      } finally {
        db.close();
      }
    },
    () => t,
  );
});

test('leased jobs: a run longer than the lease keeps it by renewing, so no other node takes the job meanwhile', async () => {
  // The store's clock is the test's, so a busy machine cannot stretch the time between renewals
  // past the lease: each round moves the clock by two thirds of the lease, checks that the other
  // node is refused, then waits for a's renewal at the new time. Five rounds are over three leases.
  let t = Date.now();
  const ttlMs = 90;
  await twoNodes(
    ttlMs,
    async (a, b, errors, file) => {
      const db = openDatabase(file);
      const observer = leaseStoreOn(db, () => t);
      try {
        const g = gate();
        const first = a.run('kms/rotation', () => g.done);
        for (let i = 0; i < 5; i++) {
          t += (2 * ttlMs) / 3;
          assert.equal(await b.run('kms/rotation', async () => 'b'), undefined, `after ${i + 1} moves`);
          const renewedBy = Date.now() + 10_000;
          while ((await observer.holder('kms/rotation'))?.expiresAt !== t + ttlMs) {
            assert.ok(Date.now() < renewedBy, `a renewed its lease after ${i + 1} moves`);
            await new Promise((resolve) => setTimeout(resolve, 5));
          }
        }
        g.release();
        await first;
        assert.deepEqual(errors, []);
        assert.equal(await b.run('kms/rotation', async () => 'b'), 'b');
      } finally {
        db.close();
      }
    },
    () => t,
  );
});
