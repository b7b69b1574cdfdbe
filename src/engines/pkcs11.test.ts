import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { secureRandom } from '../core/random.js';
import { Sealer } from '../core/sealer.js';
import { softHsmTokens } from '../../test/support/softhsm.js';
import { hsmEngineContract } from '../cluster/hsm-engine-contract.js';
import { keyBackendContract } from '../kms/key-backend-contract.js';
import { clusterBackendHarness } from '../../test/support/cluster-backend-harness.js';
import { EngineBusyError, EngineUnavailableError } from '../cluster/hsm-engine.js';
import { pkcs11js, Pkcs11SetupError } from './pkcs11-module.js';
import { Pkcs11Backend } from './pkcs11-setup.js';
import type { Token } from './pkcs11-token.js';

// SoftHSM2 tokens in a directory of this test process's own. The library reads SOFTHSM2_CONF
// when it is initialised, once per process, so every test here shares the one set of tokens and
// each group of tests takes tokens of its own from it.
const hsm = softHsmTokens(12, 'engine-test');
process.env.SOFTHSM2_CONF = hsm.conf;
after(() => hsm.dispose());

const [t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12] = hsm.labels as string[] as [string, string, string, string, string, string, string, string, string, string, string, string];
const backend = (extra: Record<string, unknown>) => Pkcs11Backend.open({ module: hsm.module, configFile: hsm.configFile(extra) });

hsmEngineContract('pkcs11 (SoftHSM2)', async () => backend({ tokens: [t1, t2, t3] }).engine());
// The key-backend contract every KMS key's backend passes, for keys in a custom key store whose HSMs are SoftHSM2 tokens.
keyBackendContract('custom key store (pkcs11, SoftHSM2)', () => clusterBackendHarness({ engine: () => backend({ tokens: [t11, t12] }).engine() }));

/** The token's secret keys with CKA_ID `objectId`, and the attributes that say what may become of them. */
function copiesOf(token: Token, objectId: string) {
  const lib = pkcs11js();
  return token.find([{ type: lib.CKA_CLASS, value: lib.CKO_SECRET_KEY }, { type: lib.CKA_ID, value: Buffer.from(objectId, 'hex') }]).map((h) => {
    const [label, token_, extractable, sensitive, encrypt] = token.api
      .C_GetAttributeValue(token.anchor, h, [{ type: lib.CKA_LABEL }, { type: lib.CKA_TOKEN }, { type: lib.CKA_EXTRACTABLE }, { type: lib.CKA_SENSITIVE }, { type: lib.CKA_ENCRYPT }])
      .map((a) => a.value);
    return { label: label!.toString(), onToken: token_![0] === 1, extractable: extractable![0] === 1, sensitive: sensitive![0] === 1, encrypt: encrypt![0] === 1 };
  });
}

