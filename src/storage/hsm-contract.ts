import assert from 'node:assert/strict';
import type { ClusterContent, HsmSession } from '../cluster/model.js';
import type { ContentRepository, SessionRepository } from '../cluster/repository.js';
import { storeCase } from './contract-harness.js';

export interface OpenedHsmStore {
  contents: ContentRepository;
  sessions: SessionRepository;
  close(): Promise<void>;
}

/**
 * The contract every implementation of the cluster's ContentRepository and SessionRepository
 * keeps. Each implementation's test file calls this with a factory for an empty store.
 */
export function hsmStoreContract(name: string, open: () => Promise<OpenedHsmStore>): void {
  const content = (extra: Partial<ClusterContent> = {}): ClusterContent => ({
    users: [{ userId: 1, username: 'admin', role: 'admin', passwordHash: 'scrypt$a$b', failedLogins: 0, locked: false }],
    keys: [],
    nextHandle: 262145,
    ...extra,
  });
  const session = (sessionId: string, clusterId: string, openedAt: number, extra: Partial<HsmSession> = {}): HsmSession => ({
    sessionId,
    clusterId,
    username: 'kmsuser',
    role: 'crypto-user',
    client: 'cli',
    openedAt,
    ...extra,
  });

  const withStore = storeCase(name, open);

  withStore('contents: put replaces, get returns a copy, remove forgets', async ({ contents }) => {
    assert.equal(await contents.get('cluster-a'), undefined);
    await contents.put('cluster-a', content());
    await contents.put('cluster-b', content({ nextHandle: 7 }));
    await contents.put('cluster-a', content({ nextHandle: 9 }));
    const a = await contents.get('cluster-a');
    assert.equal(a?.nextHandle, 9);
    // What get returned cannot change the stored document: the change stays in a copy, or fails on a
    // frozen document that callers share (a cache in front of the store).
    try {
      a!.nextHandle = 100;
    } catch (err) {
      assert.ok(err instanceof TypeError, String(err));
    }
    assert.equal((await contents.get('cluster-a'))?.nextHandle, 9, 'a returned document is not the stored one');
    assert.equal((await contents.get('cluster-b'))?.nextHandle, 7);
    await contents.remove('cluster-a');
    assert.equal(await contents.get('cluster-a'), undefined);
    assert.equal((await contents.get('cluster-b'))?.nextHandle, 7);
  });

  withStore('contents: update is atomic; a throwing change writes nothing; absent content is not created', async ({ contents }) => {
    assert.equal(await contents.update('cluster-x', (c) => c), undefined);
    assert.equal(await contents.get('cluster-x'), undefined);
    await contents.put('cluster-x', content());
    const next = await contents.update('cluster-x', (c) => ({ ...c, nextHandle: c.nextHandle + 1 }));
    assert.equal(next?.nextHandle, 262146);
    await assert.rejects(
      contents.update('cluster-x', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal((await contents.get('cluster-x'))?.nextHandle, 262146);
  });

  withStore('contents: concurrent updates each see the previous one', async ({ contents }) => {
    await contents.put('cluster-c', content({ nextHandle: 0 }));
    await Promise.all(Array.from({ length: 20 }, () => contents.update('cluster-c', (c) => ({ ...c, nextHandle: c.nextHandle + 1 }))));
    assert.equal((await contents.get('cluster-c'))?.nextHandle, 20);
  });

  withStore('sessions: open, get, list per cluster in opening order, close one or all', async ({ sessions }) => {
    await sessions.open(session('s2', 'cluster-a', 20));
    await sessions.open(session('s1', 'cluster-a', 10, { client: 'kms' }));
    await sessions.open(session('s3', 'cluster-b', 5, { username: 'admin', role: 'admin' }));
    assert.deepEqual(await sessions.get('s1'), session('s1', 'cluster-a', 10, { client: 'kms' }));
    assert.equal(await sessions.get('nope'), undefined);
    assert.deepEqual((await sessions.list('cluster-a')).map((s) => s.sessionId), ['s1', 's2']);
    assert.equal(await sessions.close('s1'), true);
    assert.equal(await sessions.close('s1'), false);
    assert.deepEqual((await sessions.list('cluster-a')).map((s) => s.sessionId), ['s2']);
    await sessions.open(session('s4', 'cluster-a', 30));
    assert.equal(await sessions.closeAll('cluster-a'), 2);
    assert.deepEqual(await sessions.list('cluster-a'), []);
    assert.equal((await sessions.list('cluster-b')).length, 1);
  });

  withStore('sessions: a session id is unique', async ({ sessions }) => {
    await sessions.open(session('dup', 'cluster-a', 1));
    await assert.rejects(sessions.open(session('dup', 'cluster-b', 2)));
    assert.equal((await sessions.get('dup'))?.clusterId, 'cluster-a');
  });
}
