import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT, KEY, KEY_ARN, OTHER, policy, request, ROOT, summary } from '../../test/support/authz-fixtures.js';
import type { RequestFacts } from './context.js';
import type { Policy } from './document.js';
import { authorizeRetireGrant, evaluate, type NamedPolicy } from './evaluate.js';
import type { Grant } from './grants.js';

const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/KMSAdminRole`;
const USER_ROLE = `arn:aws:iam::${ACCOUNT}:role/KMSKeyUserRole`;
const ADMIN = `arn:aws:sts::${ACCOUNT}:assumed-role/KMSAdminRole/admin-session`;
const KEY_USER = `arn:aws:sts::${ACCOUNT}:assumed-role/KMSKeyUserRole/app`;
const EXAMPLE_USER = `arn:aws:iam::${ACCOUNT}:user/ExampleUser`;
const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${OTHER}:user/bob`;
const CAROL = 'arn:aws:iam::777788889999:user/carol';

const enableIam = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };

/** The console's default key policy with key administrators and key users (AWS KMS developer guide). */
const CONSOLE_DEFAULT = policy({
  Version: '2012-10-17',
  Id: 'key-consolepolicy-3',
  Statement: [
    enableIam,
    {
      Sid: 'Allow access for Key Administrators',
      Effect: 'Allow',
      Principal: { AWS: ADMIN_ROLE },
      Action: [
        'kms:Create*',
        'kms:Describe*',
        'kms:Enable*',
        'kms:List*',
        'kms:Put*',
        'kms:Update*',
        'kms:Revoke*',
        'kms:Disable*',
        'kms:Get*',
        'kms:Delete*',
        'kms:TagResource',
        'kms:UntagResource',
        'kms:ScheduleKeyDeletion',
        'kms:CancelKeyDeletion',
      ],
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: [USER_ROLE, EXAMPLE_USER] },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
    {
      Sid: 'Allow attachment of persistent resources',
      Effect: 'Allow',
      Principal: { AWS: USER_ROLE },
      Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    },
  ],
});

const identity = (name: string, ...statements: object[]): NamedPolicy => ({
  name,
  policy: policy({ Version: '2012-10-17', Statement: statements }, 'identity'),
});

interface Case {
  readonly name: string;
  readonly caller: string;
  readonly action: string;
  readonly keyPolicy: Policy;
  readonly identity?: NamedPolicy[];
  readonly grants?: Grant[];
  readonly request?: RequestFacts;
  readonly sourceIp?: string;
  readonly viaService?: string;
  readonly tags?: Record<string, string>;
  readonly allowed: boolean;
  readonly decided: string;
}

function run(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const ctx = request(c.caller, c.action, {
        ...(c.request ? { request: c.request } : {}),
        ...(c.sourceIp ? { sourceIp: c.sourceIp } : {}),
        ...(c.viaService ? { viaService: c.viaService } : {}),
        ...(c.tags ? { tags: c.tags } : {}),
      });
      const d = evaluate(ctx, { keyPolicy: c.keyPolicy, identityPolicies: c.identity ?? [], grants: c.grants ?? [] });
      assert.equal(summary(d), c.decided);
      assert.equal(d.allowed, c.allowed);
    });
  }
}

