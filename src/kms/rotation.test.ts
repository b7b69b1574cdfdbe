import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CALLER, kmsDeps, rejectsWith } from '../../test/support/kms-deps.js';
import { DAY_MS } from '../core/clock.js';
import { parseCiphertext } from './ciphertext.js';
import type { KmsDeps } from './context.js';
import { CryptoService } from './crypto.js';
import { currentMaterial } from './key.js';
import { KeyService } from './keys.js';
import { MAX_ON_DEMAND_ROTATIONS, RotationService } from './rotation.js';

const caller = CALLER;

describe('RotationService', () => {
  let t: number;
  let deps: KmsDeps;
  let keys: KeyService;
  let crypto: CryptoService;
  let rotation: RotationService;

  beforeEach(() => {
    t = Date.UTC(2024, 0, 1);
    deps = kmsDeps(() => t);
    keys = new KeyService(deps);
    crypto = new CryptoService(deps, keys);
    rotation = new RotationService(deps, keys);
  });

  afterEach(() => deps.store.close());

  describe('enable, disable, status', () => {
    it('starts disabled, with no period and no next date', async () => {
      const k = await keys.create(caller, {});
      const status = await rotation.status(caller, k.key.keyId);
      assert.equal(status.enabled, false);
      assert.equal(status.periodDays, undefined);
      assert.equal(status.nextRotationAt, undefined);
      assert.equal(status.view.arn, k.arn);
    });

    it('defaults to 365 days and schedules the next rotation one period from now', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId);
      const status = await rotation.status(caller, k.arn);
      assert.equal(status.enabled, true);
      assert.equal(status.periodDays, 365);
      assert.equal(status.nextRotationAt, t + 365 * DAY_MS);
    });

    it('takes a custom period and recounts it from a later call', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 90);
      t += 10 * DAY_MS;
      await rotation.enable(caller, k.key.keyId, 2560);
      const status = await rotation.status(caller, k.key.keyId);
      assert.equal(status.periodDays, 2560);
      assert.equal(status.nextRotationAt, t + 2560 * DAY_MS);
    });

    it('refuses a period outside 90–2560 days with the model constraint message', async () => {
      const k = await keys.create(caller, {});
      await rejectsWith(
        rotation.enable(caller, k.key.keyId, 89),
        'ValidationException',
        "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
      );
      await rejectsWith(
        rotation.enable(caller, k.key.keyId, 2561),
        'ValidationException',
        "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560",
      );
    });

    it('disables, forgetting the schedule', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 100);
      await rotation.disable(caller, k.key.keyId);
      const status = await rotation.status(caller, k.key.keyId);
      assert.equal(status.enabled, false);
      assert.equal(status.nextRotationAt, undefined);
    });

    it('follows the key-state table: disabled keys and keys pending deletion refuse changes', async () => {
      const k = await keys.create(caller, {});
      await keys.disable(caller, k.key.keyId);
      await rejectsWith(rotation.enable(caller, k.key.keyId), 'DisabledException', `${k.arn} is disabled.`);
      await rejectsWith(rotation.rotateOnDemand(caller, k.key.keyId), 'DisabledException', `${k.arn} is disabled.`);
      // GetKeyRotationStatus works on a disabled key.
      assert.equal((await rotation.status(caller, k.key.keyId)).enabled, false);

      await keys.scheduleDeletion(caller, k.key.keyId, 7);
      await rejectsWith(rotation.disable(caller, k.key.keyId), 'KMSInvalidStateException', `${k.arn} is pending deletion.`);
    });

    it('reports rotation off while the key is pending deletion, and restores it on cancel', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId);
      await keys.scheduleDeletion(caller, k.key.keyId, 7);
      assert.equal((await rotation.status(caller, k.key.keyId)).enabled, false);
      await keys.cancelDeletion(caller, k.key.keyId);
      assert.equal((await rotation.status(caller, k.key.keyId)).enabled, true);
    });

    it('names keys by id or key ARN only, not by alias', async () => {
      const k = await keys.create(caller, {});
      await deps.store.aliases.insert({ ...caller, aliasName: 'alias/app', targetKeyId: k.key.keyId, createdAt: t, updatedAt: t });
      await rejectsWith(rotation.enable(caller, 'alias/app'), 'NotFoundException', "Invalid keyId 'alias/app'");
      await rejectsWith(rotation.status(caller, 'alias/app'), 'NotFoundException', "Invalid keyId 'alias/app'");
    });
  });

  describe('on-demand rotation', () => {
    it('adds a current ON_DEMAND version and leaves the automatic schedule alone', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId);
      const scheduled = (await rotation.status(caller, k.key.keyId)).nextRotationAt;
      t += DAY_MS;
      const view = await rotation.rotateOnDemand(caller, k.key.keyId);
      const current = currentMaterial(view.key);
      assert.equal(current.version, 2);
      assert.equal(current.rotationType, 'ON_DEMAND');
      assert.equal(current.createdAt, t);
      assert.notEqual(current.materialId, k.key.materials[0]!.materialId);
      assert.equal((await rotation.status(caller, k.key.keyId)).nextRotationAt, scheduled);
    });

    it(`allows ${MAX_ON_DEMAND_ROTATIONS} on-demand rotations per key, then LimitExceededException`, async () => {
      const k = await keys.create(caller, {});
      for (let i = 0; i < MAX_ON_DEMAND_ROTATIONS; i++) await rotation.rotateOnDemand(caller, k.key.keyId);
      await rejectsWith(rotation.rotateOnDemand(caller, k.key.keyId), 'LimitExceededException');
      const stored = await deps.store.keys.get(caller, k.key.keyId);
      assert.equal(stored!.materials.length, MAX_ON_DEMAND_ROTATIONS + 1);
    });

    it('keeps old ciphertexts decrypting while new ones use the new version', async () => {
      const k = await keys.create(caller, {});
      const before = await crypto.encrypt(caller, k.key.keyId, Buffer.from('before'), { purpose: 'test' });
      await rotation.rotateOnDemand(caller, k.key.keyId);
      const after = await crypto.encrypt(caller, k.key.keyId, Buffer.from('after'), { purpose: 'test' });

      assert.equal(parseCiphertext(before.ciphertext).materialVersion, 1);
      assert.equal(parseCiphertext(after.ciphertext).materialVersion, 2);
      assert.notEqual(after.materialId, before.materialId);

      const oldOpened = await crypto.decrypt(caller, before.ciphertext, { purpose: 'test' });
      assert.equal(oldOpened.plaintext.toString(), 'before');
      assert.equal(oldOpened.materialId, before.materialId);
      const newOpened = await crypto.decrypt(caller, after.ciphertext, { purpose: 'test' });
      assert.equal(newOpened.plaintext.toString(), 'after');
    });
  });

  describe('automatic rotation', () => {
    it('rotates only once the clock passes the next rotation date, then reschedules', async () => {
      const k = await keys.create(caller, {});
      const other = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 90);
      const ciphertext = (await crypto.encrypt(caller, k.key.keyId, Buffer.from('secret'))).ciphertext;

      t += 89 * DAY_MS;
      assert.equal(await rotation.rotateDue(), 0);

      t += DAY_MS;
      assert.equal(await rotation.rotateDue(), 1);
      const rotated = (await deps.store.keys.get(caller, k.key.keyId))!;
      assert.equal(rotated.materials.length, 2);
      assert.equal(currentMaterial(rotated).rotationType, 'AUTOMATIC');
      assert.equal(currentMaterial(rotated).createdAt, t);
      assert.equal((await rotation.status(caller, k.key.keyId)).nextRotationAt, t + 90 * DAY_MS);
      // Keys without rotation are untouched.
      assert.equal((await deps.store.keys.get(caller, other.key.keyId))!.materials.length, 1);

      // Running again at the same time does nothing more.
      assert.equal(await rotation.rotateDue(), 0);

      assert.equal((await crypto.decrypt(caller, ciphertext)).plaintext.toString(), 'secret');
      const fresh = await crypto.encrypt(caller, k.key.keyId, Buffer.from('fresh'));
      assert.equal(parseCiphertext(fresh.ciphertext).materialVersion, 2);
    });

    it('makes one rotation for a clock moved several periods ahead', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 90);
      t += 1000 * DAY_MS;
      assert.equal(await rotation.rotateDue(), 1);
      assert.equal(await rotation.rotateDue(), 0);
      assert.equal((await deps.store.keys.get(caller, k.key.keyId))!.materials.length, 2);
    });

    it('waits while the key is disabled and rotates once it is enabled again', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 90);
      await keys.disable(caller, k.key.keyId);
      t += 100 * DAY_MS;
      assert.equal(await rotation.rotateDue(), 0);
      await keys.enable(caller, k.key.keyId);
      assert.equal(await rotation.rotateDue(), 1);
    });

    it('does not rotate a key whose rotation was disabled', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 90);
      await rotation.disable(caller, k.key.keyId);
      t += 100 * DAY_MS;
      assert.equal(await rotation.rotateDue(), 0);
    });
  });

  describe('listRotations', () => {
    it('is empty for a key that never rotated, and lists the first material on request', async () => {
      const k = await keys.create(caller, {});
      assert.deepEqual((await rotation.listRotations(caller, k.key.keyId, 100)).items, []);
      const all = await rotation.listRotations(caller, k.key.keyId, 100, undefined, true);
      assert.deepEqual(all.items, [{ keyArn: k.arn, materialId: k.key.materials[0]!.materialId, state: 'CURRENT' }]);
    });

    it('lists each rotation oldest first, with its date, type and material state', async () => {
      const k = await keys.create(caller, {});
      await rotation.enable(caller, k.key.keyId, 90);
      t += 5 * DAY_MS;
      const onDemandAt = t;
      await rotation.rotateOnDemand(caller, k.key.keyId);
      t += 90 * DAY_MS;
      const automaticAt = t;
      await rotation.rotateDue();

      const stored = (await deps.store.keys.get(caller, k.key.keyId))!;
      const page = await rotation.listRotations(caller, k.arn, 100);
      assert.equal(page.next, undefined);
      assert.deepEqual(page.items, [
        { keyArn: k.arn, materialId: stored.materials[1]!.materialId, state: 'NON_CURRENT', rotatedAt: onDemandAt, rotationType: 'ON_DEMAND' },
        { keyArn: k.arn, materialId: stored.materials[2]!.materialId, state: 'CURRENT', rotatedAt: automaticAt, rotationType: 'AUTOMATIC' },
      ]);

      const all = await rotation.listRotations(caller, k.key.keyId, 100, undefined, true);
      assert.equal(all.items.length, 3);
      assert.deepEqual(all.items[0], { keyArn: k.arn, materialId: stored.materials[0]!.materialId, state: 'NON_CURRENT' });
    });

    it('pages with a cursor', async () => {
      const k = await keys.create(caller, {});
      for (let i = 0; i < 5; i++) await rotation.rotateOnDemand(caller, k.key.keyId);
      const ids: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await rotation.listRotations(caller, k.key.keyId, 2, after);
        ids.push(...page.items.map((e) => e.materialId));
        after = page.next;
        pages++;
      } while (after !== undefined);
      assert.equal(pages, 3);
      const stored = (await deps.store.keys.get(caller, k.key.keyId))!;
      assert.deepEqual(ids, stored.materials.slice(1).map((m) => m.materialId));
    });

    it('refuses a marker it did not issue', async () => {
      const k = await keys.create(caller, {});
      await rejectsWith(rotation.listRotations(caller, k.key.keyId, 10, 'garbage'), 'InvalidMarkerException');
    });
  });
});
