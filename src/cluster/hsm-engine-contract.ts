import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineAuthError, type HsmEngine, type MaterialRef } from './hsm-engine.js';

/**
 * The contract every HsmEngine keeps. `open` returns an engine over the same backing store each
 * time it is called (the same root key, the same token), as a restarted service would get.
 */
export function hsmEngineContract(name: string, open: () => Promise<HsmEngine>): void {
  const iv = Buffer.alloc(12, 7);
  const aad = Buffer.from('cluster-abc/key');

  const ref = async (engine: HsmEngine, objectId: string, size = 32): Promise<MaterialRef & { checkValue: string }> => {
    const generated = await engine.generateAesKey(objectId, size);
    return { objectId, material: generated.material, checkValue: generated.checkValue };
  };

  test(`${name}: AES-GCM round trip with associated data`, async () => {
    const engine = await open();
    const key = await ref(engine, '5e1f0a9b3c2d4e6f');
    const plaintext = Buffer.from('the secret the seeds protect');
    const { ciphertext, tag } = await engine.encrypt(key, plaintext, iv, aad);
    assert.equal(ciphertext.length, plaintext.length);
    assert.equal(tag.length, 16);
    assert.notDeepEqual(ciphertext, plaintext);
    assert.deepEqual(await engine.decrypt(key, ciphertext, iv, aad, tag), plaintext);
  });

  test(`${name}: a changed ciphertext, tag, IV or associated data fails with EngineAuthError`, async () => {
    const engine = await open();
    const key = await ref(engine, '00112233445566aa');
    const { ciphertext, tag } = await engine.encrypt(key, Buffer.from('payload'), iv, aad);
    const flipped = Buffer.from(ciphertext);
    flipped[0]! ^= 1;
    await assert.rejects(engine.decrypt(key, flipped, iv, aad, tag), EngineAuthError);
    await assert.rejects(engine.decrypt(key, ciphertext, iv, aad, Buffer.alloc(16)), EngineAuthError);
    await assert.rejects(engine.decrypt(key, ciphertext, Buffer.alloc(12, 8), aad, tag), EngineAuthError);
    await assert.rejects(engine.decrypt(key, ciphertext, iv, Buffer.from('other'), tag), EngineAuthError);
  });

  test(`${name}: each key is new material with a 3-byte check value`, async () => {
    const engine = await open();
    const a = await ref(engine, 'aa00000000000001');
    const b = await ref(engine, 'aa00000000000002');
    assert.match(a.checkValue, /^[0-9a-f]{6}$/);
    assert.notEqual(a.material, b.material);
    const sealed = await engine.encrypt(a, Buffer.from('x'), iv, aad);
    await assert.rejects(engine.decrypt(b, sealed.ciphertext, iv, aad, sealed.tag), EngineAuthError);
  });

  test(`${name}: 128- and 192-bit keys work too`, async () => {
    const engine = await open();
    for (const size of [16, 24]) {
      const key = await ref(engine, `bb0000000000000${size === 16 ? 1 : 2}`, size);
      const { ciphertext, tag } = await engine.encrypt(key, Buffer.from('abc'), iv, aad);
      assert.equal((await engine.decrypt(key, ciphertext, iv, aad, tag)).toString(), 'abc');
    }
  });

  test(`${name}: material outlives the engine instance that made it`, async () => {
    const key = await ref(await open(), 'cc00000000000001');
    const sealed = await (await open()).encrypt(key, Buffer.from('kept'), iv, aad);
    assert.equal((await (await open()).decrypt(key, sealed.ciphertext, iv, aad, sealed.tag)).toString(), 'kept');
  });

  test(`${name}: random returns the number of bytes asked for, differently each time`, async () => {
    const engine = await open();
    const a = await engine.random(32);
    const b = await engine.random(32);
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    assert.equal((await engine.random(1)).length, 1);
  });

  test(`${name}: destroy is accepted for material it made`, async () => {
    const engine = await open();
    await engine.destroy(await ref(engine, 'dd00000000000001'));
  });
}