describe('key administrators and key users (the default console policy)', () => {
  run([
    { name: 'an administrator session may change the policy', caller: ADMIN, action: 'kms:PutKeyPolicy', keyPolicy: CONSOLE_DEFAULT, allowed: true, decided: 'allowed-by-key-policy key#1(Allow access for Key Administrators)' },
    { name: 'an administrator session may schedule deletion', caller: ADMIN, action: 'kms:ScheduleKeyDeletion', keyPolicy: CONSOLE_DEFAULT, allowed: true, decided: 'allowed-by-key-policy key#1(Allow access for Key Administrators)' },
    {
      name: 'an administrator may not decrypt: only the account statement is left, and no IAM policy allows',
      caller: ADMIN,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    { name: 'a key user session may decrypt', caller: KEY_USER, action: 'kms:Decrypt', keyPolicy: CONSOLE_DEFAULT, allowed: true, decided: 'allowed-by-key-policy key#2(Allow use of the key)' },
    { name: 'kms:ReEncrypt* covers ReEncryptFrom', caller: KEY_USER, action: 'kms:ReEncryptFrom', keyPolicy: CONSOLE_DEFAULT, allowed: true, decided: 'allowed-by-key-policy key#2(Allow use of the key)' },
    { name: 'kms:GenerateDataKey* covers the pair variants', caller: EXAMPLE_USER, action: 'kms:GenerateDataKeyPairWithoutPlaintext', keyPolicy: CONSOLE_DEFAULT, allowed: true, decided: 'allowed-by-key-policy key#2(Allow use of the key)' },
    { name: 'a key user may not schedule deletion', caller: KEY_USER, action: 'kms:ScheduleKeyDeletion', keyPolicy: CONSOLE_DEFAULT, allowed: false, decided: 'no-identity-policy key#0(Enable IAM User Permissions)' },
    {
      name: 'a key user may create a grant for an AWS resource',
      caller: KEY_USER,
      action: 'kms:CreateGrant',
      keyPolicy: CONSOLE_DEFAULT,
      request: { grant: { operations: ['Decrypt'], isForAwsResource: true } },
      allowed: true,
      decided: 'allowed-by-key-policy key#3(Allow attachment of persistent resources)',
    },
    {
      name: 'a key user may not create a grant of its own',
      caller: KEY_USER,
      action: 'kms:CreateGrant',
      keyPolicy: CONSOLE_DEFAULT,
      request: { grant: { operations: ['Decrypt'] } },
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    { name: 'the account root user may do anything the account statement allows', caller: ROOT, action: 'kms:ScheduleKeyDeletion', keyPolicy: CONSOLE_DEFAULT, allowed: true, decided: 'allowed-by-key-policy key#0(Enable IAM User Permissions)' },
    {
      name: 'another user of the account needs an IAM policy (allow access through IAM)',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('DecryptThisKey', { Sid: 'DecryptOne', Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN })],
      allowed: true,
      decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:DecryptThisKey#0(DecryptOne)',
    },
    {
      name: 'an IAM policy for other keys does not reach this one',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('OtherKeys', { Effect: 'Allow', Action: 'kms:*', Resource: `arn:aws:kms:*:${ACCOUNT}:key/0000*` })],
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    {
      name: 'IAM policy wildcards over regions and keys reach it',
      caller: ALICE,
      action: 'kms:Encrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('AllKeys', { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` })],
      allowed: true,
      decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:AllKeys#0',
    },
  ]);
});

const WITHOUT_IAM = policy({
  Version: '2012-10-17',
  Statement: [{ Sid: 'KeyUsersOnly', Effect: 'Allow', Principal: { AWS: USER_ROLE }, Action: 'kms:*', Resource: '*' }],
});

describe('a key policy that does not delegate to IAM', () => {
  run([
    {
      name: 'an IAM policy alone allows nothing',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: WITHOUT_IAM,
      identity: [identity('Admin', { Effect: 'Allow', Action: '*', Resource: '*' })],
      allowed: false,
      decided: 'no-resource-policy',
    },
    { name: 'not even the root user gets in', caller: ROOT, action: 'kms:PutKeyPolicy', keyPolicy: WITHOUT_IAM, allowed: false, decided: 'no-resource-policy' },
    { name: 'the named role does', caller: KEY_USER, action: 'kms:PutKeyPolicy', keyPolicy: WITHOUT_IAM, allowed: true, decided: 'allowed-by-key-policy key#0(KeyUsersOnly)' },
  ]);
});

const DENY_UNLESS_CONTEXT = policy({
  Version: '2012-10-17',
  Statement: [
    enableIam,
    {
      Sid: 'DenyWithoutDepartment',
      Effect: 'Deny',
      Principal: '*',
      Action: ['kms:Decrypt', 'kms:Encrypt'],
      Resource: '*',
      Condition: { StringNotEquals: { 'kms:EncryptionContext:Department': 'IT' } },
    },
  ],
});
const aliceUses = identity('Use', { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:DescribeKey'], Resource: '*' });

describe('deny unless the encryption context says so', () => {
  run([
    { name: 'the right context is allowed', caller: ALICE, action: 'kms:Decrypt', keyPolicy: DENY_UNLESS_CONTEXT, identity: [aliceUses], request: { encryptionContext: { Department: 'IT' } }, allowed: true, decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:Use#0' },
    {
      name: 'the context key matches without regard to case',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: DENY_UNLESS_CONTEXT,
      identity: [aliceUses],
      request: { encryptionContext: { department: 'IT', Project: 'x' } },
      allowed: true,
      decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:Use#0',
    },
    { name: 'the value must match with case', caller: ALICE, action: 'kms:Decrypt', keyPolicy: DENY_UNLESS_CONTEXT, identity: [aliceUses], request: { encryptionContext: { Department: 'it' } }, allowed: false, decided: 'explicit-deny resource-based key#1(DenyWithoutDepartment)' },
    { name: 'no context at all is denied', caller: ALICE, action: 'kms:Decrypt', keyPolicy: DENY_UNLESS_CONTEXT, identity: [aliceUses], allowed: false, decided: 'explicit-deny resource-based key#1(DenyWithoutDepartment)' },
    { name: 'the deny reaches the root user too', caller: ROOT, action: 'kms:Encrypt', keyPolicy: DENY_UNLESS_CONTEXT, allowed: false, decided: 'explicit-deny resource-based key#1(DenyWithoutDepartment)' },
    { name: 'actions the deny does not name are untouched', caller: ALICE, action: 'kms:DescribeKey', keyPolicy: DENY_UNLESS_CONTEXT, identity: [aliceUses], allowed: true, decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:Use#0' },
  ]);
});

const REQUIRE_CONTEXT_KEYS = policy({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'OnlyKnownContextKeys',
      Effect: 'Allow',
      Principal: { AWS: USER_ROLE },
      Action: 'kms:GenerateDataKey',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['Department', 'Project'] }, Null: { 'kms:EncryptionContextKeys': 'false' } },
    },
  ],
});

describe('kms:EncryptionContextKeys with ForAllValues', () => {
  run([
    { name: 'listed keys only', caller: KEY_USER, action: 'kms:GenerateDataKey', keyPolicy: REQUIRE_CONTEXT_KEYS, request: { encryptionContext: { Project: 'a' } }, allowed: true, decided: 'allowed-by-key-policy key#0(OnlyKnownContextKeys)' },
    { name: 'an unlisted key fails', caller: KEY_USER, action: 'kms:GenerateDataKey', keyPolicy: REQUIRE_CONTEXT_KEYS, request: { encryptionContext: { Project: 'a', Owner: 'b' } }, allowed: false, decided: 'no-resource-policy' },
    { name: 'keys are compared with case', caller: KEY_USER, action: 'kms:GenerateDataKey', keyPolicy: REQUIRE_CONTEXT_KEYS, request: { encryptionContext: { project: 'a' } }, allowed: false, decided: 'no-resource-policy' },
    { name: 'an empty context is stopped by the Null condition', caller: KEY_USER, action: 'kms:GenerateDataKey', keyPolicy: REQUIRE_CONTEXT_KEYS, allowed: false, decided: 'no-resource-policy' },
  ]);
});

const CROSS_ACCOUNT = policy({
  Version: '2012-10-17',
  Statement: [
    enableIam,
    {
      Sid: 'Allow an external account to use this KMS key',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
  ],
});
const bobDecrypts = identity('ExternalDecrypt', { Sid: 'AllowUseOfKeyInAccount111122223333', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: KEY_ARN });

describe('cross-account use', () => {
  run([
    { name: 'both sides allow: the external user decrypts', caller: BOB, action: 'kms:Decrypt', keyPolicy: CROSS_ACCOUNT, identity: [bobDecrypts], allowed: true, decided: 'allowed-by-identity-policy key#1(Allow an external account to use this KMS key) id:ExternalDecrypt#0(AllowUseOfKeyInAccount111122223333)' },
    { name: 'the key policy alone is not enough', caller: BOB, action: 'kms:Decrypt', keyPolicy: CROSS_ACCOUNT, allowed: false, decided: 'no-identity-policy key#1(Allow an external account to use this KMS key)' },
    { name: 'the external account root needs no IAM policy', caller: `arn:aws:iam::${OTHER}:root`, action: 'kms:Encrypt', keyPolicy: CROSS_ACCOUNT, allowed: true, decided: 'allowed-by-key-policy key#1(Allow an external account to use this KMS key)' },
    {
      name: 'the IAM policy alone is not enough',
      caller: BOB,
      action: 'kms:ScheduleKeyDeletion',
      keyPolicy: CROSS_ACCOUNT,
      identity: [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      allowed: false,
      decided: 'no-resource-policy',
    },
    {
      name: 'an operation that does not cross accounts is refused though the key policy gives the other account kms:*',
      caller: `arn:aws:iam::${OTHER}:root`,
      action: 'kms:ScheduleKeyDeletion',
      keyPolicy: policy({ Version: '2012-10-17', Statement: [enableIam, { Sid: 'Other', Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'kms:*', Resource: '*' }] }),
      allowed: false,
      decided: 'no-resource-policy',
    },
    {
      name: 'and an operation that crosses accounts is allowed by that same policy',
      caller: `arn:aws:iam::${OTHER}:root`,
      action: 'kms:GetKeyRotationStatus',
      keyPolicy: policy({ Version: '2012-10-17', Statement: [enableIam, { Sid: 'Other', Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'kms:*', Resource: '*' }] }),
      allowed: true,
      decided: 'allowed-by-key-policy key#1(Other)',
    },
    { name: 'a third account gets nothing', caller: CAROL, action: 'kms:Decrypt', keyPolicy: CROSS_ACCOUNT, identity: [bobDecrypts], allowed: false, decided: 'no-resource-policy' },
    {
      name: 'a key policy naming the external user directly still needs its IAM policy',
      caller: BOB,
      action: 'kms:Decrypt',
      keyPolicy: policy({ Version: '2012-10-17', Statement: [enableIam, { Sid: 'Bob', Effect: 'Allow', Principal: { AWS: BOB }, Action: 'kms:Decrypt', Resource: '*' }] }),
      allowed: false,
      decided: 'no-identity-policy key#1(Bob)',
    },
  ]);
});

const VIA_EBS = policy({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'Allow access through EBS for all principals in the account that are authorized to use EBS',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': 'ec2.us-west-2.amazonaws.com' } },
    },
    { Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'], Resource: '*' },
  ],
});

describe('kms:ViaService and kms:CallerAccount (the AWS managed key for EBS)', () => {
  run([
    { name: 'through EBS, any principal of the account', caller: ALICE, action: 'kms:Decrypt', keyPolicy: VIA_EBS, viaService: 'ec2.us-west-2.amazonaws.com', allowed: true, decided: 'allowed-by-key-policy key#0(Allow access through EBS for all principals in the account that are authorized to use EBS)' },
    { name: 'directly, no', caller: ALICE, action: 'kms:Decrypt', keyPolicy: VIA_EBS, identity: [aliceUses], allowed: false, decided: 'no-resource-policy' },
    { name: 'through another service, no', caller: ALICE, action: 'kms:Decrypt', keyPolicy: VIA_EBS, viaService: 'rds.us-west-2.amazonaws.com', allowed: false, decided: 'no-resource-policy' },
    { name: 'another account through EBS, no', caller: BOB, action: 'kms:Decrypt', keyPolicy: VIA_EBS, identity: [bobDecrypts], viaService: 'ec2.us-west-2.amazonaws.com', allowed: false, decided: 'no-resource-policy' },
    { name: 'metadata through IAM', caller: ALICE, action: 'kms:DescribeKey', keyPolicy: VIA_EBS, identity: [aliceUses], allowed: true, decided: 'allowed-by-identity-policy key#1(Allow direct access to key metadata to the account) id:Use#0' },
  ]);
});

describe('service principals', () => {
  const CLOUDTRAIL = policy({
    Version: '2012-10-17',
    Statement: [
      enableIam,
      {
        Sid: 'Allow CloudTrail to encrypt logs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:GenerateDataKey*',
        Resource: '*',
        Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${ACCOUNT}:trail/*` } },
      },
    ],
  });
  const service = (action: string, encryptionContext?: Record<string, string>) => ({
    principal: { arn: 'cloudtrail.amazonaws.com', accountId: '', type: 'service' as const },
    action,
    key: KEY,
    ...(encryptionContext ? { request: { encryptionContext } } : {}),
    environment: { currentTime: 0 },
  });
  it('the key policy alone lets the service in, under its conditions', () => {
    const ctx = service('kms:GenerateDataKey', { 'aws:cloudtrail:arn': `arn:aws:cloudtrail:us-west-2:${ACCOUNT}:trail/main` });
    assert.equal(summary(evaluate(ctx, { keyPolicy: CLOUDTRAIL })), 'allowed-by-key-policy key#1(Allow CloudTrail to encrypt logs)');
    assert.equal(evaluate(service('kms:GenerateDataKey', { 'aws:cloudtrail:arn': `arn:aws:cloudtrail:us-west-2:${OTHER}:trail/x` }), { keyPolicy: CLOUDTRAIL }).allowed, false);
  });
  it('the account statement does not cover a service', () => {
    assert.equal(summary(evaluate(service('kms:Decrypt'), { keyPolicy: CLOUDTRAIL })), 'no-resource-policy');
  });
});

describe('explicit denies win everywhere', () => {
  const grant: Grant = { grantId: 'g-1', granteePrincipal: ALICE, operations: ['Decrypt'] };
  run([
    {
      name: 'a Deny in an identity policy beats the key policy',
      caller: KEY_USER,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('NoDecrypt', { Sid: 'NoDecrypt', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' })],
      allowed: false,
      decided: 'explicit-deny identity-based id:NoDecrypt#0(NoDecrypt)',
    },
    {
      name: 'a Deny in the key policy beats a grant',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: DENY_UNLESS_CONTEXT,
      grants: [grant],
      allowed: false,
      decided: 'explicit-deny resource-based key#1(DenyWithoutDepartment)',
    },
    {
      name: 'a Deny in an identity policy beats a grant',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      grants: [grant],
      identity: [identity('NoKms', { Effect: 'Deny', Action: 'kms:*', Resource: '*' })],
      allowed: false,
      decided: 'explicit-deny identity-based id:NoKms#0',
    },
    {
      name: 'NotPrincipal in a Deny spares only the identities listed with their account',
      caller: ALICE,
      action: 'kms:ScheduleKeyDeletion',
      keyPolicy: policy({
        Version: '2012-10-17',
        Statement: [enableIam, { Sid: 'OnlyAdminsDelete', Effect: 'Deny', NotPrincipal: { AWS: [ADMIN_ROLE, ROOT] }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' }],
      }),
      identity: [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      allowed: false,
      decided: 'explicit-deny resource-based key#1(OnlyAdminsDelete)',
    },
    {
      name: 'a session is spared when its session ARN, its role and its account are listed',
      caller: ADMIN,
      action: 'kms:ScheduleKeyDeletion',
      keyPolicy: policy({
        Version: '2012-10-17',
        Statement: [enableIam, { Sid: 'OnlyAdminsDelete', Effect: 'Deny', NotPrincipal: { AWS: [ADMIN, ADMIN_ROLE, ROOT] }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' }],
      }),
      identity: [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      allowed: true,
      decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:All#0',
    },
    {
      name: 'a NotPrincipal naming the session and its role but not its account still denies',
      caller: ADMIN,
      action: 'kms:ScheduleKeyDeletion',
      keyPolicy: policy({
        Version: '2012-10-17',
        Statement: [enableIam, { Sid: 'Forgot', Effect: 'Deny', NotPrincipal: { AWS: [ADMIN, ADMIN_ROLE] }, Action: 'kms:ScheduleKeyDeletion', Resource: '*' }],
      }),
      identity: [identity('All', { Effect: 'Allow', Action: 'kms:*', Resource: '*' })],
      allowed: false,
      decided: 'explicit-deny resource-based key#1(Forgot)',
    },
  ]);
});

describe('NotAction, NotResource, conditions on tags and addresses', () => {
  run([
    {
      name: 'NotAction allows what it does not name',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('AllButDelete', { Effect: 'Allow', NotAction: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'], Resource: '*' })],
      allowed: true,
      decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:AllButDelete#0',
    },
    {
      name: 'NotAction does not allow what it names',
      caller: ALICE,
      action: 'kms:ScheduleKeyDeletion',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('AllButDelete', { Effect: 'Allow', NotAction: ['kms:ScheduleKeyDeletion', 'kms:PutKeyPolicy'], Resource: '*' })],
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    {
      name: 'NotResource excludes the key',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('NotThis', { Effect: 'Allow', Action: 'kms:Decrypt', NotResource: KEY_ARN })],
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    {
      name: 'a resource tag that names the caller, through a policy variable',
      caller: ALICE,
      action: 'kms:Decrypt',
      keyPolicy: CONSOLE_DEFAULT,
      identity: [identity('Owned', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/Owner': '${aws:username}' } } })],
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    {
      name: 'principal tags against a request tag',
      caller: ALICE,
      action: 'kms:TagResource',
      keyPolicy: CONSOLE_DEFAULT,
      tags: { team: 'payments' },
      request: { tags: { Team: 'payments' } },
      identity: [identity('TeamTags', { Effect: 'Allow', Action: 'kms:TagResource', Resource: '*', Condition: { StringEquals: { 'aws:RequestTag/Team': '${aws:PrincipalTag/team}' } } })],
      allowed: true,
      decided: 'allowed-by-identity-policy key#0(Enable IAM User Permissions) id:TeamTags#0',
    },
    {
      name: 'a Deny outside an address range',
      caller: KEY_USER,
      action: 'kms:Decrypt',
      keyPolicy: policy({
        Version: '2012-10-17',
        Statement: [
          enableIam,
          { Sid: 'UseKey', Effect: 'Allow', Principal: { AWS: USER_ROLE }, Action: 'kms:Decrypt', Resource: '*' },
          { Sid: 'OfficeOnly', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] } } },
        ],
      }),
      sourceIp: '203.0.113.9',
      allowed: false,
      decided: 'explicit-deny resource-based key#2(OfficeOnly)',
    },
  ]);

  it('the address range lets the office in, over IPv4 and IPv6', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'UseKey', Effect: 'Allow', Principal: { AWS: USER_ROLE }, Action: 'kms:Decrypt', Resource: '*' },
        { Sid: 'OfficeOnly', Effect: 'Deny', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '2001:db8::/32'] } } },
      ],
    });
    for (const [ip, allowed] of [['192.0.2.77', true], ['2001:db8:1::5', true], ['192.0.3.1', false], ['2001:db9::1', false]] as const) {
      assert.equal(evaluate(request(KEY_USER, 'kms:Decrypt', { sourceIp: ip }), { keyPolicy: p }).allowed, allowed, ip);
    }
  });

  it('the resource tag owner example allows the owner and not others', () => {
    const owned = identity('Owned', { Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/Owner': '${aws:username}' } } });
    const key = { ...KEY, tags: { Owner: 'alice' } };
    assert.equal(evaluate(request(ALICE, 'kms:Decrypt', { key }), { keyPolicy: CONSOLE_DEFAULT, identityPolicies: [owned] }).allowed, true);
    const mallory = `arn:aws:iam::${ACCOUNT}:user/mallory`;
    assert.equal(evaluate(request(mallory, 'kms:Decrypt', { key }), { keyPolicy: CONSOLE_DEFAULT, identityPolicies: [owned] }).allowed, false);
  });
});

describe('actions without a key', () => {
  const createKey = identity('CreateKeys', { Effect: 'Allow', Action: ['kms:CreateKey', 'kms:ListAliases'], Resource: '*' });
  it('IAM alone decides CreateKey, on Resource "*"', () => {
    const d = evaluate(request(ALICE, 'kms:CreateKey', { key: null }), { identityPolicies: [createKey] });
    assert.equal(summary(d), 'allowed-by-identity-policy id:CreateKeys#0');
  });
  it('a key ARN pattern in the IAM policy does not cover CreateKey', () => {
    const keysOnly = identity('Keys', { Effect: 'Allow', Action: 'kms:*', Resource: `arn:aws:kms:*:${ACCOUNT}:key/*` });
    const d = evaluate(request(ALICE, 'kms:CreateKey', { key: null }), { identityPolicies: [keysOnly] });
    assert.equal(summary(d), 'no-identity-policy');
  });
  it('the root user creates keys without a policy', () => {
    assert.equal(summary(evaluate(request(ROOT, 'kms:CreateKey', { key: null }), {})), 'allowed-as-root');
  });
});

describe('grants', () => {
  const KEY_POLICY = policy({ Version: '2012-10-17', Statement: [enableIam] });
  const subset: Grant = { grantId: 'g-subset', granteePrincipal: USER_ROLE, operations: ['Decrypt', 'DescribeKey', 'CreateGrant'], constraints: { encryptionContextSubset: { Department: 'IT' } } };
  const equals: Grant = { grantId: 'g-equals', granteePrincipal: EXAMPLE_USER, operations: ['Encrypt', 'Decrypt'], constraints: { encryptionContextEquals: { Department: 'IT' } } };
  const toAccount: Grant = { grantId: 'g-account', granteePrincipal: `arn:aws:iam::${OTHER}:root`, operations: ['Decrypt'] };
  const toBob: Grant = { grantId: 'g-bob', granteePrincipal: BOB, operations: ['Decrypt'] };
  const grants = [subset, equals, toAccount, toBob];
  run([
    { name: 'EncryptionContextSubset: the pairs and more', caller: KEY_USER, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, request: { encryptionContext: { Department: 'IT', Project: 'x' } }, allowed: true, decided: 'allowed-by-grant grant:g-subset' },
    { name: 'EncryptionContextSubset: keys match without case', caller: KEY_USER, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, request: { encryptionContext: { department: 'IT' } }, allowed: true, decided: 'allowed-by-grant grant:g-subset' },
    { name: 'EncryptionContextSubset: values match with case', caller: KEY_USER, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, request: { encryptionContext: { Department: 'it' } }, allowed: false, decided: 'no-identity-policy key#0(Enable IAM User Permissions)' },
    { name: 'EncryptionContextSubset: no context', caller: KEY_USER, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, allowed: false, decided: 'no-identity-policy key#0(Enable IAM User Permissions)' },
    { name: 'constraints do not apply to DescribeKey', caller: KEY_USER, action: 'kms:DescribeKey', keyPolicy: KEY_POLICY, grants, allowed: true, decided: 'allowed-by-grant grant:g-subset' },
    { name: 'an operation the grant lacks', caller: KEY_USER, action: 'kms:Encrypt', keyPolicy: KEY_POLICY, grants, request: { encryptionContext: { Department: 'IT' } }, allowed: false, decided: 'no-identity-policy key#0(Enable IAM User Permissions)' },
    { name: 'EncryptionContextEquals: exactly the pairs', caller: EXAMPLE_USER, action: 'kms:Encrypt', keyPolicy: KEY_POLICY, grants, request: { encryptionContext: { Department: 'IT' } }, allowed: true, decided: 'allowed-by-grant grant:g-equals' },
    { name: 'EncryptionContextEquals: one pair more fails', caller: EXAMPLE_USER, action: 'kms:Encrypt', keyPolicy: KEY_POLICY, grants, request: { encryptionContext: { Department: 'IT', Project: 'x' } }, allowed: false, decided: 'no-identity-policy key#0(Enable IAM User Permissions)' },
    {
      name: 'a child grant as strict as its parent',
      caller: KEY_USER,
      action: 'kms:CreateGrant',
      keyPolicy: KEY_POLICY,
      grants,
      request: { grant: { operations: ['Decrypt'], granteePrincipal: ALICE, constraints: { encryptionContextEquals: { Department: 'IT', Project: 'x' } } } },
      allowed: true,
      decided: 'allowed-by-grant grant:g-subset',
    },
    {
      name: 'a child grant looser than its parent',
      caller: KEY_USER,
      action: 'kms:CreateGrant',
      keyPolicy: KEY_POLICY,
      grants,
      request: { grant: { operations: ['Decrypt'], granteePrincipal: ALICE } },
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    {
      name: 'a child grant with operations its parent lacks',
      caller: KEY_USER,
      action: 'kms:CreateGrant',
      keyPolicy: KEY_POLICY,
      grants,
      request: { grant: { operations: ['Decrypt', 'Encrypt'], granteePrincipal: ALICE, constraints: { encryptionContextSubset: { Department: 'IT' } } } },
      allowed: false,
      decided: 'no-identity-policy key#0(Enable IAM User Permissions)',
    },
    { name: 'a grant to an external user needs no key policy statement', caller: BOB, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, allowed: true, decided: 'allowed-by-grant grant:g-bob' },
    { name: 'a grant to an external account reaches its users through IAM', caller: `arn:aws:iam::${OTHER}:user/dave`, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, identity: [bobDecrypts], allowed: true, decided: 'allowed-by-grant grant:g-account id:ExternalDecrypt#0(AllowUseOfKeyInAccount111122223333)' },
    { name: 'and not without it', caller: `arn:aws:iam::${OTHER}:user/dave`, action: 'kms:Decrypt', keyPolicy: KEY_POLICY, grants, allowed: false, decided: 'no-resource-policy' },
  ]);

  it('RetireGrant: the retiring principal, the grantee when the grant says so, and the key account', () => {
    const g: Grant = { grantId: 'g-r', granteePrincipal: USER_ROLE, retiringPrincipal: ADMIN_ROLE, operations: ['Decrypt', 'RetireGrant'] };
    const policies = { keyPolicy: KEY_POLICY, identityPolicies: [] };
    const retire = (arn: string, grant = g) => summary(authorizeRetireGrant(grant, request(arn, 'kms:RetireGrant'), policies));
    assert.equal(retire(ADMIN), 'allowed-by-grant grant:g-r');
    assert.equal(retire(KEY_USER), 'allowed-by-grant grant:g-r');
    assert.equal(retire(KEY_USER, { ...g, operations: ['Decrypt'] }), 'no-identity-policy key#0(Enable IAM User Permissions)');
    assert.equal(retire(ROOT), 'allowed-by-key-policy key#0(Enable IAM User Permissions)');
    assert.equal(retire(BOB), 'no-resource-policy');
  });

  it('a grant never answers RetireGrant through evaluate, which has no grant in hand', () => {
    const g: Grant = { grantId: 'g-r', granteePrincipal: BOB, operations: ['RetireGrant'] };
    assert.equal(evaluate(request(BOB, 'kms:RetireGrant'), { keyPolicy: KEY_POLICY, grants: [g] }).allowed, false);
  });
});

describe('hostile policies', () => {
  it('a thousand statements with conditions evaluate in a few milliseconds each', () => {
    const statements = Array.from({ length: 1000 }, (_, i) => ({
      Sid: `S${i}`,
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/u${i}` },
      Action: ['kms:Decrypt', 'kms:Encrypt'],
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:Project': `*a*a*a*a*a*b${i}` } },
    }));
    const p = policy({ Version: '2012-10-17', Statement: statements });
    const ctx = request(`arn:aws:iam::${ACCOUNT}:user/u999`, 'kms:Decrypt', { request: { encryptionContext: { Project: `${'a'.repeat(4000)}b999` } } });
    const start = process.hrtime.bigint();
    let d = evaluate(ctx, { keyPolicy: p });
    for (let i = 0; i < 20; i++) d = evaluate(ctx, { keyPolicy: p });
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / 21;
    assert.equal(summary(d), 'allowed-by-key-policy key#999(S999)');
    assert.ok(ms < 100, `${ms} ms per evaluation`);
  });
});
