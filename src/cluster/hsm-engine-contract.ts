import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineAuthError, type HsmEngine, type MaterialRef, type Placement } from './hsm-engine.js';

/**
 * The contract every HsmEngine keeps. `open` returns an engine over the same backing store each
 * time it is called (the same root key, the same tokens), as a restarted service would get.
 * Calls run on a cluster of two HSMs (`AT`); a third HSM stands for one added later or restored
 * from a backup.
 */
export function hsmEngineContract(name: string, open: () => Promise<HsmEngine>): void {
  const iv = Buffer.alloc(12, 7);
  const aad = Buffer.from('cluster-abc/key');
  const AT: Placement = { hsms: ['hsm-contract0a', 'hsm-contract0b'], session: 'login-1' };
  const FIRST: Placement = { hsms: [AT.hsms[0]!] };
  const SECOND: Placement = { hsms: [AT.hsms[1]!] };
  const LATER: Placement = { hsms: ['hsm-contract0c'] };

  const ref = async (engine: HsmEngine, objectId: string, size = 32): Promise<MaterialRef & { checkValue: string }> => {
    const label = `key-${objectId}`;
    const generated = await engine.generateAesKey(objectId, size, { ...AT, label });
    return { objectId, label, material: generated.material, checkValue: generated.checkValue };
  };

  test(`${name}: AES-GCM round trip with associated data`, async () => {
    const engine = await open();
    const key = await ref(engine, '5e1f0a9b3c2d4e6f');
    const plaintext = Buffer.from('the secret the seeds protect');
    const { ciphertext, tag } = await engine.encrypt(key, plaintext, iv, aad, AT);
    assert.equal(ciphertext.length, plaintext.length);
    assert.equal(tag.length, 16);
    assert.notDeepEqual(ciphertext, plaintext);
    assert.deepEqual(await engine.decrypt(key, ciphertext, iv, aad, tag, AT), plaintext);
  });

  test(`${name}: a changed ciphertext, tag, IV or associated data fails with EngineAuthError`, async () => {
    const engine = await open();
    const key = await ref(engine, '00112233445566aa');
    const { ciphertext, tag } = await engine.encrypt(key, Buffer.from('payload'), iv, aad, AT);
    const flipped = Buffer.from(ciphertext);
    flipped[0]! ^= 1;
    await assert.rejects(engine.decrypt(key, flipped, iv, aad, tag, AT), EngineAuthError);
    await assert.rejects(engine.decrypt(key, ciphertext, iv, aad, Buffer.alloc(16), AT), EngineAuthError);
    await assert.rejects(engine.decrypt(key, ciphertext, Buffer.alloc(12, 8), aad, tag, AT), EngineAuthError);
    await assert.rejects(engine.decrypt(key, ciphertext, iv, Buffer.from('other'), tag, AT), EngineAuthError);
    // The failures left nothing behind: the key still works.
    assert.equal((await engine.decrypt(key, ciphertext, iv, aad, tag, AT)).toString(), 'payload');
  });

  test(`${name}: each key is new material with a 3-byte check value`, async () => {
    const engine = await open();
    const a = await ref(engine, 'aa00000000000001');
    const b = await ref(engine, 'aa00000000000002');
    assert.match(a.checkValue, /^[0-9a-f]{6}$/);
    assert.notEqual(a.material, b.material);
    const sealed = await engine.encrypt(a, Buffer.from('x'), iv, aad, AT);
    await assert.rejects(engine.decrypt(b, sealed.ciphertext, iv, aad, sealed.tag, AT), EngineAuthError);
  });

  test(`${name}: 128- and 192-bit keys work too`, async () => {
    const engine = await open();
    for (const size of [16, 24]) {
      const key = await ref(engine, `bb0000000000000${size === 16 ? 1 : 2}`, size);
      const { ciphertext, tag } = await engine.encrypt(key, Buffer.from('abc'), iv, aad, AT);
      assert.equal((await engine.decrypt(key, ciphertext, iv, aad, tag, AT)).toString(), 'abc');
    }
  });

  test(`${name}: rejects key sizes AES does not have`, async () => {
    const engine = await open();
    await assert.rejects(engine.generateAesKey('bb00000000000003', 20, { ...AT, label: 'odd' }), RangeError);
  });

  test(`${name}: material outlives the engine instance that made it`, async () => {
    const key = await ref(await open(), 'cc00000000000001');
    const sealed = await (await open()).encrypt(key, Buffer.from('kept'), iv, aad, AT);
    assert.equal((await (await open()).decrypt(key, sealed.ciphertext, iv, aad, sealed.tag, AT)).toString(), 'kept');
  });

  test(`${name}: every HSM of the cluster holds the key: sealed through one, opened through the other`, async () => {
    const engine = await open();
    const key = await ref(engine, 'cc00000000000002');
    const sealed = await engine.encrypt(key, Buffer.from('synchronised'), iv, aad, FIRST);
    assert.equal((await engine.decrypt(key, sealed.ciphertext, iv, aad, sealed.tag, SECOND)).toString(), 'synchronised');
  });

  test(`${name}: an HSM that never saw the key uses it from its material (an HSM added later, a restored backup)`, async () => {
    const engine = await open();
    const key = await ref(engine, 'cc00000000000003');
    const sealed = await engine.encrypt(key, Buffer.from('restored'), iv, aad, AT);
    assert.equal((await engine.decrypt(key, sealed.ciphertext, iv, aad, sealed.tag, LATER)).toString(), 'restored');
  });

  test(`${name}: random returns the number of bytes asked for, differently each time`, async () => {
    const engine = await open();
    const a = await engine.random(32, AT);
    const b = await engine.random(32, AT);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    assert.equal((await engine.random(1, AT)).length, 1);
  });

  test(`${name}: destroy takes the key off the HSMs but not its material, which a backup still restores`, async () => {
    const engine = await open();
    const key = await ref(engine, 'dd00000000000001');
    const sealed = await engine.encrypt(key, Buffer.from('backed up'), iv, aad, AT);
    await engine.destroy(key, AT);
    assert.equal((await (await open()).decrypt(key, sealed.ciphertext, iv, aad, sealed.tag, LATER)).toString(), 'backed up');
  });
}
