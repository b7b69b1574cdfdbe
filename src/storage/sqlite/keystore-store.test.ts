import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { faultRepositoryContract } from '../fault-contract.js';
import { keyStoreRepositoryContract } from '../keystore-contract.js';
import { openDatabase } from './database.js';
import { faultStoreOn } from './fault-store.js';
import { keyStoreStoreOn } from './keystore-store.js';

keyStoreRepositoryContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return { stores: keyStoreStoreOn(db), close: async () => void db.close() };
});

faultRepositoryContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return { faults: faultStoreOn(db), close: async () => void db.close() };
});

test('sqlite key stores and faults survive reopening the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-cks-'));
  try {
    const file = join(dir, 'k.db');
    const first = openDatabase(file);
    await keyStoreStoreOn(first).insert(
      {
        accountId: '111122223333',
        region: 'us-east-1',
        customKeyStoreId: 'cks-1234567890abcdef0',
        name: 'ExampleKeyStore',
        type: 'AWS_CLOUDHSM',
        clusterId: 'cluster-abcdefghijk',
        lineageId: 'cluster-abcdefghijk',
        trustAnchor: 'pem',
        sealedPassword: 'c2VhbGVk',
        connectionState: 'CONNECTED',
        createdAt: 1,
        attempt: 1,
      },
      10,
    );
    await faultStoreOn(first).put({ kind: 'NETWORK_CUT', target: 'cluster-abcdefghijk', createdAt: 1 });
    first.close();
    const second = openDatabase(file);
    assert.equal((await keyStoreStoreOn(second).get({ accountId: '111122223333', region: 'us-east-1' }, 'cks-1234567890abcdef0'))?.connectionState, 'CONNECTED');
    assert.equal((await faultStoreOn(second).list()).length, 1);
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
