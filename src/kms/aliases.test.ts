import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { AliasService } from './aliases.js';
import type { Caller, KmsDeps } from './context.js';
import { KeyService } from './keys.js';

const caller = CALLER;
const aliasArnOf = (name: string) => `arn:aws:kms:us-east-1:111122223333:${name}`;

describe('AliasService', () => {
  let t: number;
  let deps: KmsDeps;
  let keys: KeyService;
  let aliases: AliasService;

  beforeEach(() => {
    t = Date.UTC(2024, 0, 1);
    deps = kmsDeps(() => t);
    keys = new KeyService(deps);
    aliases = new AliasService(deps, keys);
  });

  afterEach(() => deps.store.close());

  describe('create', () => {
    it('names a key by id or by key ARN, and DescribeKey finds the key through the alias', async () => {
      const a = await keys.create(caller, {});
      const b = await keys.create(caller, {});
      const created = await aliases.create(caller, 'alias/app', a.key.keyId);
      assert.equal(created.arn, aliasArnOf('alias/app'));
      assert.equal(created.alias.targetKeyId, a.key.keyId);
      assert.equal(created.alias.createdAt, t);
      await aliases.create(caller, 'alias/by-arn', b.arn);

      assert.equal((await keys.describe(caller, 'alias/app')).key.keyId, a.key.keyId);
      assert.equal((await keys.describe(caller, aliasArnOf('alias/by-arn'))).key.keyId, b.key.keyId);
    });

    it('requires the alias/ prefix, with AWS wording', async () => {
      const k = await keys.create(caller, {});
      await rejectsWith(
        aliases.create(caller, 'app', k.key.keyId),
        'ValidationException',
        'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
      );
    });

    it('refuses names under alias/aws/, which AWS reserves for its managed keys', async () => {
      const k = await keys.create(caller, {});
      await rejectsWith(aliases.create(caller, 'alias/aws/s3', k.key.keyId), 'NotAuthorizedException', 'alias/aws/s3 is reserved: alias names beginning with alias/aws/ belong to AWS managed keys.');
    });

    it('refuses a colon in the name', async () => {
      const k = await keys.create(caller, {});
      await rejectsWith(aliases.create(caller, 'alias/my:alias', k.key.keyId), 'ValidationException', 'alias/my:alias contains invalid characters for an alias');
    });

    it('refuses an alias as the target, by name or by ARN', async () => {
      const k = await keys.create(caller, {});
      await aliases.create(caller, 'alias/first', k.key.keyId);
      for (const target of ['alias/first', aliasArnOf('alias/first')]) {
        await rejectsWith(aliases.create(caller, 'alias/second', target), 'ValidationException', 'Aliases must refer to keys. Not aliases');
      }
    });

    it('refuses a name that is taken, naming the alias by its ARN', async () => {
      const a = await keys.create(caller, {});
      const b = await keys.create(caller, {});
      await aliases.create(caller, 'alias/app', a.key.keyId);
      await rejectsWith(
        aliases.create(caller, 'alias/app', b.key.keyId),
        'AlreadyExistsException',
        `An alias with the name ${aliasArnOf('alias/app')} already exists`,
      );
      assert.equal((await keys.describe(caller, 'alias/app')).key.keyId, a.key.keyId);
    });

    it('refuses an unknown target key', async () => {
      const missing = '0c0ffee0-1111-2222-3333-444455556666';
      await rejectsWith(
        aliases.create(caller, 'alias/app', missing),
        'NotFoundException',
        `Key 'arn:aws:kms:us-east-1:111122223333:key/${missing}' does not exist`,
      );
    });

    it('accepts a disabled key but not one pending deletion', async () => {
      const disabled = await keys.create(caller, {});
      await keys.disable(caller, disabled.key.keyId);
      await aliases.create(caller, 'alias/disabled', disabled.key.keyId);

      const doomed = await keys.create(caller, {});
      await keys.scheduleDeletion(caller, doomed.key.keyId, 7);
      await rejectsWith(aliases.create(caller, 'alias/doomed', doomed.key.keyId), 'KMSInvalidStateException', `${doomed.arn} is pending deletion.`);
      assert.equal(await deps.store.aliases.get(caller, 'alias/doomed'), undefined);
    });
  });

  describe('update', () => {
    it('points the alias at another key and records when', async () => {
      const a = await keys.create(caller, {});
      const b = await keys.create(caller, {});
      await aliases.create(caller, 'alias/app', a.key.keyId);
      const created = t;
      t += 60_000;
      const updated = await aliases.update(caller, 'alias/app', b.arn);
      assert.equal(updated.alias.targetKeyId, b.key.keyId);
      assert.equal(updated.alias.createdAt, created);
      assert.equal(updated.alias.updatedAt, t);
      assert.equal((await keys.describe(caller, 'alias/app')).key.keyId, b.key.keyId);
    });

    it('answers NotFoundException for an unknown alias', async () => {
      const k = await keys.create(caller, {});
      await rejectsWith(aliases.update(caller, 'alias/nope', k.key.keyId), 'NotFoundException', `Alias ${aliasArnOf('alias/nope')} is not found.`);
    });

    it('may move an alias off a key pending deletion, but not onto one', async () => {
      const a = await keys.create(caller, {});
      const b = await keys.create(caller, {});
      await aliases.create(caller, 'alias/app', a.key.keyId);
      await keys.scheduleDeletion(caller, a.key.keyId, 7);
      await aliases.update(caller, 'alias/app', b.key.keyId);

      await keys.scheduleDeletion(caller, b.key.keyId, 7);
      const c = await keys.create(caller, {});
      await aliases.create(caller, 'alias/other', c.key.keyId);
      await rejectsWith(aliases.update(caller, 'alias/other', b.key.keyId), 'KMSInvalidStateException', `${b.arn} is pending deletion.`);
    });

    it('applies the name rules and refuses an alias as target', async () => {
      const k = await keys.create(caller, {});
      await aliases.create(caller, 'alias/app', k.key.keyId);
      await rejectsWith(aliases.update(caller, 'app', k.key.keyId), 'ValidationException', /must start with the prefix "alias\/"/);
      await rejectsWith(aliases.update(caller, 'alias/aws/ebs', k.key.keyId), 'NotAuthorizedException');
      await rejectsWith(aliases.update(caller, 'alias/app', 'alias/app'), 'ValidationException', 'Aliases must refer to keys. Not aliases');
    });
  });

  describe('delete', () => {
    it('removes the alias, after which it no longer resolves', async () => {
      const k = await keys.create(caller, {});
      await aliases.create(caller, 'alias/app', k.key.keyId);
      await aliases.delete(caller, 'alias/app');
      await rejectsWith(keys.describe(caller, 'alias/app'), 'NotFoundException', `Alias ${aliasArnOf('alias/app')} is not found.`);
      // The name is free again.
      await aliases.create(caller, 'alias/app', k.key.keyId);
    });

    it('answers NotFoundException for an unknown alias and ValidationException without the prefix', async () => {
      await rejectsWith(aliases.delete(caller, 'alias/nope'), 'NotFoundException', `Alias ${aliasArnOf('alias/nope')} is not found.`);
      await rejectsWith(aliases.delete(caller, 'nope'), 'ValidationException', /must start with the prefix "alias\/"/);
    });

    it('works while the target key is pending deletion', async () => {
      const k = await keys.create(caller, {});
      await aliases.create(caller, 'alias/app', k.key.keyId);
      await keys.scheduleDeletion(caller, k.key.keyId, 7);
      await aliases.delete(caller, 'alias/app');
    });
  });

  describe('list', () => {
    it('lists by name with every AliasListEntry field the wire needs', async () => {
      const k = await keys.create(caller, {});
      for (const name of ['alias/c', 'alias/a', 'alias/b']) await aliases.create(caller, name, k.key.keyId);
      const page = await aliases.list(caller, 50);
      assert.deepEqual(
        page.items.map((v) => v.alias.aliasName),
        ['alias/a', 'alias/b', 'alias/c'],
      );
      assert.equal(page.next, undefined);
      const first = page.items[0]!;
      assert.equal(first.arn, aliasArnOf('alias/a'));
      assert.equal(first.alias.targetKeyId, k.key.keyId);
      assert.equal(first.alias.createdAt, t);
      assert.equal(first.alias.updatedAt, t);
    });

    it('pages with a cursor until the list ends', async () => {
      const k = await keys.create(caller, {});
      const names = Array.from({ length: 7 }, (_, i) => `alias/n${i}`);
      for (const name of names) await aliases.create(caller, name, k.key.keyId);
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await aliases.list(caller, 3, after);
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((v) => v.alias.aliasName));
        after = page.next;
        pages++;
      } while (after !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen, names);
    });

    it('filters by target key, named by key id or key ARN', async () => {
      const a = await keys.create(caller, {});
      const b = await keys.create(caller, {});
      await aliases.create(caller, 'alias/a1', a.key.keyId);
      await aliases.create(caller, 'alias/b1', b.key.keyId);
      await aliases.create(caller, 'alias/a2', a.key.keyId);
      const byId = await aliases.list(caller, 50, undefined, a.key.keyId);
      assert.deepEqual(
        byId.items.map((v) => v.alias.aliasName),
        ['alias/a1', 'alias/a2'],
      );
      const byArn = await aliases.list(caller, 50, undefined, b.arn);
      assert.deepEqual(
        byArn.items.map((v) => v.alias.aliasName),
        ['alias/b1'],
      );
    });

    it('answers NotFoundException for a filter key that does not exist', async () => {
      await rejectsWith(aliases.list(caller, 50, undefined, '0c0ffee0-1111-2222-3333-444455556666'), 'NotFoundException');
    });

    it('never returns more than 100 aliases a page', async () => {
      const k = await keys.create(caller, {});
      for (let i = 0; i < 101; i++) await aliases.create(caller, `alias/n${String(i).padStart(3, '0')}`, k.key.keyId);
      const page = await aliases.list(caller, 1000);
      assert.equal(page.items.length, 100);
      assert.notEqual(page.next, undefined);
    });

    it('shows only the caller account and Region', async () => {
      const k = await keys.create(caller, {});
      await aliases.create(caller, 'alias/here', k.key.keyId);
      const elsewhere: Caller = { ...caller, region: 'eu-west-1' };
      assert.deepEqual((await aliases.list(elsewhere, 50)).items, []);
    });
  });
});
