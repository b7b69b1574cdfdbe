import assert from 'node:assert/strict';
import type { KeyRecord, Scope } from '../kms/key.js';
import type { GrantRecord, KmsStore } from '../kms/repository.js';
import { storeCase } from './contract-harness.js';

/** A stored key record of the simplest kind, enabled and symmetric, for the storage tests. */
export const storedKey = (scope: Scope, keyId: string, extra: Partial<KeyRecord> = {}): KeyRecord => ({
  ...scope,
  keyId,
  createdAt: 1_000,
  description: '',
  keyUsage: 'ENCRYPT_DECRYPT',
  keySpec: 'SYMMETRIC_DEFAULT',
  origin: 'AWS_KMS',
  state: 'Enabled',
  policy: '{}',
  tags: [],
  rotation: { enabled: false },
  materials: [{ version: 1, materialId: 'ab'.repeat(32), wrapped: 'AAAA', createdAt: 1_000 }],
  ...extra,
});

/**
 * The contract every KmsStore implementation keeps. Each implementation's test file calls this
 * with a factory for an empty store.
 */
export function kmsStoreContract(name: string, open: () => Promise<KmsStore>): void {
  const key = storedKey;
  const A: Scope = { accountId: '111122223333', region: 'us-east-1' };
  const B: Scope = { accountId: '444455556666', region: 'us-east-1' };
  const WEST: Scope = { accountId: '111122223333', region: 'us-west-2' };

  const grant = (scope: Scope, keyId: string, n: number, extra: Partial<GrantRecord> = {}): GrantRecord => ({
    ...scope,
    grantId: n.toString(16).padStart(64, '0'),
    keyId,
    granteePrincipal: 'arn:aws:iam::111122223333:role/app',
    issuingAccount: `arn:aws:iam::${scope.accountId}:root`,
    operations: ['Encrypt'],
    createdAt: n,
    ...extra,
  });
  const never = () => false;
  const ids = (grants: GrantRecord[]) => grants.map((g) => g.createdAt);

  const withStore = storeCase(name, open);

  withStore('keys are scoped to account and region, and found by id in any account of a Region', async (s) => {
    await s.keys.insert(key(A, 'k1', { description: 'first' }));
    assert.equal((await s.keys.get(A, 'k1'))?.description, 'first');
    assert.equal(await s.keys.get(B, 'k1'), undefined);
    assert.equal(await s.keys.get(WEST, 'k1'), undefined);
    assert.equal((await s.keys.findById('k1', A.region))?.accountId, A.accountId);
    assert.equal(await s.keys.findById('k1', WEST.region), undefined);
    assert.equal(await s.keys.findById('nope', A.region), undefined);
  });

  withStore('related keys: one id in several Regions, each its own key, changed together or not at all', async (s) => {
    const place = (primaryRegion: string, replicaRegions: string[]) => ({ multiRegion: { primaryRegion, replicaRegions } });
    await s.keys.insert(key(A, 'mrk-1', { description: 'primary', ...place(A.region, []) }));
    await s.keys.insert(key(A, 'k2'));
    const after = await s.keys.updateRelated(A.accountId, 'mrk-1', (keys) => {
      assert.deepEqual(keys.map((k) => k.region), [A.region]);
      const primary = { ...keys[0]!, ...place(A.region, [WEST.region]) };
      return { put: [primary, { ...primary, region: WEST.region, description: 'replica' }] };
    });
    assert.deepEqual(after.map((k) => [k.region, k.description]), [[A.region, 'primary'], [WEST.region, 'replica']]);
    assert.equal((await s.keys.get(WEST, 'mrk-1'))?.description, 'replica');
    assert.equal((await s.keys.findById('mrk-1', WEST.region))?.region, WEST.region);
    assert.deepEqual((await s.keys.get(A, 'mrk-1'))?.multiRegion, { primaryRegion: A.region, replicaRegions: [WEST.region] });
    assert.deepEqual((await s.keys.listIds(WEST, 10)).items, ['mrk-1']);
    // A throwing change writes nothing, in any Region.
    await assert.rejects(
      s.keys.updateRelated(A.accountId, 'mrk-1', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    await s.aliases.insert({ ...WEST, aliasName: 'alias/west', targetKeyId: 'mrk-1', createdAt: 1, updatedAt: 1 });
    await s.aliases.insert({ ...A, aliasName: 'alias/east', targetKeyId: 'mrk-1', createdAt: 1, updatedAt: 1 });
    await s.grants.insert(grant(WEST, 'mrk-1', 1), 10, never);
    await s.grants.insert(grant(A, 'mrk-1', 2), 10, never);
    assert.deepEqual(ids((await s.grants.listForKey(WEST, 'mrk-1', 10)).items), [1]);
    assert.deepEqual(ids(await s.grants.forGrantee(A, 'mrk-1', 'arn:aws:iam::111122223333:role/app')), [2]);
    // Removing one Region's key takes its aliases and grants, not the other Region's.
    const left = await s.keys.updateRelated(A.accountId, 'mrk-1', (keys) => ({ put: [{ ...keys[0]!, ...place(A.region, []) }], remove: [WEST.region] }));
    assert.deepEqual(left.map((k) => k.region), [A.region]);
    assert.equal(await s.keys.get(WEST, 'mrk-1'), undefined);
    assert.equal(await s.keys.findById('mrk-1', WEST.region), undefined);
    assert.deepEqual((await s.aliases.list(WEST, 10)).items, []);
    assert.deepEqual((await s.aliases.list(A, 10)).items.map((a) => a.aliasName), ['alias/east']);
    assert.deepEqual((await s.grants.listForKey(WEST, 'mrk-1', 10)).items, []);
    assert.deepEqual(ids((await s.grants.listForKey(A, 'mrk-1', 10)).items), [2]);
    await assert.rejects(s.keys.updateRelated(A.accountId, 'mrk-1', (keys) => ({ put: [{ ...keys[0]!, keyId: 'k2' }] })), /may only write keys mrk-1/);
    assert.deepEqual(await s.keys.related(B.accountId, 'mrk-1'), []);
  });

  withStore('update is atomic: a throwing change writes nothing', async (s) => {
    await s.keys.insert(key(A, 'k1'));
    const updated = await s.keys.update(A, 'k1', (k) => ({ ...k, state: 'Disabled' }));
    assert.equal(updated?.state, 'Disabled');
    await assert.rejects(
      s.keys.update(A, 'k1', () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal((await s.keys.get(A, 'k1'))?.state, 'Disabled');
    assert.equal(await s.keys.update(B, 'k1', (k) => k), undefined);
  });

  withStore('update: concurrent changes of one key each see the one before', async (s) => {
    await s.keys.insert(key(A, 'k1', { description: '' }));
    await Promise.all(Array.from({ length: 20 }, () => s.keys.update(A, 'k1', (k) => ({ ...k, description: k.description + 'x' }))));
    assert.equal((await s.keys.get(A, 'k1'))?.description, 'x'.repeat(20));
  });

  withStore('list pages in a stable order within one scope', async (s) => {
    for (const id of ['k3', 'k1', 'k2', 'k4']) await s.keys.insert(key(A, id));
    await s.keys.insert(key(B, 'k0'));
    const first = await s.keys.listIds(A, 3);
    assert.deepEqual(first.items, ['k1', 'k2', 'k3']);
    assert.ok(first.next);
    const second = await s.keys.listIds(A, 3, first.next);
    assert.deepEqual(second.items, ['k4']);
    assert.equal(second.next, undefined);
  });

  withStore('due deletions and rotations are found across scopes', async (s) => {
    await s.keys.insert(key(A, 'due', { state: 'PendingDeletion', deletionDate: 5_000 }));
    await s.keys.insert(key(B, 'later', { state: 'PendingDeletion', deletionDate: 9_000 }));
    await s.keys.insert(key(A, 'rot', { rotation: { enabled: true, periodDays: 90, nextRotationAt: 4_000 } }));
    // A replica's schedule is its primary's: only the primary is due.
    const rotation = { enabled: true, periodDays: 90, nextRotationAt: 4_000 };
    await s.keys.insert(key(WEST, 'mrk-2', { rotation, multiRegion: { primaryRegion: A.region, replicaRegions: [WEST.region] } }));
    assert.deepEqual((await s.keys.dueForDeletion(5_000)).map((k) => k.keyId), ['due']);
    assert.deepEqual((await s.keys.dueForDeletion(10_000)).map((k) => k.keyId).sort(), ['due', 'later']);
    assert.deepEqual((await s.keys.dueForRotation(4_000)).map((k) => k.keyId), ['rot']);
    await s.keys.update(A, 'rot', (k) => ({ ...k, rotation: { enabled: false } }));
    assert.deepEqual(await s.keys.dueForRotation(10_000), []);
  });

  withStore('imported material due to expire is found across scopes by its earliest ValidTo, pending material included, and no longer once deleted', async (s) => {
    const material = (version: number, validTo?: number): KeyRecord['materials'][number] => ({
      version,
      materialId: String(version).repeat(64),
      wrapped: 'AAAA',
      createdAt: 1_000,
      imported: validTo === undefined ? { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } : { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo },
    });
    await s.keys.insert(key(A, 'exp', { origin: 'EXTERNAL', materials: [material(1, 7_000), material(2, 5_000)] }));
    await s.keys.insert(key(B, 'later', { origin: 'EXTERNAL', materials: [material(1, 9_000)] }));
    await s.keys.insert(key(A, 'pending', { origin: 'EXTERNAL', materials: [material(1)], pendingMaterial: material(2, 6_000) }));
    await s.keys.insert(key(A, 'forever', { origin: 'EXTERNAL', materials: [material(1)] }));
    assert.deepEqual((await s.keys.dueForMaterialExpiry(4_999)).map((k) => k.keyId), []);
    assert.deepEqual((await s.keys.dueForMaterialExpiry(5_000)).map((k) => k.keyId), ['exp']);
    assert.deepEqual((await s.keys.dueForMaterialExpiry(6_000)).map((k) => k.keyId).sort(), ['exp', 'pending']);
    await s.keys.update(A, 'exp', (k) => ({ ...k, state: 'PendingImport', materials: k.materials.map(({ imported: _i, ...m }) => ({ ...m, wrapped: '' })) }));
    await s.keys.update(A, 'pending', ({ pendingMaterial: _p, ...k }) => k);
    assert.deepEqual((await s.keys.dueForMaterialExpiry(10_000)).map((k) => k.keyId), ['later']);
  });

  withStore('aliases: unique per scope, retarget, list by key, removed with their key (once, if the check allows)', async (s) => {
    await s.keys.insert(key(A, 'k1'));
    await s.keys.insert(key(A, 'k2'));
    const alias = { ...A, aliasName: 'alias/x', targetKeyId: 'k1', createdAt: 1, updatedAt: 1 };
    assert.equal(await s.aliases.insert(alias), true);
    assert.equal(await s.aliases.insert({ ...alias, targetKeyId: 'k2' }), false);
    assert.equal(await s.aliases.insert({ ...alias, ...B }), true);
    assert.equal(await s.aliases.insert({ ...alias, aliasName: 'alias/y', targetKeyId: 'k2' }), true);
    assert.equal(await s.aliases.retarget(A, 'alias/x', 'k2', 7), true);
    assert.equal((await s.aliases.get(A, 'alias/x'))?.updatedAt, 7);
    assert.deepEqual((await s.aliases.list(A, 10, undefined, 'k2')).items.map((a) => a.aliasName), ['alias/x', 'alias/y']);
    assert.equal(await s.keys.remove(A, 'k2', (k) => k.state === 'PendingDeletion'), undefined, 'the check refused');
    assert.equal((await s.aliases.list(A, 10, undefined, 'k2')).items.length, 2);
    assert.equal((await s.keys.remove(A, 'k2'))?.keyId, 'k2');
    assert.equal(await s.keys.remove(A, 'k2'), undefined);
    assert.equal(await s.keys.get(A, 'k2'), undefined);
    assert.deepEqual((await s.aliases.list(A, 10)).items, []);
    assert.equal((await s.aliases.list(B, 10)).items.length, 1);
    assert.equal(await s.aliases.remove(A, 'alias/x'), false);
  });

  withStore('keys of a custom key store are found by the store id, in any state and across scopes', async (s) => {
    await s.keys.insert(key(A, 'k1', { origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-1234567890abcdef0', materials: [] }));
    await s.keys.insert(key(A, 'k2', { origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-1234567890abcdef0', state: 'PendingDeletion', deletionDate: 9 }));
    await s.keys.insert(key(B, 'k3', { origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-00000000000000000' }));
    await s.keys.insert(key(A, 'k4'));
    assert.deepEqual((await s.keys.inCustomKeyStore('cks-1234567890abcdef0')).map((k) => k.keyId), ['k1', 'k2']);
    await s.keys.update(A, 'k1', (k) => ({ ...k, backingKey: { backingKeyId: 'ab', keyHandle: 7, missing: true } }));
    assert.equal((await s.keys.inCustomKeyStore('cks-1234567890abcdef0'))[0]?.backingKey?.missing, true);
    await s.keys.remove(A, 'k2');
    assert.deepEqual((await s.keys.inCustomKeyStore('cks-1234567890abcdef0')).map((k) => k.keyId), ['k1']);
    assert.deepEqual(await s.keys.inCustomKeyStore('cks-ffffffffffffffff0'), []);
  });


  withStore('grants: created on an existing key only, found by id, listed per key in creation order and paged', async (s) => {
    await s.keys.insert(key(A, 'k1'));
    await s.keys.insert(key(A, 'k2'));
    assert.deepEqual(await s.grants.insert(grant(A, 'gone', 1), 10, never), { outcome: 'noKey' });
    for (const n of [5, 3, 4]) assert.equal((await s.grants.insert(grant(A, 'k1', n), 10, never)).outcome, 'created');
    await s.grants.insert(grant(A, 'k2', 9), 10, never);
    assert.equal((await s.grants.get(grant(A, 'k1', 3).grantId))?.keyId, 'k1');
    assert.equal(await s.grants.get(grant(A, 'k1', 1).grantId), undefined);
    const first = await s.grants.listForKey(A, 'k1', 2);
    assert.deepEqual(ids(first.items), [5, 3]);
    assert.ok(first.next);
    const second = await s.grants.listForKey(A, 'k1', 2, first.next);
    assert.deepEqual(ids(second.items), [4]);
    assert.equal(second.next, undefined);
  });

  withStore('grants: filtered by grant id or grantee; a named grant for which `same` holds is returned, not added', async (s) => {
    await s.keys.insert(key(A, 'k1'));
    await s.grants.insert(grant(A, 'k1', 1, { name: 'n' }), 10, never);
    await s.grants.insert(grant(A, 'k1', 2, { granteePrincipal: 'arn:aws:iam::111122223333:user/bob' }), 10, never);
    assert.deepEqual(ids((await s.grants.listForKey(A, 'k1', 10, undefined, { grantId: grant(A, 'k1', 2).grantId })).items), [2]);
    assert.deepEqual(ids((await s.grants.listForKey(A, 'k1', 10, undefined, { granteePrincipal: 'arn:aws:iam::111122223333:user/bob' })).items), [2]);
    const both = { grantId: grant(A, 'k1', 2).grantId, granteePrincipal: 'arn:aws:iam::111122223333:role/app' };
    assert.deepEqual((await s.grants.listForKey(A, 'k1', 10, undefined, both)).items, []);
    assert.deepEqual(ids(await s.grants.forGrantee(A, 'k1', 'arn:aws:iam::111122223333:role/app')), [1]);
    const again = await s.grants.insert(grant(A, 'k1', 3, { name: 'n' }), 10, (g) => g.createdAt === 1);
    assert.equal(again.outcome, 'existing');
    assert.equal(again.outcome === 'existing' && again.grant.grantId, grant(A, 'k1', 1).grantId);
    assert.equal((await s.grants.insert(grant(A, 'k1', 4, { name: 'n' }), 10, never)).outcome, 'created', 'same name, other terms');
    assert.deepEqual(ids((await s.grants.listForKey(A, 'k1', 10)).items), [1, 2, 4]);
  });

  withStore('grants: a key holds at most `limit`; removed one by one and all with their key', async (s) => {
    await s.keys.insert(key(A, 'k1'));
    await s.keys.insert(key(A, 'k2'));
    await s.grants.insert(grant(A, 'k1', 1), 2, never);
    await s.grants.insert(grant(A, 'k1', 2), 2, never);
    assert.deepEqual(await s.grants.insert(grant(A, 'k1', 3), 2, never), { outcome: 'limit' });
    assert.equal((await s.grants.insert(grant(A, 'k2', 4), 2, never)).outcome, 'created');
    assert.equal(await s.grants.remove(grant(A, 'k1', 1).grantId), true);
    assert.equal(await s.grants.remove(grant(A, 'k1', 1).grantId), false);
    assert.equal((await s.grants.insert(grant(A, 'k1', 3), 2, never)).outcome, 'created');
    await s.keys.remove(A, 'k1');
    assert.deepEqual((await s.grants.listForKey(A, 'k1', 10)).items, []);
    assert.equal(await s.grants.get(grant(A, 'k1', 2).grantId), undefined);
    assert.deepEqual(ids((await s.grants.listForKey(A, 'k2', 10)).items), [4]);
  });

  withStore('grants: added at once, a key still never holds more than `limit`', async (s) => {
    await s.keys.insert(key(A, 'k1'));
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => s.grants.insert(grant(A, 'k1', i + 1), 5, never)));
    assert.equal(outcomes.filter((o) => o.outcome === 'created').length, 5);
    assert.equal(outcomes.filter((o) => o.outcome === 'limit').length, 7);
    assert.equal((await s.grants.listForKey(A, 'k1', 100)).items.length, 5);
  });

  withStore('grants: retirable ones are listed per account and Region by retiring principal', async (s) => {
    const bob = 'arn:aws:iam::111122223333:user/bob';
    await s.keys.insert(key(A, 'k1'));
    await s.keys.insert(key(A, 'k2'));
    await s.keys.insert(key(B, 'k3'));
    await s.keys.insert(key(WEST, 'k4'));
    await s.grants.insert(grant(A, 'k1', 1, { retiringPrincipal: bob }), 10, never);
    await s.grants.insert(grant(A, 'k1', 2), 10, never);
    await s.grants.insert(grant(A, 'k2', 3, { retiringPrincipal: bob }), 10, never);
    await s.grants.insert(grant(B, 'k3', 4, { retiringPrincipal: bob }), 10, never);
    await s.grants.insert(grant(WEST, 'k4', 5, { retiringPrincipal: bob }), 10, never);
    const first = await s.grants.listRetirable(A, bob, 1);
    assert.deepEqual(ids(first.items), [1]);
    assert.deepEqual(ids((await s.grants.listRetirable(A, bob, 10, first.next)).items), [3]);
    assert.deepEqual(ids((await s.grants.listRetirable(B, bob, 10)).items), [4]);
    assert.deepEqual((await s.grants.listRetirable(A, 'arn:aws:iam::111122223333:user/eve', 10)).items, []);
  });

  withStore('settings keep the last value', async (s) => {
    assert.equal(await s.settings.get('clock.offsetMs'), undefined);
    await s.settings.set('clock.offsetMs', '5');
    await s.settings.set('clock.offsetMs', '6');
    assert.equal(await s.settings.get('clock.offsetMs'), '6');
  });

  withStore('last key uses: one per key, a later one replacing the one before, never an earlier one', async (s) => {
    assert.deepEqual(await s.keyUsage.all(), []);
    const arn = (id: string) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;
    const use = (id: string, eventId: string, at: number) => ({
      keyArn: arn(id),
      operation: 'Encrypt' as const,
      timestamp: Math.floor(at / 1000) * 1000,
      at,
      eventId,
      requestId: `r-${eventId}`,
    });
    await s.keyUsage.save([use('k1', 'e1', 1_000), use('k2', 'e2', 2_000)]);
    await s.keyUsage.save([{ ...use('k1', 'e3', 3_000), operation: 'Sign' }]);
    // Another node saves later what it noted earlier.
    await s.keyUsage.save([use('k1', 'e0', 2_500)]);
    const byKey = (await s.keyUsage.all()).sort((a, b) => a.keyArn.localeCompare(b.keyArn));
    assert.deepEqual(byKey, [{ ...use('k1', 'e3', 3_000), operation: 'Sign' }, use('k2', 'e2', 2_000)]);
    assert.deepEqual(await s.keyUsage.get(arn('k2')), use('k2', 'e2', 2_000));
    assert.equal(await s.keyUsage.get(arn('k3')), undefined);
    // Two uses in one second, saved in the wrong order by two nodes: the later by the millisecond stays.
    await s.keyUsage.save([use('k2', 'later', 2_700)]);
    await s.keyUsage.save([use('k2', 'earlier', 2_300)]);
    assert.equal((await s.keyUsage.get(arn('k2')))?.eventId, 'later');
  });
}
