import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CustomKeyStoreRecord } from '../../keystores/model.js';
import { keysByState, keyStoresByState } from '../../kms/key-census.js';
import type { KeyRecord } from '../../kms/key.js';
import { storedKey } from '../contract.js';
import { censusOn } from './census.js';
import { openDatabase } from './database.js';
import { keyStoreStoreOn } from './keystore-store.js';
import { kmsStoreOn } from './sqlite-store.js';

const A = { accountId: '111122223333', region: 'us-east-1' };
const B = { accountId: '444455556666', region: 'eu-west-1' };

const key = (scope: typeof A, keyId: string, extra: Partial<KeyRecord> = {}): KeyRecord => storedKey(scope, keyId, { materials: [], ...extra });

const store = (id: string, connectionState: CustomKeyStoreRecord['connectionState']): CustomKeyStoreRecord => ({
  ...A,
  customKeyStoreId: id,
  name: id,
  type: 'AWS_CLOUDHSM',
  clusterId: 'cluster-abcdefghijk',
  lineageId: 'cluster-abcdefghijk',
  trustAnchor: '',
  sealedPassword: '',
  connectionState,
  createdAt: 1_000,
  attempt: 0,
});

test('the census counts keys of every account by the state callers see, and key stores by connection state', async () => {
  const db = openDatabase(':memory:');
  const kms = kmsStoreOn(db);
  const stores = keyStoreStoreOn(db);
  const up = 'cks-00000000000000001';
  const down = 'cks-00000000000000002';
  await stores.insert(store(up, 'CONNECTED'), 10);
  await stores.insert(store(down, 'FAILED'), 10);
  await kms.keys.insert(key(A, 'k1'));
  await kms.keys.insert(key(B, 'k2', { state: 'Disabled' }));
  await kms.keys.insert(key(A, 'k3', { origin: 'AWS_CLOUDHSM', customKeyStoreId: up, backingKey: { backingKeyId: 'aa', keyHandle: 1 } }));
  await kms.keys.insert(key(A, 'k4', { origin: 'AWS_CLOUDHSM', customKeyStoreId: up, backingKey: { backingKeyId: 'bb', keyHandle: 2, missing: true } }));
  await kms.keys.insert(key(A, 'k5', { origin: 'AWS_CLOUDHSM', customKeyStoreId: down }));
  await kms.keys.insert(key(A, 'k6', { origin: 'AWS_CLOUDHSM', customKeyStoreId: down, state: 'PendingDeletion', deletionDate: 9 }));

  const census = censusOn(db);
  const keys = keysByState(await census.keyStateGroups());
  assert.equal(keys.Enabled, 2, 'k1 and k3');
  assert.equal(keys.Disabled, 1);
  assert.equal(keys.Unavailable, 2, 'k4 (backing key missing) and k5 (store FAILED)');
  assert.equal(keys.PendingDeletion, 1);
  assert.equal(Object.values(keys).reduce((a, b) => a + b), 6);
  assert.deepEqual(keyStoresByState(await census.keyStoreStates()), { CONNECTED: 1, CONNECTING: 0, FAILED: 1, DISCONNECTED: 0, DISCONNECTING: 0 });
  db.close();
});
