import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { malformedPolicyMessage, parsePolicy, POLICY_MESSAGES, type PolicyKind } from './document.js';

const stmt = (extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*', ...extra });
const doc = (statement: unknown, top: Record<string, unknown> = {}) => JSON.stringify({ Version: '2012-10-17', Statement: statement, ...top });

/** The first problem's message, or 'ok'. */
function outcome(text: string, kind: PolicyKind = 'key'): string {
  const r = parsePolicy(text, kind);
  return r.ok ? 'ok' : malformedPolicyMessage(r.problems);
}

describe('parsePolicy: what a key policy may hold', () => {
  const CASES: Array<[name: string, text: string, expected: string]> = [
    ['the default key policy', doc([stmt({ Sid: 'Enable IAM User Permissions' })]), 'ok'],
    ['one statement as an object', doc(stmt()), 'ok'],
    ['no Version (IAM reads 2008-10-17)', JSON.stringify({ Statement: [stmt()] }), 'ok'],
    ['Version 2008-10-17', doc([stmt()], { Version: '2008-10-17' }), 'ok'],
    ['an Id', doc([stmt()], { Id: 'key-default-1' }), 'ok'],
    ['duplicate Sids', doc([stmt({ Sid: 'a' }), stmt({ Sid: 'a' })]), 'ok'],
    ['Sids with spaces', doc([stmt({ Sid: 'Allow use of the key' })]), 'ok'],
    ['Principal "*"', doc([stmt({ Principal: '*' })]), 'ok'],
    ['Principal AWS "*"', doc([stmt({ Principal: { AWS: '*' } })]), 'ok'],
    ['a bare account id', doc([stmt({ Principal: { AWS: '111122223333' } })]), 'ok'],
    ['users, roles with paths, sessions', doc([stmt({ Principal: { AWS: ['arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::111122223333:role/team/app', 'arn:aws:sts::111122223333:assumed-role/app/s1'] } })]), 'ok'],
    ['a service principal', doc([stmt({ Principal: { Service: 'cloudtrail.amazonaws.com' } })]), 'ok'],
    ['NotPrincipal', doc([stmt({ Principal: undefined, NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, Effect: 'Deny' })]), 'ok'],
    ['NotAction and NotResource', doc([stmt({ Action: undefined, NotAction: 'kms:Decrypt', Resource: undefined, NotResource: 'arn:aws:kms:*:*:key/x' })]), 'ok'],
    ['every condition operator family', doc([stmt({ Condition: {
      StringEqualsIgnoreCase: { 'kms:ViaService': 'X' },
      'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/app-*' },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['a', 'b'] },
      NumericLessThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30 },
      DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' },
      Bool: { 'aws:SecureTransport': true },
      IpAddressIfExists: { 'aws:SourceIp': '10.0.0.0/8' },
      ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app-*' },
      Null: { 'kms:EncryptionContextKeys': 'false' },
    } })]), 'ok'],
    ['a statement without Action is stored (it has no effect)', doc([stmt({ Action: undefined })]), 'ok'],
    ['a statement without Resource is stored (it has no effect)', doc([stmt({ Resource: undefined })]), 'ok'],

    ['not JSON', '{"Statement": [', 'The key policy is not valid JSON.'],
    ['not an object', '[]', 'The key policy must be a JSON object.'],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), 'The key policy must contain a Statement.'],
    ['a Statement that is a string', doc('x'), 'The key policy must contain a Statement.'],
    ['an unknown Version', doc([stmt()], { Version: '2020-01-01' }), 'The policy Version must be 2012-10-17 or 2008-10-17.'],
    ['an unknown top-level element', doc([stmt()], { Statements: [] }), 'The policy has an unknown element "Statements"; a policy holds Version, Id and Statement.'],
    ['an unknown statement element', doc([stmt({ Actions: 'kms:*' })]), 'Statement 1 has an unknown element "Actions".'],
    ['no Effect', doc([stmt({ Effect: undefined })]), 'Statement 1 needs an Effect of Allow or Deny.'],
    ['Effect in the wrong case', doc([stmt({ Effect: 'allow' })]), 'Statement 1 needs an Effect of Allow or Deny, not "allow".'],
    ['no Principal', doc([stmt({ Principal: undefined })]), POLICY_MESSAGES.invalidPrincipals],
    ['Principal and NotPrincipal', doc([stmt({ NotPrincipal: '*' })]), POLICY_MESSAGES.invalidPrincipals],
    ['a wildcard inside a principal ARN', doc([stmt({ Principal: { AWS: 'arn:aws:iam::111122223333:user/*' } })]), POLICY_MESSAGES.invalidPrincipals],
    ['an IAM unique id', doc([stmt({ Principal: { AWS: 'AIDACKCEVSQ6C2EXAMPLE' } })]), POLICY_MESSAGES.invalidPrincipals],
    ['a group', doc([stmt({ Principal: { AWS: 'arn:aws:iam::111122223333:group/admins' } })]), POLICY_MESSAGES.invalidPrincipals],
    ['an unknown principal type', doc([stmt({ Principal: { Aws: 'arn:aws:iam::111122223333:root' } })]), POLICY_MESSAGES.invalidPrincipals],
    ['an empty principal list', doc([stmt({ Principal: { AWS: [] } })]), POLICY_MESSAGES.invalidPrincipals],
    ['Action and NotAction', doc([stmt({ NotAction: 'kms:Decrypt' })]), 'Statement 1 has both Action and NotAction; use one.'],
    ['Resource and NotResource', doc([stmt({ NotResource: '*' })]), 'Statement 1 has both Resource and NotResource; use one.'],
    ['an action without a vendor', doc([stmt({ Action: 'Decrypt' })]), POLICY_MESSAGES.actionVendor],
    ['an action that is a number', doc([stmt({ Action: 7 })]), 'The Action of statement 1 must be a string or a list of strings.'],
    ['an unknown condition operator', doc([stmt({ Condition: { StringEqual: { 'kms:ViaService': 'x' } } })]), 'Statement 1 uses the unknown condition operator "StringEqual".'],
    ['Null with IfExists', doc([stmt({ Condition: { NullIfExists: { 'kms:ViaService': 'true' } } })]), 'Statement 1 uses the unknown condition operator "NullIfExists".'],
    ['an unknown set qualifier', doc([stmt({ Condition: { 'ForSomeValues:StringEquals': { 'kms:ViaService': 'x' } } })]), 'Statement 1 uses the unknown condition operator "ForSomeValues:StringEquals".'],
    ['a condition key without a vendor', doc([stmt({ Condition: { StringEquals: { ViaService: 'x' } } })]), POLICY_MESSAGES.actionVendor],
    ['a condition value that is an object', doc([stmt({ Condition: { StringEquals: { 'kms:ViaService': { a: 1 } } } })]), 'The value of kms:ViaService in statement 1 must be a string, number, boolean or a list of them.'],
    ['a Null condition that is not true or false', doc([stmt({ Condition: { Null: { 'kms:ViaService': 'yes' } } })]), 'The Null condition on kms:ViaService in statement 1 takes true or false.'],
    ['the problem of the second statement is named', doc([stmt(), stmt({ Effect: 'Maybe' })]), 'Statement 2 needs an Effect of Allow or Deny, not "Maybe".'],
  ];
  for (const [name, text, expected] of CASES) it(name, () => assert.equal(outcome(text), expected));

  it('warns about statements AWS stores without effect', () => {
    const r = parsePolicy(doc([stmt(), stmt({ Action: undefined })]), 'key');
    assert.ok(r.ok);
    assert.deepEqual(r.warnings, [{ message: 'Statement 2 has no Action or NotAction and has no effect.', statement: 1 }]);
  });
});

