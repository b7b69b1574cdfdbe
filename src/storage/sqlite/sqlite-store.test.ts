import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { kmsStoreContract } from '../contract.js';
import { openDatabase } from './database.js';
import { migrate } from './schema.js';
import { KMS_MIGRATIONS, kmsStoreOn, openSqliteStore } from './sqlite-store.js';

kmsStoreContract('sqlite', async () => openSqliteStore(':memory:'));

test('sqlite: a reopened file keeps what was written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'keywarden-sqlite-'));
  try {
    const file = join(dir, 'k.db');
    const first = openSqliteStore(file);
    await first.settings.set('x', 'kept');
    await first.close();
    const second = openSqliteStore(file);
    assert.equal(await second.settings.get('x'), 'kept');
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sqlite: the custom key store column is filled in for keys written before it existed', async () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, 'kms', KMS_MIGRATIONS.slice(0, 1));
    const doc = { keyId: 'k1', accountId: '111122223333', region: 'us-east-1', customKeyStoreId: 'cks-1234567890abcdef0', state: 'Enabled' };
    db.prepare('INSERT INTO keys (key_id, account_id, region, doc) VALUES (?, ?, ?, ?)').run('k1', doc.accountId, doc.region, JSON.stringify(doc));
    const store = kmsStoreOn(db);
    assert.deepEqual((await store.keys.inCustomKeyStore('cks-1234567890abcdef0')).map((k) => k.keyId), ['k1']);
  } finally {
    db.close();
  }
});

test('sqlite: a data directory from before grants gains the grants table, and its keys keep working', async () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, 'kms', KMS_MIGRATIONS.slice(0, 2));
    const doc = { keyId: 'k1', accountId: '111122223333', region: 'us-east-1', state: 'Enabled' };
    db.prepare('INSERT INTO keys (key_id, account_id, region, doc) VALUES (?, ?, ?, ?)').run('k1', doc.accountId, doc.region, JSON.stringify(doc));
    const store = kmsStoreOn(db);
    const grant = {
      accountId: doc.accountId,
      region: doc.region,
      grantId: 'ab'.repeat(32),
      keyId: 'k1',
      granteePrincipal: 'arn:aws:iam::111122223333:role/app',
      issuingAccount: 'arn:aws:iam::111122223333:root',
      operations: ['Decrypt' as const],
      createdAt: 1,
    };
    assert.equal((await store.grants.insert(grant, 10, () => false)).outcome, 'created');
    assert.deepEqual(await store.grants.get(grant.grantId), grant);
    const version = db.prepare<[], { version: number }>("SELECT version FROM schema_migrations WHERE part = 'kms'").get();
    assert.equal(version?.version, KMS_MIGRATIONS.length);
  } finally {
    db.close();
  }
});
