import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import type { Caller, KmsDeps } from './context.js';
import { deleteDueKeys } from './deletion.js';
import { GrantService, mayRetire } from './grants.js';
import { KeyService, type KeyView } from './keys.js';
import type { GrantRecord } from './repository.js';

const APP = 'arn:aws:iam::111122223333:role/app';
const BOB = 'arn:aws:iam::111122223333:user/bob';
const OTHER_ACCOUNT: Caller = { accountId: '444455556666', region: 'us-east-1', principalArn: 'arn:aws:iam::444455556666:user/eve' };

describe('GrantService', () => {
  let t: number;
  let deps: KmsDeps;
  let keys: KeyService;
  let grants: GrantService;
  let key: KeyView;

  beforeEach(async () => {
    t = Date.UTC(2024, 0, 1);
    deps = kmsDeps(() => t);
    keys = new KeyService(deps);
    grants = new GrantService(deps, keys);
    key = await keys.create(CALLER, {});
  });

  afterEach(() => deps.store.close());

  const create = (extra: Partial<Parameters<GrantService['create']>[1]> = {}) =>
    grants.create(CALLER, { keyId: key.key.keyId, granteePrincipal: APP, operations: ['Encrypt', 'Decrypt'], ...extra });

  describe('create', () => {
    it('makes a grant with a 64-hex id and a token that names it, on a key named by id or ARN', async () => {
      const made = await create({ retiringPrincipal: BOB, constraints: { encryptionContextSubset: { Dept: 'IT' } } });
      assert.match(made.grant.grantId, /^[0-9a-f]{64}$/);
      assert.deepEqual(made.grant, {
        accountId: CALLER.accountId,
        region: CALLER.region,
        grantId: made.grant.grantId,
        keyId: key.key.keyId,
        granteePrincipal: APP,
        issuingAccount: 'arn:aws:iam::111122223333:root',
        operations: ['Encrypt', 'Decrypt'],
        createdAt: t,
        retiringPrincipal: BOB,
        constraints: { encryptionContextSubset: { Dept: 'IT' } },
      });
      assert.deepEqual(await grants.grantFromTokens([made.token]), [made.grant]);
      const byArn = await create({ keyId: key.arn });
      assert.notEqual(byArn.grant.grantId, made.grant.grantId);
    });

    it('refuses an alias: CreateGrant takes a key id or key ARN only', async () => {
      await keys.describe(CALLER, key.key.keyId);
      await rejectsWith(create({ keyId: 'alias/app' }), 'NotFoundException', "Invalid keyId 'alias/app'");
      await rejectsWith(create({ keyId: 'arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000' }), 'NotFoundException', /does not exist$/);
    });

    it('with the same Name and terms returns the same grant id with a new token; other terms make a new grant', async () => {
      const first = await create({ name: 'app-grant' });
      const again = await create({ name: 'app-grant', operations: ['Decrypt', 'Encrypt'] });
      assert.equal(again.grant.grantId, first.grant.grantId);
      assert.notEqual(again.token, first.token);
      assert.deepEqual(await grants.grantFromTokens([first.token, again.token]), [first.grant], 'both tokens carry the one grant');
      const other = await create({ name: 'app-grant', operations: ['Decrypt'] });
      assert.notEqual(other.grant.grantId, first.grant.grantId);
      const unnamed = [await create(), await create()];
      assert.notEqual(unnamed[0]!.grant.grantId, unnamed[1]!.grant.grantId, 'without a Name every call makes a grant');
      const other2 = await keys.create(CALLER, {});
      const elsewhere = await create({ keyId: other2.key.keyId, name: 'app-grant' });
      assert.notEqual(elsewhere.grant.grantId, first.grant.grantId, 'a Name is per key');
      assert.equal((await grants.list(CALLER, key.key.keyId, {}, 100)).page.items.length, 4);
    });

    it('checks operations, constraints and principals against the key before its state', async () => {
      await keys.disable(CALLER, key.key.keyId);
      await rejectsWith(create({ operations: ['Sign'] }), 'ValidationException', /^The grant operations \[Sign\] are not valid/);
      await rejectsWith(create({ granteePrincipal: 'alice' }), 'InvalidArnException', /GranteePrincipal 'alice'/);
      await rejectsWith(create({ retiringPrincipal: 'bob' }), 'InvalidArnException', /RetiringPrincipal 'bob'/);
      await rejectsWith(create(), 'DisabledException', `${key.arn} is disabled.`);
    });

    it('refuses a key pending deletion, and allows a dry run to say only that it would succeed', async () => {
      await rejectsWith(create({ dryRun: true }), 'DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
      assert.deepEqual((await grants.list(CALLER, key.key.keyId, {}, 10)).page.items, [], 'a dry run makes nothing');
      await keys.scheduleDeletion(CALLER, key.key.keyId, 7);
      await rejectsWith(create(), 'KMSInvalidStateException', `${key.arn} is pending deletion.`);
      await rejectsWith(create({ dryRun: true }), 'KMSInvalidStateException', `${key.arn} is pending deletion.`);
    });

    it('refuses grant tokens it did not issue', async () => {
      await rejectsWith(create({ grantTokens: ['forged'] }), 'InvalidGrantTokenException', 'The grant token is not valid.');
      const made = await create();
      await create({ grantTokens: [made.token] });
    });

    it('refuses a key of another account by ARN as AWS does under a default key policy', async () => {
      await rejectsWith(
        grants.create(OTHER_ACCOUNT, { keyId: key.arn, granteePrincipal: APP, operations: ['Decrypt'] }),
        'AccessDeniedException',
        /is not authorized to perform: kms:CreateGrant on resource/,
      );
    });
  });

  describe('list', () => {
    it('pages a key\'s grants in creation order and filters by grant id or grantee', async () => {
      const made: GrantRecord[] = [];
      for (let i = 0; i < 5; i++) {
        t += 1000;
        made.push((await create({ granteePrincipal: i % 2 ? BOB : APP })).grant);
      }
      const first = await grants.list(CALLER, key.arn, {}, 2);
      assert.equal(first.arn, key.arn);
      assert.deepEqual(first.page.items, made.slice(0, 2));
      const rest = await grants.list(CALLER, key.key.keyId, {}, 10, first.page.next);
      assert.deepEqual(rest.page.items, made.slice(2));
      assert.equal(rest.page.next, undefined);
      assert.deepEqual((await grants.list(CALLER, key.key.keyId, { granteePrincipal: BOB }, 10)).page.items, [made[1], made[3]]);
      assert.deepEqual((await grants.list(CALLER, key.key.keyId, { grantId: made[4]!.grantId }, 10)).page.items, [made[4]]);
      assert.deepEqual((await grants.list(CALLER, key.key.keyId, { grantId: 'f'.repeat(64) }, 10)).page.items, []);
      await rejectsWith(grants.list(CALLER, key.key.keyId, { grantId: 'nope' }, 10), 'InvalidGrantIdException', "Invalid grantId 'nope'");
      assert.equal((await grants.list(CALLER, key.key.keyId, {}, 1000)).page.items.length, 5, 'a limit above 100 is 100');
    });

    it('lists retirable grants of the caller\'s account and Region by retiring principal', async () => {
      const other = await keys.create(CALLER, {});
      const a = (await create({ retiringPrincipal: BOB })).grant;
      await create();
      const b = (await create({ keyId: other.key.keyId, retiringPrincipal: BOB })).grant;
      assert.deepEqual((await grants.listRetirable(CALLER, BOB, 50)).items, [a, b]);
      assert.deepEqual((await grants.listRetirable({ ...CALLER, region: 'us-west-2' }, BOB, 50)).items, []);
    });
  });

  describe('retire and revoke', () => {
    it('retire by token or by key and grant id takes effect at once; a second retire is NotFoundException', async () => {
      const a = await create();
      const b = await create();
      const retired = await grants.retire(CALLER, { grantToken: a.token });
      assert.equal(retired.grantId, a.grant.grantId);
      assert.deepEqual(await grants.grantFromTokens([a.token, b.token]), [b.grant], 'a retired grant carries nothing');
      assert.deepEqual(await grants.grantsFor(key.key, APP), [b.grant]);
      await rejectsWith(grants.retire(CALLER, { grantToken: a.token }), 'NotFoundException', `Grant ID ${a.grant.grantId} not found`);
      await grants.retire(CALLER, { keyId: key.arn, grantId: b.grant.grantId });
      await rejectsWith(grants.retire(CALLER, { keyId: key.key.keyId, grantId: b.grant.grantId }), 'NotFoundException', `Grant ID ${b.grant.grantId} not found`);
      assert.deepEqual(await grants.grantsFor(key.key, APP), []);
    });

    it('retire needs a token, or a key and a grant id; a forged token is InvalidGrantTokenException', async () => {
      const a = await create();
      await rejectsWith(grants.retire(CALLER, { grantId: a.grant.grantId }), 'ValidationException', /by its GrantToken, or by both KeyId and GrantId/);
      await rejectsWith(grants.retire(CALLER, {}), 'ValidationException');
      await rejectsWith(grants.retire(CALLER, { grantToken: a.token.slice(0, -2) + 'AA' }), 'InvalidGrantTokenException');
      await rejectsWith(grants.retire(CALLER, { grantToken: a.token, dryRun: true }), 'DryRunOperationException');
      assert.equal((await grants.grantFromTokens([a.token])).length, 1, 'a dry run retires nothing');
    });

    it('a grant is retired or revoked only through its own key', async () => {
      const a = await create();
      const other = await keys.create(CALLER, {});
      await rejectsWith(grants.revoke(CALLER, other.key.keyId, a.grant.grantId), 'NotFoundException', `Grant ID ${a.grant.grantId} not found`);
      await rejectsWith(grants.retire(CALLER, { keyId: other.key.keyId, grantId: a.grant.grantId }), 'NotFoundException');
      await rejectsWith(grants.revoke(CALLER, key.key.keyId, 'x'), 'InvalidGrantIdException', "Invalid grantId 'x'");
      await rejectsWith(grants.revoke(CALLER, 'alias/x', a.grant.grantId), 'NotFoundException', "Invalid keyId 'alias/x'");
      await rejectsWith(grants.revoke(CALLER, key.key.keyId, a.grant.grantId, true), 'DryRunOperationException');
      await grants.revoke(CALLER, key.arn, a.grant.grantId);
      await rejectsWith(grants.revoke(CALLER, key.key.keyId, a.grant.grantId), 'NotFoundException', `Grant ID ${a.grant.grantId} not found`);
    });

    it('work in every key state: a key pending deletion can still lose its grants', async () => {
      const a = await create();
      const b = await create();
      await keys.scheduleDeletion(CALLER, key.key.keyId, 7);
      assert.equal((await grants.list(CALLER, key.key.keyId, {}, 10)).page.items.length, 2);
      await grants.revoke(CALLER, key.key.keyId, a.grant.grantId);
      await grants.retire(CALLER, { grantToken: b.token });
    });

    it('from another account, only the retiring principal or a grantee allowed RetireGrant may retire (mayRetire)', async () => {
      const eve = OTHER_ACCOUNT.principalArn;
      const byRetiring = await create({ retiringPrincipal: eve });
      const byGrantee = await create({ granteePrincipal: eve, operations: ['Decrypt', 'RetireGrant'] });
      const neither = await create({ granteePrincipal: eve });
      assert.equal(mayRetire(byRetiring.grant, eve), true);
      assert.equal(mayRetire(byGrantee.grant, eve), true);
      assert.equal(mayRetire(neither.grant, eve), false);
      assert.equal(mayRetire(neither.grant, APP), false);
      await rejectsWith(grants.retire(OTHER_ACCOUNT, { grantToken: neither.token }), 'AccessDeniedException', /kms:RetireGrant/);
      await grants.retire(OTHER_ACCOUNT, { grantToken: byRetiring.token });
      await grants.retire(OTHER_ACCOUNT, { grantToken: byGrantee.token });
      await grants.retire(CALLER, { grantToken: neither.token });
    });
  });

  describe('lookups for authorization', () => {
    it('grantsFor finds the grants of one grantee on one key; grantFromTokens refuses a forged token', async () => {
      const a = await create();
      const b = await create({ granteePrincipal: BOB });
      const other = await keys.create(CALLER, {});
      await create({ keyId: other.key.keyId });
      assert.deepEqual(await grants.grantsFor(key.key, APP), [a.grant]);
      assert.deepEqual(await grants.grantsFor(key.key, BOB), [b.grant]);
      assert.deepEqual(await grants.grantsFor(key.key, 'arn:aws:iam::111122223333:user/nobody'), []);
      await rejectsWith(grants.grantFromTokens([a.token, 'not-a-token']), 'InvalidGrantTokenException', 'The grant token is not valid.');
      assert.deepEqual(await grants.grantFromTokens([]), []);
    });

    it('a key\'s grants go with the key when its waiting period ends', async () => {
      const a = await create();
      await keys.scheduleDeletion(CALLER, key.key.keyId, 7);
      t += 8 * 86_400_000;
      assert.equal(await deleteDueKeys(deps), 1);
      assert.deepEqual(await grants.grantFromTokens([a.token]), []);
      assert.equal(await deps.store.grants.get(a.grant.grantId), undefined);
    });
  });
});
