import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { clusterRepositoriesContract } from '../cluster-contract.js';
import { clusterRepositoriesOn } from './cluster-store.js';
import { openDatabase } from './database.js';

clusterRepositoriesContract('sqlite', async () => {
  const db = openDatabase(':memory:');
  return { ...clusterRepositoriesOn(db), close: async () => void db.close() };
});

test('sqlite cluster repositories: a reopened file keeps what was written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-cluster-'));
  try {
    const file = join(dir, 'k.db');
    const first = openDatabase(file);
    await clusterRepositoriesOn(first).subnets.initNetwork({ accountId: '111122223333', region: 'us-east-1' }, () => ({ vpcId: 'vpc-kept', subnets: [] }));
    first.close();
    const second = openDatabase(file);
    const vpc = await clusterRepositoriesOn(second).subnets.initNetwork({ accountId: '111122223333', region: 'us-east-1' }, () => ({ vpcId: 'vpc-new', subnets: [] }));
    assert.equal(vpc, 'vpc-kept');
    second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
