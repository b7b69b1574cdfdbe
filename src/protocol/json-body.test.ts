import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonBody } from './json-body.js';

const refusal = (body: Buffer) => {
  try {
    parseJsonBody(body);
  } catch (err) {
    return `${(err as Error).constructor.name}: ${(err as Error).message}`;
  }
  return 'accepted';
};

describe('parseJsonBody', () => {
  it('parses JSON text; an empty body is an empty object', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"KeyId":"alias/é","N":[1,2]}')), { KeyId: 'alias/é', N: [1, 2] });
    assert.deepEqual(parseJsonBody(Buffer.alloc(0)), {});
  });

  it('keeps well-formed escapes, surrogate pairs included', () => {
    assert.deepEqual(parseJsonBody(Buffer.from('{"k":"\\ud83d\\ude00 \\u00e9"}')), { k: '\u{1F600} é' });
  });

  it('refuses bytes that are not UTF-8, so no two contexts decode alike', () => {
    for (const bad of [[0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([Buffer.from('{"EncryptionContext":{"k":"'), Buffer.from(bad), Buffer.from('"}}')]);
      assert.match(refusal(body), /^SerializationException: .*not valid UTF-8/);
    }
  });

  it('refuses unpaired surrogate escapes in values and in member names', () => {
    for (const text of ['{"k":"\\ud800"}', '{"k":"\\udbff"}', '{"k":"x\\udc00"}', '{"\\ud800":"v"}', '{"a":[{"b":"\\ude00\\ud83d"}]}']) {
      assert.match(refusal(Buffer.from(text)), /^SerializationException: .*unpaired UTF-16 surrogate/, text);
    }
  });

  it('refuses text that is not JSON and nesting beyond the limit', () => {
    assert.match(refusal(Buffer.from('{"a":')), /^SerializationException: .*not valid JSON/);
    assert.match(refusal(Buffer.from('['.repeat(40) + ']'.repeat(40))), /^SerializationException: .*levels deep/);
  });
});
