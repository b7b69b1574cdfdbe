import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CALLER, kmsDeps } from '../../test/support/kms-deps.js';
import { DAY_MS } from '../core/clock.js';
import type { KmsDeps } from './context.js';
import { deleteDueKeys } from './deletion.js';
import type { KeyRecord } from './key.js';
import { KeyService } from './keys.js';

describe('deleteDueKeys', () => {
  let t: number;
  let deps: KmsDeps;
  let keys: KeyService;

  beforeEach(() => {
    t = Date.UTC(2024, 0, 1);
    deps = kmsDeps(() => t);
    keys = new KeyService(deps);
  });

  afterEach(() => deps.store.close());

  it('leaves a key whose deletion was cancelled after the due keys were read', async () => {
    const { key } = await keys.create(CALLER, {});
    await keys.scheduleDeletion(CALLER, key.keyId, 7);
    t += 8 * DAY_MS;
    // The due keys are read, then the deletion is cancelled (a call on another node) before the delete.
    const dueForDeletion = deps.store.keys.dueForDeletion.bind(deps.store.keys);
    deps.store.keys.dueForDeletion = async (now: number): Promise<KeyRecord[]> => {
      const due = await dueForDeletion(now);
      await keys.cancelDeletion(CALLER, key.keyId);
      return due;
    };
    const told: string[] = [];
    assert.equal(await deleteDueKeys(deps, [(k) => void told.push(k.keyId)]), 0);
    assert.deepEqual(told, []);
    assert.equal((await deps.store.keys.get(CALLER, key.keyId))?.state, 'Disabled');
  });

  it('two runs at once (two nodes) delete a due key once, and tell the listeners once', async () => {
    const { key } = await keys.create(CALLER, {});
    await keys.scheduleDeletion(CALLER, key.keyId, 7);
    t += 8 * DAY_MS;
    const told: string[] = [];
    const listener = (k: KeyRecord) => void told.push(k.keyId);
    const counts = await Promise.all([deleteDueKeys(deps, [listener]), deleteDueKeys(deps, [listener])]);
    assert.deepEqual(counts.sort(), [0, 1]);
    assert.deepEqual(told, [key.keyId]);
  });
});