describe('pkcs11 engine on SoftHSM2', () => {
  const AT = { hsms: ['hsm-tokens0001', 'hsm-tokens0002'], session: 'kms-login' };

  test('a key object is a sensitive, non-extractable token key in the token of each HSM, found by CKA_ID, and leaves them when destroyed', async () => {
    const b = backend({ tokens: [t4, t5] });
    const engine = b.engine();
    const { material } = await engine.generateAesKey('0a0b0c0d0e0f1011', 32, { ...AT, label: 'kms-backing-key' });
    assert.match(material, /^p11:[0-9a-f]{16}:/, 'the material is the key wrapped under the tokens\u2019 wrapping key');
    const holders = b.tokens.filter((t) => copiesOf(t, '0a0b0c0d0e0f1011').length > 0);
    assert.equal(holders.length, 2, 'one copy in the token of each HSM');
    for (const token of holders) {
      assert.deepEqual(copiesOf(token, '0a0b0c0d0e0f1011'), [{ label: 'kms-backing-key', onToken: true, extractable: false, sensitive: true, encrypt: true }]);
    }
    await engine.destroy({ objectId: '0a0b0c0d0e0f1011', material }, AT);
    for (const token of holders) assert.deepEqual(copiesOf(token, '0a0b0c0d0e0f1011'), []);
  });

  test('a token that refuses a call is an EngineUnavailableError naming its return value', async () => {
    const engine = backend({ tokens: [t4, t5] }).engine();
    const { material } = await engine.generateAesKey('0a0b0c0d0e0f1012', 32, { ...AT, label: 'k' });
    const [prefix, wrapped] = [material.slice(0, material.lastIndexOf(':') + 1), Buffer.from(material.slice(material.lastIndexOf(':') + 1), 'base64')];
    wrapped[3]! ^= 1;
    // The copy this HSM makes from the damaged material does not unwrap.
    const ref = { objectId: '0a0b0c0d0e0f1013', material: prefix + wrapped.toString('base64') };
    await assert.rejects(engine.encrypt(ref, Buffer.from('x'), Buffer.alloc(12), Buffer.alloc(0), AT), (err) => err instanceof EngineUnavailableError && /^the PKCS#11 token refused the call \(CKR_\w+\)$/.test(err.message));
  });

  test('a token that runs out of sessions refuses the call at once with EngineBusyError, and serves again once one is free', async () => {
    // Two sessions: the one that holds the login, and one for kmsuser's session.
    const engine = backend({ tokens: [t6], maxSessions: 2 }).engine();
    const at = { hsms: ['hsm-sessions001'], session: 'kmsuser-1' };
    const ref = { objectId: '5e55105500000001', ...(await engine.generateAesKey('5e55105500000001', 32, { ...at, label: 'k' })) };
    const iv = Buffer.alloc(12, 1);
    const first = engine.encrypt(ref, Buffer.from('one'), iv, Buffer.alloc(0), at);
    const second = engine.encrypt(ref, Buffer.from('two'), iv, Buffer.alloc(0), at);
    await assert.rejects(second, (err) => err instanceof EngineBusyError && /no session left: all 2 it allows are open/.test(err.message));
    await first;
    await engine.encrypt(ref, Buffer.from('three'), iv, Buffer.alloc(0), at);
    // Another login finds no session until kmsuser's ends.
    await assert.rejects(engine.encrypt(ref, Buffer.from('x'), iv, Buffer.alloc(0), { ...at, session: 'admin-1' }), EngineBusyError);
    engine.release('kmsuser-1');
    await engine.encrypt(ref, Buffer.from('x'), iv, Buffer.alloc(0), { ...at, session: 'admin-1' });
  });

  test('when every token serves an HSM, a new HSM takes the token of one that no longer exists, emptied of its keys', async () => {
    const live = new Set(['hsm-reuse00001', 'hsm-reuse00002']);
    const b = backend({ tokens: [t7, t8] });
    const engine = b.engine(async () => live);
    const one = { hsms: ['hsm-reuse00001'] };
    await engine.generateAesKey('0000000000000aa1', 32, { ...one, label: 'a' });
    await engine.generateAesKey('0000000000000aa2', 32, { hsms: ['hsm-reuse00002'], label: 'b' });
    const third = { hsms: ['hsm-reuse00003'], label: 'c' };
    await assert.rejects(engine.generateAesKey('0000000000000aa3', 32, third), (err) => err instanceof EngineUnavailableError && /No PKCS#11 token is free to serve HSM hsm-reuse00003/.test(err.message));
    live.delete('hsm-reuse00001');
    live.add('hsm-reuse00003');
    await engine.generateAesKey('0000000000000aa3', 32, third);
    const [a, c] = [copiesOf, copiesOf].map((f, i) => b.tokens.flatMap((t) => f(t, i === 0 ? '0000000000000aa1' : '0000000000000aa3')));
    assert.equal(a!.length, 0, 'the deleted HSM\u2019s key left its token');
    assert.equal(c!.length, 1);
    // After a restart the tokens still say which HSM each serves.
    const again = backend({ tokens: [t7, t8] }).engine(async () => live);
    await assert.rejects(again.generateAesKey('0000000000000aa4', 32, { hsms: ['hsm-reuse00004'], label: 'd' }), EngineUnavailableError);
  });

  test('the root key: AES-GCM sealing in the token, made once, found again, and secrets derived from it the same each time', () => {
    const b = backend({ tokens: [t9] });
    const root = b.rootKey(true);
    const sealer = new Sealer(root, secureRandom);
    const sealed = sealer.seal(Buffer.from('a key store password'), 'cks-1/password');
    const again = new Sealer(backend({ tokens: [t9] }).rootKey(false), secureRandom);
    assert.equal(again.open(sealed, 'cks-1/password').toString(), 'a key store password');
    assert.throws(() => again.open(sealed, 'cks-2/password'), /does not open under the root key in PKCS#11 token/);
    assert.deepEqual(root.derive('grant tokens'), b.rootKey(false).derive('grant tokens'));
    assert.notDeepEqual(root.derive('grant tokens'), root.derive('import tokens'));
    assert.equal(root.derive('grant tokens').length, 32);
    const lib = pkcs11js();
    const [key] = b.tokens[0]!.find([{ type: lib.CKA_LABEL, value: 'keywarden-root-key' }]);
    assert.equal(b.tokens[0]!.value(key!, lib.CKA_EXTRACTABLE)[0], 0, 'the root key cannot leave the token');
    assert.throws(() => backend({ tokens: [t8] }).rootKey(false), /token 'engine-test-8' holds no keywarden-root-key/);
  });

  test('a wrong library, token label or PIN stops with one sentence that says which', () => {
    const fails = (extra: Record<string, unknown>, pattern: RegExp, module = hsm.module) =>
      assert.throws(() => Pkcs11Backend.open({ module, configFile: hsm.configFile(extra) }), (err) => err instanceof Pkcs11SetupError && pattern.test(err.message) && !err.message.includes('\n'));
    fails({}, /^cannot load the PKCS#11 module \/nonexistent\/libpkcs11\.so: .*; pass the path of the token's PKCS#11 library with --pkcs11-module$/, '/nonexistent/libpkcs11.so');
    fails({ tokens: ['no-such-token'] }, /has no initialised token labelled 'no-such-token' \(its tokens: .*'engine-test-1'/);
    fails({ tokens: [{ label: t10, pin: '00000000' }] }, /^the PIN for PKCS#11 token 'engine-test-10' is not correct/);
    fails({ tokens: [t10], maxSessions: 0 }, /"maxSessions" is a whole number of sessions, 1 or more/);
    fails({ token: [t10] }, /'token' is not a setting/);
  });
});
