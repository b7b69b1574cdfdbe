import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT, KEY, NOW, policy, request, ROOT } from '../../test/support/authz-fixtures.js';
import type { KeyFacts, RequestFacts } from './context.js';
import { evaluate } from './evaluate.js';
import { cidrContains, parseCidr, parseIp } from './ip.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/i-123`;
const KEY_POLICY = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' }] });

interface Env {
  request?: RequestFacts;
  key?: KeyFacts;
  sourceIp?: string;
  viaService?: string;
  caller?: string;
  tags?: Record<string, string>;
  version?: string;
  action?: string;
}

/** Whether an identity policy whose only statement carries `condition` allows kms:Decrypt (or env.action). */
function holds(condition: Record<string, unknown>, env: Env = {}): boolean {
  const identity = policy({ Version: env.version ?? '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*', Condition: condition }] }, 'identity');
  const ctx = request(env.caller ?? ALICE, env.action ?? 'kms:Decrypt', {
    ...(env.request ? { request: env.request } : {}),
    ...(env.key ? { key: env.key } : {}),
    ...(env.sourceIp ? { sourceIp: env.sourceIp } : {}),
    ...(env.viaService ? { viaService: env.viaService } : {}),
    ...(env.tags ? { tags: env.tags } : {}),
  });
  return evaluate(ctx, { keyPolicy: KEY_POLICY, identityPolicies: [{ name: 'p', policy: identity }] }).allowed;
}

const ec = (encryptionContext: Record<string, string>): Env => ({ request: { encryptionContext } });

