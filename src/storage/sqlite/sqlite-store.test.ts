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

test('sqlite: a key imported into before materials were kept one by one keeps its expiration, on its material, and its expiry date', async () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, 'kms', KMS_MIGRATIONS.slice(0, 4));
    const material = { version: 1, materialId: 'ab'.repeat(32), wrapped: 'AAAA', createdAt: 1 };
    const scope = { accountId: '111122223333', region: 'us-east-1' };
    const expiring = { ...scope, keyId: 'k1', origin: 'EXTERNAL', state: 'Enabled', rotation: { enabled: false }, materials: [material], imported: { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: 5_000 } };
    const deleted = { ...scope, keyId: 'k2', origin: 'EXTERNAL', state: 'PendingImport', rotation: { enabled: false }, materials: [{ ...material, wrapped: '' }] };
    const insert = db.prepare('INSERT INTO keys (key_id, account_id, region, material_expires_at, doc) VALUES (?, ?, ?, ?, ?)');
    insert.run('k1', scope.accountId, scope.region, 5_000, JSON.stringify(expiring));
    insert.run('k2', scope.accountId, scope.region, null, JSON.stringify(deleted));
    const store = kmsStoreOn(db);
    const k1 = await store.keys.get(scope, 'k1');
    assert.deepEqual(k1?.materials[0]?.imported, { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: 5_000 });
    assert.equal('imported' in k1!, false);
    assert.equal((await store.keys.get(scope, 'k2'))?.materials[0]?.imported, undefined);
    assert.deepEqual((await store.keys.dueForMaterialExpiry(5_000)).map((k) => k.keyId), ['k1']);
    // Written again by the store, the key is found by its material's ValidTo.
    await store.keys.update(scope, 'k1', (k) => ({ ...k, description: 'touched' }));
    assert.deepEqual((await store.keys.dueForMaterialExpiry(5_000)).map((k) => k.keyId), ['k1']);
  } finally {
    db.close();
  }
});

test('sqlite: a data directory from before multi-Region keys keeps its keys and aliases, and takes one id in two Regions', async () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, 'kms', KMS_MIGRATIONS.slice(0, 4));
    const doc = { keyId: 'k1', accountId: '111122223333', region: 'us-east-1', state: 'PendingDeletion', deletionDate: 5, rotation: { enabled: false }, materials: [] };
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
