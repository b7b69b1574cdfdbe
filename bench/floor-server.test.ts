import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningChild } from './child.js';
import { LoadClient } from './load.js';
import { startFloorServer } from './servers.js';
import { Signer } from './sigv4.js';

// The floor must really do the work it stands for, or the bench would show a floor too low: a
// signature it does not check, a ciphertext it does not open.

describe('the floor server', { timeout: 30_000 }, () => {
  let floor: RunningChild;
  const clients: LoadClient[] = [];
  const client = (secretAccessKey = 'test') => {
    const c = new LoadClient(new URL(floor.url), new Signer({ accessKeyId: 'test', secretAccessKey, region: 'us-east-1', service: 'kms' }), 5_000, 1);
    clients.push(c);
    return c;
  };
  before(async () => {
    floor = await startFloorServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    await floor?.stop();
  });

  const call = async (c: LoadClient, op: string, input: unknown) => {
    const answer = await c.send(`TrentService.${op}`, Buffer.from(JSON.stringify(input)), true);
    return { status: answer.status, body: JSON.parse(answer.body.toString()) as Record<string, string> };
  };

  it('encrypts with AES-256-GCM and decrypts what it encrypted', async () => {
    const plaintext = randomBytes(4096);
    const enc = await call(client(), 'Encrypt', { KeyId: 'any', Plaintext: plaintext.toString('base64') });
    assert.equal(enc.status, 200);
    const blob = Buffer.from(enc.body.CiphertextBlob!, 'base64');
    // A header, a 12-byte IV, the ciphertext, a 16-byte tag: as long as the plaintext plus all of them.
    assert.equal(blob.length, 100 + 12 + plaintext.length + 16);
    assert.notDeepEqual(blob.subarray(112, 112 + 64), plaintext.subarray(0, 64));
    const dec = await call(client(), 'Decrypt', { CiphertextBlob: enc.body.CiphertextBlob });
    assert.equal(dec.status, 200);
    assert.deepEqual(Buffer.from(dec.body.Plaintext!, 'base64'), plaintext);
  });

  it('refuses a ciphertext whose tag does not match', async () => {
    const enc = await call(client(), 'Encrypt', { KeyId: 'any', Plaintext: randomBytes(64).toString('base64') });
    const blob = Buffer.from(enc.body.CiphertextBlob!, 'base64');
    blob[120] = blob[120]! ^ 1;
    const dec = await call(client(), 'Decrypt', { CiphertextBlob: blob.toString('base64') });
    assert.equal(dec.status, 400);
    assert.equal(dec.body.__type, 'InvalidCiphertextException');
  });

  it('generates a 32-byte data key and its ciphertext', async () => {
    const gdk = await call(client(), 'GenerateDataKey', { KeyId: 'any', KeySpec: 'AES_256' });
    assert.equal(gdk.status, 200);
    const dataKey = Buffer.from(gdk.body.Plaintext!, 'base64');
    assert.equal(dataKey.length, 32);
    const dec = await call(client(), 'Decrypt', { CiphertextBlob: gdk.body.CiphertextBlob });
    assert.deepEqual(Buffer.from(dec.body.Plaintext!, 'base64'), dataKey);
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const answer = await client().send('TrentService.Encrypt', Buffer.from('{"KeyId":'), true);
    assert.equal(answer.status, 400);
    assert.equal((JSON.parse(answer.body.toString()) as { __type: string }).__type, 'SerializationException');
  });

  it('verifies the signature: a request signed with another secret is refused', async () => {
    const res = await call(client('not-the-secret'), 'Encrypt', { KeyId: 'any', Plaintext: 'AAAA' });
    assert.equal(res.status, 400);
    assert.equal(res.body.__type, 'InvalidSignatureException');
  });
});
