import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { secureRandom } from '../core/random.js';
import { Sealer } from '../core/sealer.js';
import { openSession, sealSession } from './context.js';
import type { CustomKeyStoreRecord } from './model.js';

/** A Sealer that counts what it opens. */
class CountingSealer extends Sealer {
  opened = 0;
  override open(sealed: Buffer, aad: string): Buffer {
    this.opened++;
    return super.open(sealed, aad);
  }
}

const store = (sealer: Sealer, id: string, sessionId: string) =>
  ({ customKeyStoreId: id, sealedSession: sealSession(sealer, id, sessionId) }) as CustomKeyStoreRecord;

describe("the service's kmsuser session of a store", () => {
  it('is unsealed once, not on every cryptographic call', () => {
    const sealer = new CountingSealer(randomBytes(32), secureRandom);
    const s = store(sealer, 'cks-1', 'session-a');
    for (let i = 0; i < 5; i++) assert.equal(openSession(sealer, { ...s }), 'session-a');
    assert.equal(sealer.opened, 1);
  });

  it('is unsealed again once the store holds another session, and for another store', () => {
    const sealer = new CountingSealer(randomBytes(32), secureRandom);
    assert.equal(openSession(sealer, store(sealer, 'cks-1', 'session-a')), 'session-a');
    assert.equal(openSession(sealer, store(sealer, 'cks-1', 'session-b')), 'session-b');
    assert.equal(openSession(sealer, store(sealer, 'cks-2', 'session-c')), 'session-c');
    assert.equal(sealer.opened, 3);
    assert.equal(openSession(sealer, { customKeyStoreId: 'cks-1' } as CustomKeyStoreRecord), undefined);
  });

  it('still refuses a session sealed for another store', () => {
    const sealer = new CountingSealer(randomBytes(32), secureRandom);
    const other = store(sealer, 'cks-2', 'session-x');
    assert.throws(() => openSession(sealer, { ...other, customKeyStoreId: 'cks-1' }));
  });
});
