import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { answerText, noEscapes } from './json-text.js';

/** The answer's text, after checking that it is said to be ASCII exactly when it is. */
function jsonText(value: unknown): string {
  const { text, ascii } = answerText(value);
  assert.equal(ascii, /^[\x00-\x7f]*$/.test(text), `ascii: ${ascii} for ${text.slice(0, 80)}`);
  return text;
}

const long = (s: string) => s.padEnd(300, 'x');

describe('answerText', () => {
  it('writes what JSON.stringify writes for the answers of the API', () => {
    const values: unknown[] = [
      { CiphertextBlob: randomBytes(4156).toString('base64'), KeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab', EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      { Keys: [{ KeyId: 'a', KeyArn: 'b' }], Truncated: false },
      { KeyMetadata: { CreationDate: 1.7e9 + 0.123, Enabled: true, EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'], Description: '' } },
      {},
      [],
      { a: undefined, b: () => 1, c: null, d: [undefined, () => 1, NaN, Infinity, -0], e: 1e21, f: 5e-7 },
      { date: new Date(0), buffer: Buffer.from('hi'), nested: { toJSON: () => 'custom' } },
      Object.assign(Object.create(null), { bare: 1 }),
      { 'key "with" quotes': 1, 'ü': 2, '\u2028': 3 },
    ];
    for (const v of values) assert.equal(jsonText(v), JSON.stringify(v));
  });

  it('escapes long strings exactly as JSON.stringify does, whatever they hold', () => {
    for (const s of ['quote " in it', 'back\\slash', 'new\nline', 'control \u0001 and \u001f', 'pair \ud83d\ude00', 'lone \ud800 high', 'lone \udc00 low', 'ünïcödé ✓', '\u2028\u2029', '\u007f del']) {
      const v = { Plaintext: long(s), short: s };
      assert.equal(jsonText(v), JSON.stringify(v), JSON.stringify(s));
    }
  });

  it('writes base64 the service noted as it is, between quotes, and the same as JSON.stringify', () => {
    const b64 = noEscapes(randomBytes(3000).toString('base64'));
    const v = { Plaintext: b64, List: [b64] };
    assert.equal(jsonText(v), `{"Plaintext":"${b64}","List":["${b64}"]}`);
    assert.equal(jsonText(v), JSON.stringify(v));
  });

  it('escapes a long string that was not noted, and one noted so long ago that it was forgotten', () => {
    const forgotten = noEscapes(long('a'));
    for (let i = 0; i < 100; i++) noEscapes(randomBytes(200).toString('base64'));
    // Had the first been written unescaped by mistake, a quote in an equal-length sibling would show it.
    for (const v of [{ s: forgotten }, { s: long('new "text"') }]) assert.equal(jsonText(v), JSON.stringify(v));
  });

  it('says ASCII only when every piece is, the long base64 strings taken as ASCII unread', () => {
    const b64 = noEscapes(randomBytes(900).toString('base64'));
    assert.equal(answerText({ CiphertextBlob: b64, KeyId: 'arn:aws:kms:us-east-1:111122223333:key/k' }).ascii, true);
    for (const v of [{ CiphertextBlob: b64, Description: 'ü' }, { 'clé': b64 }, { when: { toJSON: () => 'é' } }, [b64, '✓']]) {
      assert.equal(answerText(v).ascii, false, JSON.stringify(v).slice(0, 40));
      assert.equal(answerText(v).text, JSON.stringify(v));
    }
  });

  it('answers null where JSON.stringify answers undefined at the top', () => {
    assert.equal(jsonText(undefined), 'null');
  });
});
