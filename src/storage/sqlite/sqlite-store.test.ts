import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { KeyRecord } from '../../kms/key.js';
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

test('sqlite: a data directory from before multi-Region keys keeps its keys and aliases, and takes one id in two Regions', async () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, 'kms', KMS_MIGRATIONS.slice(0, 4));
    const doc = { keyId: 'k1', accountId: '111122223333', region: 'us-east-1', state: 'PendingDeletion', deletionDate: 5, rotation: { enabled: false } };
    db.prepare('INSERT INTO keys (key_id, account_id, region, deletion_at, doc) VALUES (?, ?, ?, ?, ?)').run('k1', doc.accountId, doc.region, 5, JSON.stringify(doc));
    db.prepare("INSERT INTO aliases (account_id, region, alias_name, key_id, created_at, updated_at) VALUES (?, ?, 'alias/a', 'k1', 1, 1)").run(doc.accountId, doc.region);
    const store = kmsStoreOn(db);
    assert.equal((await store.keys.get(doc, 'k1'))?.state, 'PendingDeletion');
    assert.deepEqual((await store.keys.dueForDeletion(5)).map((k) => k.keyId), ['k1']);
    assert.equal((await store.aliases.get(doc, 'alias/a'))?.targetKeyId, 'k1');
    await store.keys.insert({ ...(doc as unknown as KeyRecord), region: 'eu-west-1' });
    assert.deepEqual((await store.keys.related(doc.accountId, 'k1')).map((k) => k.region), ['eu-west-1', 'us-east-1']);
    const version = db.prepare<[], { version: number }>("SELECT version FROM schema_migrations WHERE part = 'kms'").get();
    assert.equal(version?.version, KMS_MIGRATIONS.length);
  } finally {
    db.close();
  }
});
