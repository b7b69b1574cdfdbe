import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { SerializationException, ValidationException } from './errors.js';
import { compiledShape, fullMatchRegex, lowerFirst, type ServiceModel } from './model.js';
import { decodeInput, formatViolations } from './validation.js';
import kms from './models/kms.json' with { type: 'json' };
import cloudhsmv2 from './models/cloudhsmv2.json' with { type: 'json' };
import cloudtrail from './models/cloudtrail.json' with { type: 'json' };

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const b64 = (bytes: number): string => Buffer.alloc(bytes, 7).toString('base64');

function kmsInput(op: string, body: unknown): Record<string, unknown> {
  return decodeInput(kms, kms.operations[op as keyof typeof kms.operations].input, body);
}

/** Asserts a ValidationException with exactly this message. */
function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationException, `expected ValidationException, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  });
}

function rejectsSerialization(fn: () => unknown, message?: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SerializationException, `expected SerializationException, got ${String(err)}`);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

describe('constraint messages (AWS-verified cases)', () => {
  it('empty Plaintext is below the minimum length, value not printed', () => {
    rejects(
      () => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: '' }),
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
  });

  it('4097-byte Plaintext is above the maximum length', () => {
    rejects(
      () => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: b64(4097) }),
      "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
    );
  });

  it('a 2049-character KeyId is quoted in the message', () => {
    const id = 'k'.repeat(2049);
    rejects(
      () => kmsInput('Encrypt', { KeyId: id, Plaintext: b64(1) }),
      `1 validation error detected: Value '${id}' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 2048`,
    );
  });

  it('missing required members are all reported', () => {
    rejects(
      () => kmsInput('Encrypt', {}),
      "2 validation errors detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null; " +
        "Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
    );
  });

  it('JSON null counts as missing', () => {
    rejects(
      () => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: null }),
      "1 validation error detected: Value null at 'plaintext' failed to satisfy constraint: Member must not be null",
    );
  });

  it('enum violations list the model values in model order', () => {
    rejects(
      () => kmsInput('CreateKey', { KeyUsage: 'FOO' }),
      "1 validation error detected: Value 'FOO' at 'keyUsage' failed to satisfy constraint: " +
        'Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT]',
    );
  });

  it('integer ranges', () => {
    rejects(
      () => kmsInput('GenerateRandom', { NumberOfBytes: 0 }),
      "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    rejects(
      () => kmsInput('GenerateRandom', { NumberOfBytes: 1025 }),
      "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
    rejects(
      () => kmsInput('ListKeys', { Limit: 0 }),
      "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
  });

  it('patterns are quoted as written in the model', () => {
    rejects(
      () => kmsInput('CreateAlias', { AliasName: 'alias/my key', TargetKeyId: KEY_ID }),
      "1 validation error detected: Value 'alias/my key' at 'aliasName' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$',
    );
  });

  it('nested structures in lists are checked, with 1-based .member paths', () => {
    rejects(
      () => kmsInput('CreateKey', { Tags: [{ TagKey: 'a', TagValue: 'b' }, { TagKey: 'c' }] }),
      "1 validation error detected: Value null at 'tags.2.member.tagValue' failed to satisfy constraint: Member must not be null",
    );
    rejects(
      () => kmsInput('CreateKey', { Tags: [{ TagKey: 'a' }] }),
      "1 validation error detected: Value null at 'tags.1.member.tagValue' failed to satisfy constraint: Member must not be null",
    );
  });
});

describe('constraint collection', () => {
  it('one member can break several rules', () => {
    rejects(
      () => kmsInput('CreateAlias', { AliasName: '', TargetKeyId: KEY_ID }),
      "2 validation errors detected: Value '' at 'aliasName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
        "Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
    );
  });

  it('violations are collected across members and nesting levels', () => {
    assert.throws(
      () => kmsInput('CreateKey', { KeyUsage: 'FOO', Description: 'x'.repeat(8193), Tags: [{ TagKey: '', TagValue: 'v' }] }),
      (err: unknown) => err instanceof ValidationException && err.message.startsWith('3 validation errors detected: '),
    );
  });

  it('scalar list elements are reported once for the whole list, with all element rules', () => {
    rejects(
      () => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: b64(1), GrantTokens: ['a', '', 'b', ''] }),
      "1 validation error detected: Value '[a, , b, ]' at 'grantTokens' failed to satisfy constraint: " +
        'Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]',
    );
  });

  it('list sizes are checked', () => {
    rejects(
      () => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: b64(1), GrantTokens: Array.from({ length: 11 }, (_, i) => `t${i}`) }),
      "1 validation error detected: Value '[t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]' at 'grantTokens' failed to satisfy constraint: " +
        'Member must have length less than or equal to 10',
    );
  });

  it('map keys are reported the Coral way', () => {
    rejects(
      () => decodeInput(cloudhsmv2, 'DescribeClustersRequest', { Filters: { 'bad key': ['x'], states: ['ACTIVE'] } }),
      "1 validation error detected: Value '{bad key=[x], states=[ACTIVE]}' at 'filters' failed to satisfy constraint: " +
        'Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+]',
    );
  });

  it('map values are reported the Coral way', () => {
    rejects(
      () => decodeInput(cloudtrail, 'StartDashboardRefreshRequest', { DashboardId: 'dash', QueryParameterValues: { abc: 'no spaces' } }),
      "1 validation error detected: Value '{abc=no spaces}' at 'queryParameterValues' failed to satisfy constraint: " +
        'Map value must satisfy constraint: [Member must have length less than or equal to 128, ' +
        'Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^[a-zA-Z0-9._/\\-:]+$]',
    );
  });

  it('\\p{...} patterns are Unicode-aware', () => {
    const body = (key: string) => ({ ResourceId: 'cluster-abcdefghijk', TagKeyList: [key] });
    assert.doesNotThrow(() => decodeInput(cloudhsmv2, 'UntagResourceRequest', body('ключ_1')));
    assert.throws(() => decodeInput(cloudhsmv2, 'UntagResourceRequest', body('a!')), ValidationException);
  });

  it('patterns must match the whole value', () => {
    // `cluster-[2-7a-zA-Z]{11,16}` would find a match inside this value.
    rejects(
      () => decodeInput(cloudhsmv2, 'DeleteClusterRequest', { ClusterId: 'xcluster-abcdefghijk' }),
      "1 validation error detected: Value 'xcluster-abcdefghijk' at 'clusterId' failed to satisfy constraint: " +
        'Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}',
    );
  });

  it("Java's leading (?s) becomes the s flag", () => {
    assert.doesNotThrow(() => decodeInput(cloudtrail, 'StartQueryRequest', { QueryStatement: 'SELECT *\nFROM x' }));
    assert.equal(fullMatchRegex('(?s).*')?.flags.includes('s'), true);
  });

  it('formatting is a pure function of the violations', () => {
    const shape = compiledShape(kms, 'KeyIdType');
    assert.equal(
      formatViolations([{ path: 'keyId', shape, value: 'x', rule: { kind: 'minLength', limit: 3 } }]),
      "1 validation error detected: Value 'x' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 3",
    );
  });
});

describe('type decoding', () => {
  it('blobs decode to Buffers', () => {
    const input = kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: Buffer.from('hello').toString('base64') });
    assert.ok(Buffer.isBuffer(input.Plaintext));
    assert.equal((input.Plaintext as Buffer).toString(), 'hello');
    assert.equal(input.KeyId, KEY_ID);
  });

  it('drops unknown members and absent ones', () => {
    const input = kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: 'AA==', Bogus: 1, DryRun: null });
    assert.deepEqual(Object.keys(input).sort(), ['KeyId', 'Plaintext']);
  });

  it('passes nested values through', () => {
    const input = kmsInput('Encrypt', {
      KeyId: KEY_ID,
      Plaintext: 'AA==',
      EncryptionContext: { purpose: 'test' },
      GrantTokens: ['t'],
      DryRun: false,
    });
    assert.deepEqual(input.EncryptionContext, { purpose: 'test' });
    assert.deepEqual(input.GrantTokens, ['t']);
    assert.equal(input.DryRun, false);
  });

  it('timestamps decode to epoch milliseconds', () => {
    const decode = (t: unknown) => decodeInput(cloudtrail, 'LookupEventsRequest', { StartTime: t }).StartTime;
    assert.equal(decode(1700000000), 1700000000000);
    assert.equal(decode(1700000000.123), 1700000000123);
    assert.equal(decode('2023-11-14T22:13:20Z'), 1700000000000);
    assert.equal(decode('2023-11-14T23:13:20.5+01:00'), 1700000000500);
    rejectsSerialization(() => decode('yesterday'));
    rejectsSerialization(() => decode('2023-11-14T22:13:20')); // no offset: ambiguous
  });

  it('accepts padded standard base64 of every remainder', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const bytes = Buffer.from([0xfb, 0xff, 0xbf, 0xfe, 0xef].slice(0, n));
      const input = kmsInput('Verify', { KeyId: KEY_ID, Message: 'AA==', Signature: bytes.toString('base64'), SigningAlgorithm: 'ECDSA_SHA_256' });
      assert.deepEqual(input.Signature, bytes);
    }
    assert.deepEqual(kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: '+/+/' }).Plaintext, Buffer.from([0xfb, 0xff, 0xbf]));
  });

  it('rejects bad base64', () => {
    for (const bad of ['not base64!', 'abc', 'ab-_', 'AA=A', 'A===', '====', ' AAA', 'AA\nA', 'AAé=', 'AAAA====', 'AAA=AAAA']) {
      rejectsSerialization(() => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: bad }));
    }
  });

  it('rejects wrong JSON types with SerializationException', () => {
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: 5, Plaintext: 'AA==' }), 'NUMBER_VALUE can not be converted to String');
    rejectsSerialization(() => kmsInput('Encrypt', []), 'Start of list found where not expected.');
    rejectsSerialization(() => kmsInput('Encrypt', 'x'), 'STRING_VALUE can not be converted to a Structure');
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: { a: 1 } }), 'Start of structure or map found where not expected.');
    rejectsSerialization(() => kmsInput('GenerateRandom', { NumberOfBytes: '32' }), 'STRING_VALUE can not be converted to an Integer');
    rejectsSerialization(() => kmsInput('GenerateRandom', { NumberOfBytes: 1.5 }), 'NUMBER_VALUE can not be converted to an Integer');
    rejectsSerialization(() => kmsInput('GenerateRandom', { NumberOfBytes: 2 ** 31 }));
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: 'AA==', DryRun: 'true' }), 'STRING_VALUE can not be converted to a Boolean');
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: 'AA==', GrantTokens: 't' }));
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: 'AA==', GrantTokens: [null] }));
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: KEY_ID, Plaintext: 'AA==', EncryptionContext: { a: 1 } }));
    rejectsSerialization(() => kmsInput('CreateKey', { Tags: [{ TagKey: 'a', TagValue: 7 }] }));
  });

  it('a type error wins over constraint violations', () => {
    rejectsSerialization(() => kmsInput('Encrypt', { KeyId: '', Plaintext: 'not base64!' }));
  });
});

describe('synthetic models', () => {
  const model: ServiceModel = {
    metadata: { apiVersion: '2020-01-01', targetPrefix: 'Test' },
    operations: {},
    shapes: {
      Input: { type: 'structure', members: { Blobs: { shape: 'BlobMap' }, Node: { shape: 'Node' }, Code: { shape: 'Odd' } } },
      BlobMap: { type: 'map', key: { shape: 'Str' }, value: { shape: 'Secret' } },
      Secret: { type: 'blob', sensitive: true, min: 2 },
      Node: { type: 'structure', required: ['Name'], members: { Name: { shape: 'Str' }, Next: { shape: 'Node' } } },
      Str: { type: 'string' },
      // A pattern JS cannot compile is skipped, not fatal.
      Odd: { type: 'string', pattern: '(?<' },
    },
  };

  it('recursive shapes compile and validate', () => {
    rejects(
      () => decodeInput(model, 'Input', { Node: { Name: 'a', Next: { Next: { Name: 'c' } } } }),
      "1 validation error detected: Value null at 'node.next.name' failed to satisfy constraint: Member must not be null",
    );
  });

  it('maps whose values decode are copied safely, even with a __proto__ key', () => {
    const body = JSON.parse('{"Blobs":{"__proto__":"AAA=","b":"AAAA"}}') as unknown;
    const out = decodeInput(model, 'Input', body).Blobs as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.ok(Buffer.isBuffer(out['__proto__']));
    assert.equal((out['b'] as Buffer).length, 3);
  });

  it('sensitive map values are never printed', () => {
    rejects(
      () => decodeInput(model, 'Input', { Blobs: { k: 'AA==' } }),
      "1 validation error detected: Value '{k=***}' at 'blobs' failed to satisfy constraint: " +
        'Map value must satisfy constraint: [Member must have length greater than or equal to 2]',
    );
  });

  it('uncompilable patterns are skipped', () => {
    assert.equal(compiledShape(model, 'Odd').regex, undefined);
    assert.doesNotThrow(() => decodeInput(model, 'Input', { Code: 'anything' }));
  });
});

describe('model index', () => {
  it('compiles each shape once per model', () => {
    const a = compiledShape(kms, 'AliasNameType');
    assert.equal(compiledShape(kms, 'AliasNameType'), a);
    assert.equal(compiledShape(kms, 'CreateAliasRequest').members[0]?.target, a);
    assert.ok(a.regex instanceof RegExp);
  });

  it('lowers only the first character of member names', () => {
    assert.equal(lowerFirst('CustomKeyStoreId'), 'customKeyStoreId');
    assert.equal(lowerFirst('SAMLOptions'), 'sAMLOptions');
  });

  it('every pattern in the shipped models compiles, except Java-only forms', () => {
    for (const model of [kms, cloudhsmv2, cloudtrail] as ServiceModel[]) {
      for (const [name, shape] of Object.entries(model.shapes)) {
        if (shape.pattern !== undefined) assert.ok(compiledShape(model, name).regex, `${name}: ${shape.pattern}`);
      }
    }
  });
});
