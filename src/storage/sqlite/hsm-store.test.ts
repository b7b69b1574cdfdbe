import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hsmStoreContract } from '../hsm-contract.js';
import { openDatabase } from './database.js';
import { hsmStoreOn } from './hsm-store.js';

hsmStoreContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return { ...hsmStoreOn(db), close: async () => void db.close() };
});

test('sqlite hsm store: contents and sessions survive reopening the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-hsm-'));
  try {
    const file = join(dir, 'k.db');
    const first = openDatabase(file);
    const a = hsmStoreOn(first);
    await a.contents.put('cluster-a', { users: [], keys: [], nextHandle: 5 });
    await a.sessions.open({ sessionId: 's', clusterId: 'cluster-a', username: 'kmsuser', role: 'crypto-user', client: 'kms', openedAt: 1 });
    first.close();
    const second = openDatabase(file);
    const b = hsmStoreOn(second);
    assert.equal((await b.contents.get('cluster-a'))?.nextHandle, 5);
    assert.equal((await b.sessions.get('s'))?.client, 'kms');
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