const CASES: Array<[name: string, condition: Record<string, unknown>, env: Env, expected: boolean]> = [
  // String operators
  ['StringEquals matches exactly', { StringEquals: { 'kms:EncryptionContext:app': 'billing' } }, ec({ app: 'billing' }), true],
  ['StringEquals is case-sensitive in the value', { StringEquals: { 'kms:EncryptionContext:app': 'billing' } }, ec({ app: 'Billing' }), false],
  ['StringEquals takes no wildcards', { StringEquals: { 'kms:EncryptionContext:app': 'bill*' } }, ec({ app: 'billing' }), false],
  ['StringEquals: any listed value', { StringEquals: { 'kms:EncryptionContext:app': ['x', 'billing'] } }, ec({ app: 'billing' }), true],
  ['condition key names ignore case', { StringEquals: { 'KMS:encryptioncontext:APP': 'billing' } }, ec({ app: 'billing' }), true],
  ['StringEquals on an absent key is false', { StringEquals: { 'kms:EncryptionContext:app': 'billing' } }, {}, false],
  ['StringEqualsIfExists on an absent key is true', { StringEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } }, {}, true],
  ['StringEqualsIfExists on a present key still compares', { StringEqualsIfExists: { 'kms:EncryptionContext:app': 'billing' } }, ec({ app: 'x' }), false],
  ['StringNotEquals on an absent key is true', { StringNotEquals: { 'kms:EncryptionContext:app': 'billing' } }, {}, true],
  ['StringNotEquals: none of the values', { StringNotEquals: { 'kms:EncryptionContext:app': ['a', 'b'] } }, ec({ app: 'c' }), true],
  ['StringNotEquals: one of the values', { StringNotEquals: { 'kms:EncryptionContext:app': ['a', 'b'] } }, ec({ app: 'b' }), false],
  ['StringEqualsIgnoreCase', { StringEqualsIgnoreCase: { 'kms:EncryptionContext:app': 'BILLING' } }, ec({ app: 'Billing' }), true],
  ['StringNotEqualsIgnoreCase', { StringNotEqualsIgnoreCase: { 'kms:EncryptionContext:app': 'BILLING' } }, ec({ app: 'billing' }), false],
  ['StringLike with *', { StringLike: { 'kms:EncryptionContext:app': 'bill*' } }, ec({ app: 'billing' }), true],
  ['StringLike with ?', { StringLike: { 'kms:EncryptionContext:app': 'b?lling' } }, ec({ app: 'billing' }), true],
  ['StringLike is case-sensitive', { StringLike: { 'kms:EncryptionContext:app': 'BILL*' } }, ec({ app: 'billing' }), false],
  ['StringNotLike', { StringNotLike: { 'kms:EncryptionContext:app': 'bill*' } }, ec({ app: 'payroll' }), true],
  ['numbers and booleans in the policy read as text', { StringEquals: { 'kms:EncryptionContext:n': 42 } }, ec({ n: '42' }), true],
  // Several operators and keys: all must hold
  ['two keys of one operator must both hold', { StringEquals: { 'kms:EncryptionContext:a': '1', 'kms:EncryptionContext:b': '2' } }, ec({ a: '1', b: '3' }), false],
  ['two operators must both hold', { StringEquals: { 'kms:EncryptionContext:a': '1' }, StringLike: { 'kms:EncryptionContext:b': '2*' } }, ec({ a: '1', b: '22' }), true],
  // Set qualifiers
  ['ForAnyValue: one value matches', { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['a', 'z'] } }, ec({ a: '1', b: '2' }), true],
  ['ForAnyValue: none matches', { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': ['y', 'z'] } }, ec({ a: '1' }), false],
  ['ForAnyValue: absent key is false', { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'a' } }, {}, false],
  ['ForAllValues: every value listed', { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['a', 'b', 'c'] } }, ec({ a: '1', b: '2' }), true],
  ['ForAllValues: one value unlisted', { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['a'] } }, ec({ a: '1', b: '2' }), false],
  ['ForAllValues: absent key is true', { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['a'] } }, {}, true],
  ['ForAllValues:StringLike', { 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': 'app-*' } }, ec({ 'app-a': '1', 'app-b': '2' }), true],
  ['ForAnyValue:StringNotEquals: one value outside the list', { 'ForAnyValue:StringNotEquals': { 'kms:EncryptionContextKeys': ['a'] } }, ec({ a: '1', b: '2' }), true],
  ['ForAllValues:StringNotEquals: a listed value', { 'ForAllValues:StringNotEquals': { 'kms:EncryptionContextKeys': ['a'] } }, ec({ a: '1', b: '2' }), false],
  ['kms:ResourceAliases with ForAnyValue:StringLike', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance-*' } }, { key: { ...KEY, aliases: ['alias/x', 'alias/finance-key'] } }, true],
  ['kms:ResourceAliases: no alias matches', { 'ForAnyValue:StringLike': { 'kms:ResourceAliases': 'alias/finance-*' } }, { key: { ...KEY, aliases: ['alias/hr'] } }, false],
  ['kms:RequestAlias', { StringEquals: { 'kms:RequestAlias': 'alias/app' } }, { request: { alias: 'alias/app' } }, true],
  ['kms:GrantOperations with ForAllValues', { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] } }, { request: { grant: { operations: ['Decrypt'] } } }, true],
  ['kms:GrantOperations with an operation outside the list', { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] } }, { request: { grant: { operations: ['Decrypt', 'CreateGrant'] } } }, false],
  ['aws:TagKeys', { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Owner', 'Project'] } }, { request: { tags: { Owner: 'a' } } }, true],
  // Null
  ['Null true: key absent', { Null: { 'kms:EncryptionContextKeys': 'true' } }, {}, true],
  ['Null true: key present', { Null: { 'kms:EncryptionContextKeys': 'true' } }, ec({ a: '1' }), false],
  ['Null false: key present', { Null: { 'kms:EncryptionContextKeys': 'false' } }, ec({ a: '1' }), true],
  ['Null false: empty context counts as absent', { Null: { 'kms:EncryptionContextKeys': 'false' } }, ec({}), false],
  // Bool
  ['Bool true', { Bool: { 'aws:SecureTransport': 'true' } }, {}, true],
  ['Bool false against true', { Bool: { 'aws:SecureTransport': false } }, {}, false],
  ['Bool on kms:GrantIsForAWSResource', { Bool: { 'kms:GrantIsForAWSResource': 'true' } }, { action: 'kms:CreateGrant', request: { grant: { operations: ['Decrypt'], isForAwsResource: true } } }, true],
  ['kms:GrantIsForAWSResource follows kms:ViaService', { Bool: { 'kms:GrantIsForAWSResource': 'true' } }, { action: 'kms:ListGrants', viaService: 'rds.us-west-2.amazonaws.com' }, true],
  ['kms:GrantIsForAWSResource is false on a direct call', { Bool: { 'kms:GrantIsForAWSResource': 'false' } }, { action: 'kms:RevokeGrant' }, true],
  ['kms:GrantIsForAWSResource is absent outside the grant calls', { Null: { 'kms:GrantIsForAWSResource': 'true' } }, { action: 'kms:Decrypt', viaService: 'rds.us-west-2.amazonaws.com' }, true],
  ['BoolIfExists on an absent key', { BoolIfExists: { 'kms:BypassPolicyLockoutSafetyCheck': 'false' } }, {}, true],
  ['Bool kms:BypassPolicyLockoutSafetyCheck', { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } }, { request: { bypassPolicyLockoutSafetyCheck: true } }, true],
  // Numeric
  ['NumericLessThanEquals', { NumericLessThanEquals: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 30 } }, { request: { other: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 7 } } }, true],
  ['NumericGreaterThan', { NumericGreaterThan: { 'kms:ScheduleKeyDeletionPendingWindowInDays': '20' } }, { request: { other: { 'kms:ScheduleKeyDeletionPendingWindowInDays': 7 } } }, false],
  ['NumericEquals with a decimal', { NumericEquals: { 'kms:x': '7.0' } }, { request: { other: { 'kms:x': 7 } } }, true],
  ['NumericNotEquals', { NumericNotEquals: { 'kms:x': ['1', '2'] } }, { request: { other: { 'kms:x': 3 } } }, true],
  ['a value that is not a number never compares', { NumericLessThan: { 'kms:x': 'ten' } }, { request: { other: { 'kms:x': 3 } } }, false],
  // Dates
  ['DateLessThan on aws:CurrentTime', { DateLessThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, {}, true],
  ['DateGreaterThan on aws:CurrentTime', { DateGreaterThan: { 'aws:CurrentTime': '2026-01-01T00:00:00Z' } }, {}, false],
  ['DateLessThan in epoch seconds', { DateLessThan: { 'aws:CurrentTime': String(NOW / 1000 + 1) } }, {}, true],
  ['DateGreaterThanEquals on aws:EpochTime with an ISO date', { DateGreaterThanEquals: { 'aws:EpochTime': '2025-06-01T12:00:00Z' } }, {}, true],
  ['DateEquals with a date alone', { DateEquals: { 'aws:CurrentTime': '2025-06-01' } }, {}, false],
  // Addresses
  ['IpAddress in a v4 block', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { sourceIp: '203.0.113.200' }, true],
  ['IpAddress outside a v4 block', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }, { sourceIp: '203.0.114.1' }, false],
  ['IpAddress with a bare address', { IpAddress: { 'aws:SourceIp': '203.0.113.7' } }, { sourceIp: '203.0.113.7' }, true],
  ['IpAddress in a v6 block', { IpAddress: { 'aws:SourceIp': '2001:db8:1234::/48' } }, { sourceIp: '2001:db8:1234:ffff::1' }, true],
  ['a v4 address is not in a v6 block', { IpAddress: { 'aws:SourceIp': '::/0' } }, { sourceIp: '127.0.0.1' }, false],
  ['NotIpAddress', { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } }, { sourceIp: '127.0.0.1' }, true],
  ['a malformed block matches nothing', { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } }, { sourceIp: '10.0.0.1' }, false],
  // ARNs and principals
  ['ArnLike field by field', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/app-*' } }, { caller: SESSION.replace('app-role', 'app-x') }, true],
  ['aws:PrincipalArn of a session is its role', { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/app-role` } }, { caller: SESSION }, true],
  ['ArnLike: a * does not cross a field', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } }, {}, false],
  ['ArnNotLike', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } }, {}, true],
  ['aws:PrincipalAccount and kms:CallerAccount', { StringEquals: { 'aws:PrincipalAccount': ACCOUNT, 'kms:CallerAccount': ACCOUNT } }, {}, true],
  ['aws:PrincipalType', { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } }, { caller: SESSION }, true],
  ['aws:PrincipalTag', { StringEquals: { 'aws:PrincipalTag/Team': 'blue' } }, { tags: { team: 'blue' } }, true],
  ['aws:ResourceTag', { StringEquals: { 'aws:ResourceTag/Env': 'prod' } }, { key: { ...KEY, tags: { Env: 'prod' } } }, true],
  ['aws:RequestTag', { StringLike: { 'aws:RequestTag/Env': 'p*' } }, { request: { tags: { Env: 'prod' } } }, true],
  // KMS key facts
  ['kms:KeySpec of the key', { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT' } }, {}, true],
  ['kms:KeySpec of the request wins', { StringEquals: { 'kms:KeySpec': 'RSA_2048' } }, { request: { keySpec: 'RSA_2048' } }, true],
  ['kms:CustomerMasterKeyUsage reads the key usage', { StringEquals: { 'kms:CustomerMasterKeyUsage': 'ENCRYPT_DECRYPT' } }, {}, true],
  ['kms:KeyOrigin', { StringEquals: { 'kms:KeyOrigin': 'EXTERNAL' } }, {}, false],
  ['kms:EncryptionAlgorithm', { StringEquals: { 'kms:EncryptionAlgorithm': 'SYMMETRIC_DEFAULT' } }, { request: { encryptionAlgorithm: 'SYMMETRIC_DEFAULT' } }, true],
  ['kms:SigningAlgorithm', { StringLike: { 'kms:SigningAlgorithm': 'ECDSA_*' } }, { request: { signingAlgorithm: 'RSASSA_PSS_SHA_256' } }, false],
  ['kms:ViaService', { StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' } }, { viaService: 's3.us-west-2.amazonaws.com' }, true],
  // Policy variables
  ['${aws:username}', { StringEquals: { 'kms:EncryptionContext:owner': '${aws:username}' } }, ec({ owner: 'alice' }), true],
  ['${aws:username} of someone else', { StringEquals: { 'kms:EncryptionContext:owner': '${aws:username}' } }, ec({ owner: 'bob' }), false],
  ['a variable inside a StringLike pattern', { StringLike: { 'kms:EncryptionContext:path': 'home/${aws:username}/*' } }, ec({ path: 'home/alice/x' }), true],
  ['a variable with no value matches nothing', { StringEquals: { 'kms:EncryptionContext:team': '${aws:PrincipalTag/team}' } }, ec({ team: '' }), false],
  ['a variable default', { StringEquals: { 'kms:EncryptionContext:team': "${aws:PrincipalTag/team, 'none'}" } }, ec({ team: 'none' }), true],
  ['${*} is a literal star', { StringLike: { 'kms:EncryptionContext:v': 'a${*}b' } }, ec({ v: 'a*b' }), true],
  ['${*} does not match anything else', { StringLike: { 'kms:EncryptionContext:v': 'a${*}b' } }, ec({ v: 'axxb' }), false],
  ['a tag value with a star stays literal', { StringLike: { 'kms:EncryptionContext:v': '${aws:PrincipalTag/p}' } }, { tags: { p: '*' }, request: { encryptionContext: { v: 'anything' } } }, false],
  ['no variables in Version 2008-10-17', { StringEquals: { 'kms:EncryptionContext:owner': '${aws:username}' } }, { ...ec({ owner: '${aws:username}' }), version: '2008-10-17' }, true],
];

describe('condition operators', () => {
  for (const [name, condition, env, expected] of CASES) it(name, () => assert.equal(holds(condition, env), expected));
});

describe('IP addresses', () => {
  it('parses v4 and v6 strictly', () => {
    for (const good of ['0.0.0.0', '255.255.255.255', '::', '::1', '2001:db8::', 'fe80::1:2:3:4', '::ffff:192.0.2.1', '1:2:3:4:5:6:7:8']) assert.ok(parseIp(good), good);
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01234.1.1.1', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '', '1.2.3.4/8']) assert.equal(parseIp(bad), null, bad);
  });
  it('prefix lengths that do not fall on a byte', () => {
    const c = parseCidr('10.0.0.0/9')!;
    assert.equal(cidrContains(c, parseIp('10.127.255.255')!), true);
    assert.equal(cidrContains(c, parseIp('10.128.0.0')!), false);
    assert.equal(parseCidr('::/129'), null);
    assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!), true);
  });
});