describe('parsePolicy: identity policies (IAM rules and messages)', () => {
  const id = (extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', ...extra });
  const CASES: Array<[name: string, text: string, expected: string]> = [
    ['a plain identity policy', doc([id({ Sid: 'AllowDecrypt1' })]), 'ok'],
    ['not JSON', 'nope', POLICY_MESSAGES.identitySyntax],
    ['a Principal', doc([id({ Principal: '*' })]), POLICY_MESSAGES.principalInIdentityPolicy],
    ['a NotPrincipal', doc([id({ NotPrincipal: { AWS: '111122223333' } })]), POLICY_MESSAGES.principalInIdentityPolicy],
    ['no Action', doc([id({ Action: undefined })]), POLICY_MESSAGES.identityNeedsActions],
    ['no Resource', doc([id({ Resource: undefined })]), POLICY_MESSAGES.identityNeedsResources],
    ['a Sid with spaces', doc([id({ Sid: 'Allow decrypt' })]), 'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*'],
  ];
  for (const [name, text, expected] of CASES) it(name, () => assert.equal(outcome(text, 'identity'), expected));
});

describe('parsePolicy: hostile documents', () => {
  const timed = (fn: () => void) => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };

  it('deep nesting anywhere is refused without recursion', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const texts = [
      `{"Statement":{"Effect":"Allow","Principal":"*","Action":${deep},"Resource":"*"}}`,
      `{"Version":${deep},"Statement":[]}`,
      `{"Statement":{"Effect":"Allow","Principal":{"AWS":${deep}},"Action":"kms:*","Resource":"*"}}`,
      `{"Statement":{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"kms:x":${deep}}}}}`,
      `{"Statement":${deep}}`,
    ];
    for (const text of texts) {
      const r = parsePolicy(text, 'key');
      assert.equal(r.ok, false);
    }
  });

  it('a huge document with many statements parses in one pass', () => {
    const statements = Array.from({ length: 2000 }, (_, i) => stmt({ Sid: `S${i}`, Condition: { StringLike: { 'kms:EncryptionContext:k': `*a*a*a*b${i}` } } }));
    let ok = false;
    const ms = timed(() => {
      ok = parsePolicy(doc(statements), 'key').ok;
    });
    assert.equal(ok, true);
    assert.ok(ms < 2_000, `${ms} ms`);
  });

  it('messages quote hostile values briefly', () => {
    const long = 'x'.repeat(100_000);
    const message = outcome(doc([stmt({ Effect: long })]));
    assert.ok(message.length < 200, message);
    assert.equal(outcome(doc([stmt({ Effect: [1, [2, [3]]] })])), 'Statement 1 needs an Effect of Allow or Deny, not a list.');
  });
});
