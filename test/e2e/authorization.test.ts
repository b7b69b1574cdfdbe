// Authorization, black-box: two accounts and several principals given by a credentials file,
// the key policies of the AWS KMS documentation's examples, identity policies, grants and their
// tokens, the lockout safety check, the operations IAM alone decides, and what a refused caller
// sees through the AWS SDK for JavaScript, boto3 and the AWS CLI, and in the audit trail.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CloudHSMV2Client, DescribeClustersCommand } from '@aws-sdk/client-cloudhsm-v2';
import {
  CreateAliasCommand,
  DryRunOperationException,
  ReEncryptCommand,
  DeleteAliasCommand,
  UpdateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListResourceTagsCommand,
  KMSClient,
  KMSServiceException,
  ListKeysCommand,
  MalformedPolicyDocumentException,
  NotFoundException,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { awsAsync } from '../support/aws-cli.js';
import { assertScriptPasses } from '../support/python-script.js';
import { startServer, type TestServer } from '../support/server.js';
import { LOOKUP_EVENTS, recordsNamed, signedCall } from '../support/signed-call.js';

/** The AWS CLI's exit status when the service answered with an error: 255 in version 1, 254 in version 2. */
const CLI_SERVICE_ERROR = [254, 255];
const A = '111122223333';
const B = '444455556666';
const REGION = 'us-east-1';
const ROOT_A = `arn:aws:iam::${A}:root`;

interface Entry {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  principalArn?: string;
  sessionToken?: string;
  tags?: Record<string, string>;
  identityPolicies?: Record<string, unknown>;
}

const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const iam = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });

/** The dev credential, listed so that it stays: account A's root user, an administrator. */
const ROOT: Entry = { accessKeyId: 'test', secretAccessKey: 'test', accountId: A, principalArn: ROOT_A };
/** A key administrator: the key policies name her; she has no identity policy at all. */
const ALICE: Entry = { accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret', accountId: A, principalArn: `arn:aws:iam::${A}:user/admin-alice`, identityPolicies: {} };
/** A key user: the key policies name him; no identity policy either. */
const BOB: Entry = { accessKeyId: 'AKIABOB', secretAccessKey: 'bob-secret', accountId: A, principalArn: `arn:aws:iam::${A}:user/app-bob`, identityPolicies: {} };
/** An assumed-role session whose identity policy allows using account A's keys, except Decrypt of restricted ones. */
const SESSION: Entry = {
  accessKeyId: 'ASIAAPPSESSION1',
  secretAccessKey: 'session-secret',
  sessionToken: 'app-session-token-1',
  accountId: A,
  principalArn: `arn:aws:sts::${A}:assumed-role/App/session1`,
  identityPolicies: {
    UseKeys: iam(allow(['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], `arn:aws:kms:*:${A}:key/*`)),
    NoRestrictedDecrypt: iam({ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/Classification': 'restricted' } } }),
  },
};
/** A user whose only identity policy lets him look, not use or create. */
const DAVE: Entry = { accessKeyId: 'AKIADAVE', secretAccessKey: 'dave-secret', accountId: A, principalArn: `arn:aws:iam::${A}:user/dave`, identityPolicies: { ReadOnly: iam(allow(['kms:DescribeKey', 'kms:List*'])) } };
/** Account B's user whose identity policy allows using account A's keys. */
const CAROL: Entry = {
  accessKeyId: 'AKIACAROL',
  secretAccessKey: 'carol-secret',
  accountId: B,
  principalArn: `arn:aws:iam::${B}:user/carol`,
  identityPolicies: {
    UseSharedKeys: iam(allow(['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], `arn:aws:kms:${REGION}:${A}:key/*`)),
    // Permissions that cannot work across accounts whatever the key policy says.
    ManageSharedKeys: iam(allow(['kms:DisableKey', 'kms:ScheduleKeyDeletion', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy', 'kms:TagResource'], `arn:aws:kms:${REGION}:${A}:key/*`)),
  },
};
/** Account B's user with no identity policy. */
const DAN: Entry = { accessKeyId: 'AKIADAN', secretAccessKey: 'dan-secret', accountId: B, principalArn: `arn:aws:iam::${B}:user/dan`, identityPolicies: {} };
/**
 * A user who may create keys only as the AWS documentation's IAM examples allow (symmetric keys
 * tagged for his team, never bypassing the lockout check) and manage the aliases of his prefix.
 */
const FRANK: Entry = {
  accessKeyId: 'AKIAFRANK',
  secretAccessKey: 'frank-secret',
  accountId: A,
  principalArn: `arn:aws:iam::${A}:user/frank`,
  identityPolicies: {
    CreateTeamKeys: iam(
      allow('kms:CreateKey', '*', { Condition: { StringEquals: { 'kms:KeySpec': 'SYMMETRIC_DEFAULT', 'aws:RequestTag/Team': 'payments' } } }),
      allow('kms:TagResource', '*', { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Team'] } } }),
      { Effect: 'Deny', Action: ['kms:CreateKey', 'kms:PutKeyPolicy'], Resource: '*', Condition: { Bool: { 'kms:BypassPolicyLockoutSafetyCheck': 'true' } } },
    ),
    ManageAppAliases: iam(allow(['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'], [`arn:aws:kms:${REGION}:${A}:alias/app-*`, `arn:aws:kms:${REGION}:${A}:key/*`])),
  },
};
/** A user the credentials file tags, for aws:PrincipalTag, with no identity policy. */
const GINA: Entry = { accessKeyId: 'AKIAGINA', secretAccessKey: 'gina-secret', accountId: A, principalArn: `arn:aws:iam::${A}:user/gina`, tags: { Department: 'IT' }, identityPolicies: {} };
const ALL = [ROOT, ALICE, BOB, SESSION, DAVE, CAROL, DAN, FRANK, GINA];

/** The AWS KMS documentation's key policy with key administrators, key users and grants for AWS resources. */
const documentedPolicy = (sid = 'Allow access for Key Administrators') => ({
  Version: '2012-10-17',
  Id: 'key-consolepolicy-3',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_A }, Action: 'kms:*', Resource: '*' },
    {
      Sid: sid,
      Effect: 'Allow',
      Principal: { AWS: ALICE.principalArn },
      Action: [
        'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
        'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand',
      ],
      Resource: '*',
    },
    {
      Sid: 'Allow use of the key',
      Effect: 'Allow',
      Principal: { AWS: [BOB.principalArn] },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
      Resource: '*',
    },
    {
      Sid: 'Allow attachment of persistent resources',
      Effect: 'Allow',
      Principal: { AWS: [BOB.principalArn] },
      Action: ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'],
      Resource: '*',
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    },
  ],
});

const enableIam = { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: ROOT_A }, Action: 'kms:*', Resource: '*' };
const keyPolicy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let tmp: string;
let server: TestServer;
const clients: Array<{ destroy(): void }> = [];
const keys: Record<string, KeyMetadata> = {};

function kms(who: Entry): KMSClient {
  const c = new KMSClient({
    endpoint: server.url,
    region: REGION,
    credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey, ...(who.sessionToken ? { sessionToken: who.sessionToken } : {}) },
    maxAttempts: 1,
  });
  clients.push(c);
  return c;
}

let root: KMSClient;
let alice: KMSClient;
let bob: KMSClient;
let session: KMSClient;
let dave: KMSClient;
let carol: KMSClient;
let dan: KMSClient;
let frank: KMSClient;
let gina: KMSClient;

const text = (s: string) => new TextEncoder().encode(s);
const arn = (name: string) => keys[name]!.Arn!;

/** Expects AccessDeniedException with exactly this message, as the SDK hands it to an application. */
async function denied(fn: () => Promise<unknown>, message: string): Promise<KMSServiceException> {
  const err = await fn().then(
    (r) => assert.fail(`expected AccessDeniedException, but the call succeeded: ${JSON.stringify(r)}`),
    (e: unknown) => e as KMSServiceException,
  );
  assert.ok(err instanceof KMSServiceException, `a service error, not a client-side failure: ${err}`);
  assert.equal(err.name, 'AccessDeniedException', `${err.name}: ${err.message}`);
  assert.equal(err.$metadata.httpStatusCode, 400);
  assert.equal(err.message, message);
  return err;
}

async function fails<T extends KMSServiceException>(fn: () => Promise<unknown>, cls: abstract new (...args: any[]) => T, message?: string): Promise<T> {
  const err = await fn().then(
    () => assert.fail(`expected ${cls.name}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${(err as Error).name}: ${(err as Error).message}`);
  if (message !== undefined) assert.equal(err.message, message);
  return err;
}

/** AWS's AccessDeniedException text: who, what, on which key, and why. */
const notAuthorized = (who: Entry, action: string, resource: string | undefined, why: 'identity' | 'resource' | 'identity-deny' | 'resource-deny') =>
  `User: ${who.principalArn} is not authorized to perform: kms:${action}${resource ? ` on resource: ${resource}` : ''} ` +
  {
    identity: `because no identity-based policy allows the kms:${action} action`,
    resource: `because no resource-based policy allows the kms:${action} action`,
    'identity-deny': 'with an explicit deny in an identity-based policy',
    'resource-deny': 'with an explicit deny in a resource-based policy',
  }[why];

async function createKey(name: string, policy?: unknown, extra: Record<string, unknown> = {}): Promise<void> {
  const Policy = policy === undefined ? undefined : typeof policy === 'string' ? policy : JSON.stringify(policy);
  keys[name] = (await root.send(new CreateKeyCommand({ Description: name, ...(Policy ? { Policy } : {}), ...extra }))).KeyMetadata!;
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'keywarden-authz-'));
  const file = join(tmp, 'credentials.json');
  writeFileSync(file, JSON.stringify({ credentials: ALL }));
  server = await startServer({ args: ['--credentials', file] });
  [root, alice, bob, session, dave, carol, dan, frank, gina] = ALL.map(kms);

  await Promise.all([
    createKey('documented', documentedPolicy()),
    createKey('administered', documentedPolicy()),
    createKey('default'),
    createKey('restricted', undefined, { Tags: [{ TagKey: 'Classification', TagValue: 'restricted' }] }),
    createKey(
      'context',
      keyPolicy(
        enableIam,
        { Sid: 'Allow use of the key', Effect: 'Allow', Principal: { AWS: BOB.principalArn }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' },
        {
          Sid: 'Deny encryption without a Department',
          Effect: 'Deny',
          Principal: '*',
          Action: ['kms:Encrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { Null: { 'kms:EncryptionContext:Department': 'true' } },
        },
        {
          Sid: 'Deny decryption outside IT',
          Effect: 'Deny',
          Principal: '*',
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringNotEquals: { 'kms:EncryptionContext:Department': 'IT' } },
        },
      ),
    ),
    createKey(
      'network',
      keyPolicy(
        enableIam,
        { Sid: 'Encrypt from this host', Effect: 'Allow', Principal: { AWS: BOB.principalArn }, Action: 'kms:Encrypt', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } },
        { Sid: 'Decrypt from the office', Effect: 'Allow', Principal: { AWS: BOB.principalArn }, Action: 'kms:Decrypt', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } } },
        {
          Sid: 'Data keys through EC2 only',
          Effect: 'Allow',
          Principal: { AWS: BOB.principalArn },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': `ec2.${REGION}.amazonaws.com`, 'kms:CallerAccount': A } },
        },
      ),
    ),
    createKey(
      'role-denied',
      keyPolicy(enableIam, { Sid: 'No decryption by the App role', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${A}:role/App` }, Action: 'kms:Decrypt', Resource: '*' }),
    ),
    // A policy that does not name the account: it would lock the root user out, hence the bypass.
    createKey('alice-only', keyPolicy({ Sid: 'Alice alone', Effect: 'Allow', Principal: { AWS: ALICE.principalArn }, Action: 'kms:*', Resource: '*' }), {
      BypassPolicyLockoutSafetyCheck: true,
    }),
    createKey(
      'shared',
      keyPolicy(
        enableIam,
        {
          Sid: 'Allow an external account to use this KMS key',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${B}:root` },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
        },
      ),
    ),
    createKey('granted'),
  ]);
  await root.send(new CreateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: keys.shared!.KeyId }));
});

after(async () => {
  for (const c of clients) c.destroy();
  await server?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('key administrators and key users (the documentation key policy)', () => {
  test('a key user may Encrypt, Decrypt, GenerateDataKey and DescribeKey, but not DisableKey or PutKeyPolicy', async () => {
    const key = arn('documented');
    const enc = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('bob') }));
    const dec = await bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'bob');
    assert.equal((await bob.send(new GenerateDataKeyCommand({ KeyId: keys.documented!.KeyId, KeySpec: 'AES_256' }))).KeyId, key);
    assert.equal((await bob.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.Arn, key);
    await denied(() => bob.send(new DisableKeyCommand({ KeyId: key })), notAuthorized(BOB, 'DisableKey', key, 'identity'));
    await denied(() => bob.send(new PutKeyPolicyCommand({ KeyId: key, Policy: JSON.stringify(documentedPolicy()) })), notAuthorized(BOB, 'PutKeyPolicy', key, 'identity'));
    // The grant statement holds only for grants an AWS service makes for its resources.
    await denied(
      () => bob.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: BOB.principalArn!, Operations: ['Decrypt'] })),
      notAuthorized(BOB, 'CreateGrant', key, 'identity'),
    );
  });

  test('a key administrator may manage the key (PutKeyPolicy, DisableKey, ScheduleKeyDeletion) but not use it', async () => {
    const key = arn('administered');
    await denied(() => alice.send(new EncryptCommand({ KeyId: key, Plaintext: text('alice') })), notAuthorized(ALICE, 'Encrypt', key, 'identity'));
    const enc = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('for bob') }));
    await denied(() => alice.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), notAuthorized(ALICE, 'Decrypt', key, 'identity'));
    await denied(() => alice.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' })), notAuthorized(ALICE, 'GenerateDataKey', key, 'identity'));

    const updated = JSON.stringify(documentedPolicy('Key administrators'));
    await alice.send(new PutKeyPolicyCommand({ KeyId: key, Policy: updated }));
    assert.equal((await alice.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy, updated, 'GetKeyPolicy shows the policy exactly as put');
    await alice.send(new DisableKeyCommand({ KeyId: key }));
    assert.equal((await alice.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.KeyState, 'Disabled');
    const scheduled = await alice.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 }));
    assert.equal(scheduled.KeyState, 'PendingDeletion');
  });

  test('the dev credential (the account root) manages and uses a key under the default policy without any identity policy', async () => {
    const key = arn('default');
    const enc = await root.send(new EncryptCommand({ KeyId: key, Plaintext: text('root') }));
    assert.equal(new TextDecoder().decode((await root.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }))).Plaintext), 'root');
    assert.ok(((await root.send(new ListKeysCommand({}))).Keys ?? []).some((k) => k.KeyArn === key));
  });
});

describe('allow access through IAM (the default key policy)', () => {
  test('an identity policy allowing kms:Encrypt on the key ARN lets an assumed-role session Encrypt', async () => {
    const enc = await session.send(new EncryptCommand({ KeyId: arn('default'), Plaintext: text('via IAM') }));
    assert.equal(enc.KeyId, arn('default'));
    const dec = await session.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'via IAM');
  });

  test('without such an identity policy the JS SDK sees AccessDeniedException with AWS message', async () => {
    const key = arn('default');
    // Named by key id and by ARN: the message names the key by its ARN either way.
    for (const KeyId of [keys.default!.KeyId!, key]) {
      await denied(() => dave.send(new EncryptCommand({ KeyId, Plaintext: text('x') })), notAuthorized(DAVE, 'Encrypt', key, 'identity'));
    }
    // What the narrow policy allows works.
    assert.equal((await dave.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.KeyId, keys.default!.KeyId);
    await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(BOB, 'Encrypt', key, 'identity'));
  });

  test('a key policy that does not name the account refuses even an administrator and the root user', async () => {
    const key = arn('alice-only');
    await denied(() => session.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(SESSION, 'Encrypt', key, 'resource'));
    await denied(() => root.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(ROOT, 'Encrypt', key, 'resource'));
    // The key policy alone suffices for the principal it names, with no identity policy.
    await alice.send(new EncryptCommand({ KeyId: key, Plaintext: text('alice') }));
  });
});

describe('conditions in key policies', () => {
  test('deny unless the encryption context carries a Department (Null) and, to decrypt, Department IT (StringNotEquals)', async () => {
    const key = arn('context');
    await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(BOB, 'Encrypt', key, 'resource-deny'));
    await denied(
      () => bob.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', EncryptionContext: { Project: 'x' } })),
      notAuthorized(BOB, 'GenerateDataKey', key, 'resource-deny'),
    );
    const it = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('it'), EncryptionContext: { Department: 'IT' } }));
    const sales = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('sales'), EncryptionContext: { Department: 'Sales' } }));
    const dec = await bob.send(new DecryptCommand({ CiphertextBlob: it.CiphertextBlob, EncryptionContext: { Department: 'IT' } }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'it');
    await denied(
      () => bob.send(new DecryptCommand({ CiphertextBlob: sales.CiphertextBlob, EncryptionContext: { Department: 'Sales' } })),
      notAuthorized(BOB, 'Decrypt', key, 'resource-deny'),
    );
    // The deny is for every principal ("*"), the administrator root user included.
    await denied(() => root.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(ROOT, 'Encrypt', key, 'resource-deny'));
  });

  test('aws:SourceIp and kms:ViaService: allowed from loopback, not from another network, not outside the named service', async () => {
    const key = arn('network');
    const enc = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    await denied(() => bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), notAuthorized(BOB, 'Decrypt', key, 'identity'));
    await denied(() => bob.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' })), notAuthorized(BOB, 'GenerateDataKey', key, 'identity'));
  });

  test('an explicit deny in an identity policy (aws:ResourceTag) wins over the key policy and the identity policy that allow', async () => {
    const key = arn('restricted');
    const enc = await session.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    await denied(() => session.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), notAuthorized(SESSION, 'Decrypt', key, 'identity-deny'));
  });

  test('an explicit deny in the key policy naming the role reaches its sessions', async () => {
    const key = arn('role-denied');
    const enc = await session.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    await denied(() => session.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), notAuthorized(SESSION, 'Decrypt', key, 'resource-deny'));
    // The root user is not the role: it still decrypts.
    await root.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
  });
});


describe('more of what policies and grants decide', () => {
  test('reading a key policy, its tags and its rotations needs kms:GetKeyPolicy, kms:ListResourceTags, kms:ListKeyPolicies and kms:ListKeyRotations, not kms:DescribeKey', async () => {
    const documented = arn('documented');
    await denied(() => bob.send(new GetKeyPolicyCommand({ KeyId: documented })), notAuthorized(BOB, 'GetKeyPolicy', documented, 'identity'));
    await denied(() => bob.send(new ListResourceTagsCommand({ KeyId: documented })), notAuthorized(BOB, 'ListResourceTags', documented, 'identity'));
    await denied(() => bob.send(new ListKeyPoliciesCommand({ KeyId: documented })), notAuthorized(BOB, 'ListKeyPolicies', documented, 'identity'));
    const policy = keyPolicy(enableIam, {
      Sid: 'Read the policy, the tags and the rotation status',
      Effect: 'Allow',
      Principal: { AWS: BOB.principalArn },
      Action: ['kms:GetKeyPolicy', 'kms:ListResourceTags', 'kms:ListKeyPolicies', 'kms:GetKeyRotationStatus'],
      Resource: '*',
    });
    await createKey('readable', policy, { Tags: [{ TagKey: 'Team', TagValue: 'payments' }] });
    const key = arn('readable');
    assert.equal((await bob.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy, policy);
    assert.deepEqual((await bob.send(new ListResourceTagsCommand({ KeyId: key }))).Tags, [{ TagKey: 'Team', TagValue: 'payments' }]);
    assert.deepEqual((await bob.send(new ListKeyPoliciesCommand({ KeyId: key }))).PolicyNames, ['default']);
    assert.equal((await bob.send(new GetKeyRotationStatusCommand({ KeyId: key }))).KeyRotationEnabled, false);
    await denied(() => bob.send(new ListKeyRotationsCommand({ KeyId: key })), notAuthorized(BOB, 'ListKeyRotations', key, 'identity'));
    await denied(() => bob.send(new DescribeKeyCommand({ KeyId: key })), notAuthorized(BOB, 'DescribeKey', key, 'identity'));
  });

  test('ReEncrypt needs kms:ReEncryptFrom on the source key and kms:ReEncryptTo on the destination key', async () => {
    const enc = await bob.send(new EncryptCommand({ KeyId: arn('documented'), Plaintext: text('moving') }));
    const same = await bob.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: arn('documented') }));
    assert.equal(same.KeyId, arn('documented'));
    await denied(
      () => bob.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: arn('default') })),
      notAuthorized(BOB, 'ReEncryptTo', arn('default'), 'identity'),
    );
    const theirs = await session.send(new EncryptCommand({ KeyId: arn('default'), Plaintext: text('x') }));
    await denied(
      () => bob.send(new ReEncryptCommand({ CiphertextBlob: theirs.CiphertextBlob, DestinationKeyId: arn('documented') })),
      notAuthorized(BOB, 'ReEncryptFrom', arn('default'), 'identity'),
    );
  });

  test('kms:RequestAlias: a key policy that allows Encrypt only when the key is named by a given alias', async () => {
    await createKey(
      'by-alias',
      keyPolicy(enableIam, {
        Sid: 'Encrypt through the alias',
        Effect: 'Allow',
        Principal: { AWS: BOB.principalArn },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'kms:RequestAlias': 'alias/finance-key' } },
      }),
    );
    await root.send(new CreateAliasCommand({ AliasName: 'alias/finance-key', TargetKeyId: keys['by-alias']!.KeyId }));
    await bob.send(new EncryptCommand({ KeyId: 'alias/finance-key', Plaintext: text('x') }));
    await bob.send(new EncryptCommand({ KeyId: `arn:aws:kms:${REGION}:${A}:alias/finance-key`, Plaintext: text('x') }));
    await denied(() => bob.send(new EncryptCommand({ KeyId: arn('by-alias'), Plaintext: text('x') })), notAuthorized(BOB, 'Encrypt', arn('by-alias'), 'identity'));
  });

  test('aws:PrincipalTag from the credentials file', async () => {
    await createKey(
      'tagged-principals',
      keyPolicy(enableIam, {
        Sid: 'IT may encrypt',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:PrincipalTag/Department': 'IT', 'kms:CallerAccount': A } },
      }),
    );
    const key = arn('tagged-principals');
    await gina.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(BOB, 'Encrypt', key, 'identity'));
  });

  test('a grant that includes CreateGrant lets its grantee make grants as strict as its own, and no looser', async () => {
    const key = arn('granted');
    const parent = await root.send(
      new CreateGrantCommand({
        KeyId: key,
        GranteePrincipal: `arn:aws:iam::${A}:role/App`,
        Operations: ['Decrypt', 'CreateGrant'],
        Constraints: { EncryptionContextSubset: { Department: 'IT' } },
      }),
    );
    const child = await session.send(
      new CreateGrantCommand({
        KeyId: key,
        GranteePrincipal: GINA.principalArn!,
        Operations: ['Decrypt'],
        Constraints: { EncryptionContextSubset: { Department: 'IT', Project: 'alpha' } },
        GrantTokens: [parent.GrantToken!],
      }),
    );
    const enc = await root.send(new EncryptCommand({ KeyId: key, Plaintext: text('child'), EncryptionContext: { Department: 'IT', Project: 'alpha' } }));
    await gina.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { Department: 'IT', Project: 'alpha' }, GrantTokens: [child.GrantToken!] }));
    await denied(
      () => session.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: GINA.principalArn!, Operations: ['Decrypt'] })),
      notAuthorized(SESSION, 'CreateGrant', key, 'identity'),
    );
    await denied(
      () => session.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: GINA.principalArn!, Operations: ['Encrypt'], Constraints: { EncryptionContextSubset: { Department: 'IT' } } })),
      notAuthorized(SESSION, 'CreateGrant', key, 'identity'),
    );
    await root.send(new RevokeGrantCommand({ KeyId: key, GrantId: child.GrantId }));
    await root.send(new RevokeGrantCommand({ KeyId: key, GrantId: parent.GrantId }));
  });

  test('a grant to a user of another account works without any policy of its account, by key ARN', async () => {
    const key = arn('default');
    const made = await root.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: DAN.principalArn!, Operations: ['Encrypt', 'DescribeKey'] }));
    await dan.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), GrantTokens: [made.GrantToken!] }));
    assert.equal((await dan.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.Arn, key);
    await denied(() => dan.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' })), notAuthorized(DAN, 'GenerateDataKey', key, 'resource'));
    await root.send(new RevokeGrantCommand({ KeyId: key, GrantId: made.GrantId }));
    await denied(() => dan.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(DAN, 'Encrypt', key, 'resource'));
  });

  test('kms:GrantOperations and kms:GranteePrincipal limit the grants a key policy lets a user create', async () => {
    const role = `arn:aws:iam::${A}:role/App`;
    await createKey(
      'grantable',
      keyPolicy(enableIam, {
        Sid: 'Bob may let the App role decrypt',
        Effect: 'Allow',
        Principal: { AWS: BOB.principalArn },
        Action: 'kms:CreateGrant',
        Resource: '*',
        Condition: { 'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'DescribeKey'] }, StringEquals: { 'kms:GranteePrincipal': role } },
      }),
    );
    const key = arn('grantable');
    const made = await bob.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: role, Operations: ['Decrypt'] }));
    assert.match(made.GrantId!, /^[0-9a-f]{64}$/);
    await denied(() => bob.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: role, Operations: ['Decrypt', 'Encrypt'] })), notAuthorized(BOB, 'CreateGrant', key, 'identity'));
    await denied(() => bob.send(new CreateGrantCommand({ KeyId: key, GranteePrincipal: GINA.principalArn!, Operations: ['Decrypt'] })), notAuthorized(BOB, 'CreateGrant', key, 'identity'));
  });

  test('PutKeyPolicy: an identity policy denying kms:BypassPolicyLockoutSafetyCheck', async () => {
    const own = (await frank.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'payments' }] }))).KeyMetadata!;
    const key = own.Arn!;
    await denied(
      () => frank.send(new PutKeyPolicyCommand({ KeyId: key, Policy: keyPolicy(enableIam), BypassPolicyLockoutSafetyCheck: true })),
      notAuthorized(FRANK, 'PutKeyPolicy', key, 'identity-deny'),
    );
    await denied(() => frank.send(new PutKeyPolicyCommand({ KeyId: key, Policy: keyPolicy(enableIam) })), notAuthorized(FRANK, 'PutKeyPolicy', key, 'identity'));
  });

  test('DryRun answers AccessDeniedException, not DryRunOperationException, to a caller who may not', async () => {
    await denied(
      () => bob.send(new CreateGrantCommand({ KeyId: arn('default'), GranteePrincipal: BOB.principalArn!, Operations: ['Decrypt'], DryRun: true })),
      notAuthorized(BOB, 'CreateGrant', arn('default'), 'identity'),
    );
    await fails(() => root.send(new CreateGrantCommand({ KeyId: arn('default'), GranteePrincipal: BOB.principalArn!, Operations: ['Decrypt'], DryRun: true })), DryRunOperationException);
  });
});

describe('cross-account use by key ARN', () => {
  test('both sides allow: a user of the other account encrypts and decrypts with the key ARN', async () => {
    const key = arn('shared');
    const enc = await carol.send(new EncryptCommand({ KeyId: key, Plaintext: text('from B'), EncryptionContext: { app: 'x' } }));
    assert.equal(enc.KeyId, key);
    // Decrypt finds the key in the ciphertext, with or without its ARN in the request.
    for (const KeyId of [undefined, key]) {
      const dec = await carol.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'x' }, KeyId }));
      assert.equal(new TextDecoder().decode(dec.Plaintext), 'from B');
      assert.equal(dec.KeyId, key);
    }
    const owned = await root.send(new EncryptCommand({ KeyId: key, Plaintext: text('from A') }));
    assert.equal(new TextDecoder().decode((await carol.send(new DecryptCommand({ CiphertextBlob: owned.CiphertextBlob }))).Plaintext), 'from A');
    assert.equal((await carol.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.AWSAccountId, A);
  });

  test('without an identity policy of its own, the other account’s user is refused', async () => {
    const key = arn('shared');
    const enc = await root.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    await denied(() => dan.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, KeyId: key })), notAuthorized(DAN, 'Decrypt', key, 'identity'));
    await denied(() => dan.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(DAN, 'Encrypt', key, 'identity'));
  });

  test('without the key policy naming the other account, its user is refused whatever its identity policy says', async () => {
    const key = arn('default');
    const enc = await root.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    await denied(() => carol.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })), notAuthorized(CAROL, 'Decrypt', key, 'resource'));
    await denied(() => carol.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') })), notAuthorized(CAROL, 'Encrypt', key, 'resource'));
    // The shared key's policy opens only what it lists to account B: not DisableKey.
    await denied(() => carol.send(new DisableKeyCommand({ KeyId: arn('shared') })), notAuthorized(CAROL, 'DisableKey', arn('shared'), 'resource'));
  });

  test('management operations do not work across accounts, even when the key policy gives the other account kms:*', async () => {
    await createKey('open-to-b', keyPolicy(enableIam, { Sid: 'Account B may do anything', Effect: 'Allow', Principal: { AWS: B }, Action: 'kms:*', Resource: '*' }));
    const key = arn('open-to-b');
    // What may cross accounts does.
    await carol.send(new EncryptCommand({ KeyId: key, Plaintext: text('x') }));
    assert.equal((await carol.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.KeyState, 'Enabled');
    await denied(() => carol.send(new DisableKeyCommand({ KeyId: key })), notAuthorized(CAROL, 'DisableKey', key, 'resource'));
    await denied(() => carol.send(new ScheduleKeyDeletionCommand({ KeyId: key, PendingWindowInDays: 7 })), notAuthorized(CAROL, 'ScheduleKeyDeletion', key, 'resource'));
    await denied(() => carol.send(new GetKeyPolicyCommand({ KeyId: key })), notAuthorized(CAROL, 'GetKeyPolicy', key, 'resource'));
    await denied(() => carol.send(new PutKeyPolicyCommand({ KeyId: key, Policy: keyPolicy(enableIam), BypassPolicyLockoutSafetyCheck: true })), notAuthorized(CAROL, 'PutKeyPolicy', key, 'resource'));
    await denied(() => carol.send(new TagResourceCommand({ KeyId: key, Tags: [{ TagKey: 'owner', TagValue: 'carol' }] })), notAuthorized(CAROL, 'TagResource', key, 'resource'));
    assert.equal((await root.send(new DescribeKeyCommand({ KeyId: key }))).KeyMetadata!.KeyState, 'Enabled', 'nothing changed');
  });

  test('aliases stay in their account: the other account’s alias names and alias ARNs are NotFoundException', async () => {
    const inB = `arn:aws:kms:${REGION}:${B}:alias/shared`;
    await fails(() => carol.send(new EncryptCommand({ KeyId: 'alias/shared', Plaintext: text('x') })), NotFoundException, `Alias ${inB} is not found.`);
    const inA = `arn:aws:kms:${REGION}:${A}:alias/shared`;
    await fails(() => carol.send(new EncryptCommand({ KeyId: inA, Plaintext: text('x') })), NotFoundException, `Alias ${inA} is not found.`);
    // A bare key id names a key of the caller's own account.
    const id = keys.shared!.KeyId!;
    await fails(() => carol.send(new DescribeKeyCommand({ KeyId: id })), NotFoundException, `Key 'arn:aws:kms:${REGION}:${B}:key/${id}' does not exist`);
    // The alias works in its own account.
    assert.equal((await root.send(new DescribeKeyCommand({ KeyId: 'alias/shared' }))).KeyMetadata!.Arn, arn('shared'));
  });
});

describe('grants', () => {
  const grant = (extra: Partial<ConstructorParameters<typeof CreateGrantCommand>[0]> = {}) =>
    root.send(
      new CreateGrantCommand({
        KeyId: arn('granted'),
        GranteePrincipal: BOB.principalArn!,
        Operations: ['Encrypt', 'Decrypt'],
        Constraints: { EncryptionContextSubset: { Department: 'IT' } },
        ...extra,
      }),
    );

  test('a grant with EncryptionContextSubset allows exactly the calls whose context matches, at once through its token', async () => {
    const key = arn('granted');
    const it = { Department: 'IT', Project: 'alpha' };
    await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: it })), notAuthorized(BOB, 'Encrypt', key, 'identity'));
    const made = await grant({ Name: 'bob-it' });
    const enc = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('granted'), EncryptionContext: it, GrantTokens: [made.GrantToken!] }));
    const dec = await bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: it, GrantTokens: [made.GrantToken!] }));
    assert.equal(new TextDecoder().decode(dec.Plaintext), 'granted');
    // Without the token too, and with the context's key in another case (grant keys ignore case, values do not).
    await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: { department: 'IT' } }));
    for (const EncryptionContext of [undefined, { Department: 'Sales' }, { Department: 'it' }, { Project: 'alpha' }] as Array<Record<string, string> | undefined>) {
      await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext, GrantTokens: [made.GrantToken!] })), notAuthorized(BOB, 'Encrypt', key, 'identity'));
    }
    // Only the grant's operations.
    await denied(
      () => bob.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256', EncryptionContext: it, GrantTokens: [made.GrantToken!] })),
      notAuthorized(BOB, 'GenerateDataKey', key, 'identity'),
    );
    // Only for its grantee.
    await denied(() => dave.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: it, GrantTokens: [made.GrantToken!] })), notAuthorized(DAVE, 'Encrypt', key, 'identity'));
    await root.send(new RevokeGrantCommand({ KeyId: key, GrantId: made.GrantId }));
  });

  test('a grant retired by its token stops working at once, token or not', async () => {
    const key = arn('granted');
    const made = await grant({ RetiringPrincipal: BOB.principalArn });
    const ctx = { Department: 'IT' };
    const enc = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: ctx, GrantTokens: [made.GrantToken!] }));
    await bob.send(new RetireGrantCommand({ GrantToken: made.GrantToken }));
    await denied(() => bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx, GrantTokens: [made.GrantToken!] })), notAuthorized(BOB, 'Decrypt', key, 'identity'));
    await denied(() => bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx })), notAuthorized(BOB, 'Decrypt', key, 'identity'));
  });

  test('a revoked grant stops working at once', async () => {
    const key = arn('granted');
    const made = await grant();
    const ctx = { Department: 'IT' };
    const enc = await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: ctx }));
    await root.send(new RevokeGrantCommand({ KeyId: keys.granted!.KeyId, GrantId: made.GrantId }));
    await denied(() => bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx })), notAuthorized(BOB, 'Decrypt', key, 'identity'));
    await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: ctx, GrantTokens: [made.GrantToken!] })), notAuthorized(BOB, 'Encrypt', key, 'identity'));
  });

  test('the retiring principal retires by key and grant id without any permission on the key', async () => {
    const key = arn('granted');
    const made = await grant({ RetiringPrincipal: SESSION.principalArn, Operations: ['Encrypt'] });
    await session.send(new RetireGrantCommand({ KeyId: key, GrantId: made.GrantId }));
    const second = await grant({ RetiringPrincipal: BOB.principalArn });
    await bob.send(new RetireGrantCommand({ KeyId: keys.granted!.KeyId, GrantId: second.GrantId }));
    await denied(() => bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: { Department: 'IT' } })), notAuthorized(BOB, 'Encrypt', key, 'identity'));
  });

  test('a principal of the key account whom neither the grant nor a policy allows to retire it cannot, by token or by id', async () => {
    const key = arn('granted');
    const made = await grant({ RetiringPrincipal: SESSION.principalArn });
    await denied(() => dave.send(new RetireGrantCommand({ GrantToken: made.GrantToken })), notAuthorized(DAVE, 'RetireGrant', key, 'identity'));
    await denied(() => dave.send(new RetireGrantCommand({ KeyId: key, GrantId: made.GrantId })), notAuthorized(DAVE, 'RetireGrant', key, 'identity'));
    // The grantee may not either: the grant does not include RetireGrant.
    await denied(() => bob.send(new RetireGrantCommand({ GrantToken: made.GrantToken })), notAuthorized(BOB, 'RetireGrant', key, 'identity'));
    // Nor another account's user, whom the grant does not name.
    await denied(() => carol.send(new RetireGrantCommand({ GrantToken: made.GrantToken })), notAuthorized(CAROL, 'RetireGrant', key, 'resource'));
    await bob.send(new EncryptCommand({ KeyId: key, Plaintext: text('x'), EncryptionContext: { Department: 'IT' } }));
    // The account's root user may, as the account the grant was made in.
    await root.send(new RetireGrantCommand({ GrantToken: made.GrantToken }));
  });
});

describe('the policy lockout safety check and malformed policies', () => {
  test('PutKeyPolicy that would lock the administrator out is refused, and accepted with BypassPolicyLockoutSafetyCheck', async () => {
    await createKey('lockout', documentedPolicy());
    const key = arn('lockout');
    const usersOnly = keyPolicy(enableIam, documentedPolicy().Statement[2]);
    await fails(
      () => alice.send(new PutKeyPolicyCommand({ KeyId: key, Policy: usersOnly })),
      MalformedPolicyDocumentException,
      'The new key policy will not allow you to update the key policy in the future.',
    );
    assert.equal((await root.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy, JSON.stringify(documentedPolicy()), 'the refused policy was not stored');
    await alice.send(new PutKeyPolicyCommand({ KeyId: key, Policy: usersOnly, BypassPolicyLockoutSafetyCheck: true }));
    assert.equal((await root.send(new GetKeyPolicyCommand({ KeyId: key }))).Policy, usersOnly);
    // Locked out as she was warned; the account root, through the policy's IAM statement, is not.
    await denied(() => alice.send(new PutKeyPolicyCommand({ KeyId: key, Policy: usersOnly })), notAuthorized(ALICE, 'PutKeyPolicy', key, 'identity'));
    await root.send(new PutKeyPolicyCommand({ KeyId: key, Policy: JSON.stringify(documentedPolicy()) }));
  });

  test('CreateKey with a policy that does not let its creator change it is refused unless bypassed', async () => {
    const policy = keyPolicy({ Effect: 'Allow', Principal: { AWS: BOB.principalArn }, Action: 'kms:*', Resource: '*' });
    await fails(() => root.send(new CreateKeyCommand({ Policy: policy })), MalformedPolicyDocumentException, 'The new key policy will not allow you to update the key policy in the future.');
    const made = await root.send(new CreateKeyCommand({ Policy: policy, BypassPolicyLockoutSafetyCheck: true }));
    assert.equal((await bob.send(new GetKeyPolicyCommand({ KeyId: made.KeyMetadata!.Arn }))).Policy, policy);
  });

  test('documents KMS refuses are MalformedPolicyDocumentException, bypass or not', async () => {
    const key = arn('lockout');
    const badEffect = keyPolicy({ ...enableIam, Effect: 'Maybe' });
    const noPrincipal = keyPolicy({ Effect: 'Allow', Action: 'kms:*', Resource: '*' });
    for (const BypassPolicyLockoutSafetyCheck of [false, true]) {
      await fails(() => root.send(new PutKeyPolicyCommand({ KeyId: key, Policy: badEffect, BypassPolicyLockoutSafetyCheck })), MalformedPolicyDocumentException);
      await fails(
        () => root.send(new PutKeyPolicyCommand({ KeyId: key, Policy: noPrincipal, BypassPolicyLockoutSafetyCheck })),
        MalformedPolicyDocumentException,
        'Policy contains a statement with one or more invalid principals.',
      );
      await fails(() => root.send(new CreateKeyCommand({ Policy: badEffect, BypassPolicyLockoutSafetyCheck })), MalformedPolicyDocumentException);
    }
  });
});

describe('operations IAM alone decides', () => {
  test('CreateKey without an identity policy allowing kms:CreateKey is AccessDeniedException with no resource in the message', async () => {
    await denied(() => dave.send(new CreateKeyCommand({})), notAuthorized(DAVE, 'CreateKey', undefined, 'identity'));
    await denied(() => carol.send(new CreateKeyCommand({})), notAuthorized(CAROL, 'CreateKey', undefined, 'identity'));
    // kms:List* covers ListKeys, which shows the account's keys.
    assert.ok(((await dave.send(new ListKeysCommand({}))).Keys ?? []).some((k) => k.KeyArn === arn('default')));
  });

  test('CreateKey: conditions on the request (kms:KeySpec, aws:RequestTag, kms:BypassPolicyLockoutSafetyCheck) in identity policies', async () => {
    const Tags = [{ TagKey: 'Team', TagValue: 'payments' }];
    const made = await frank.send(new CreateKeyCommand({ Tags }));
    assert.equal(made.KeyMetadata!.KeySpec, 'SYMMETRIC_DEFAULT');
    await denied(() => frank.send(new CreateKeyCommand({})), notAuthorized(FRANK, 'CreateKey', undefined, 'identity'));
    await denied(() => frank.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'ledger' }] })), notAuthorized(FRANK, 'CreateKey', undefined, 'identity'));
    await denied(() => frank.send(new CreateKeyCommand({ Tags, KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })), notAuthorized(FRANK, 'CreateKey', undefined, 'identity'));
    await denied(
      () => frank.send(new CreateKeyCommand({ Tags, Policy: keyPolicy(enableIam), BypassPolicyLockoutSafetyCheck: true })),
      notAuthorized(FRANK, 'CreateKey', undefined, 'identity-deny'),
    );
  });

  test('CreateKey with Tags needs kms:TagResource as well', async () => {
    await denied(() => session.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'payments' }] })), notAuthorized(SESSION, 'CreateKey', undefined, 'identity'));
    await denied(
      () => frank.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'payments' }, { TagKey: 'Owner', TagValue: 'frank' }] })),
      notAuthorized(FRANK, 'TagResource', undefined, 'identity'),
    );
  });

  test('alias operations: an identity policy on alias ARNs of a prefix allows those aliases only', async () => {
    const target = (await frank.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'payments' }] }))).KeyMetadata!;
    await frank.send(new CreateAliasCommand({ AliasName: 'alias/app-payments', TargetKeyId: target.KeyId }));
    const other = `arn:aws:kms:${REGION}:${A}:alias/finance`;
    await denied(() => frank.send(new CreateAliasCommand({ AliasName: 'alias/finance', TargetKeyId: target.KeyId })), notAuthorized(FRANK, 'CreateAlias', other, 'identity'));
    await frank.send(new DeleteAliasCommand({ AliasName: 'alias/app-payments' }));
  });

  test('DeleteAlias and UpdateAlias need the action in the policy of the key the alias points at, besides the alias', async () => {
    // Alice's key, whose policy lets the account do nothing but create aliases for it.
    await createKey(
      'aliased',
      keyPolicy(
        { Sid: 'Alice alone', Effect: 'Allow', Principal: { AWS: ALICE.principalArn }, Action: 'kms:*', Resource: '*' },
        { Sid: 'Aliases through IAM', Effect: 'Allow', Principal: { AWS: ROOT_A }, Action: 'kms:CreateAlias', Resource: '*' },
      ),
      { BypassPolicyLockoutSafetyCheck: true },
    );
    const locked = arn('aliased');
    await frank.send(new CreateAliasCommand({ AliasName: 'alias/app-locked', TargetKeyId: locked }));
    const own = (await frank.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'payments' }] }))).KeyMetadata!;
    await denied(() => frank.send(new DeleteAliasCommand({ AliasName: 'alias/app-locked' })), notAuthorized(FRANK, 'DeleteAlias', locked, 'resource'));
    await denied(() => frank.send(new UpdateAliasCommand({ AliasName: 'alias/app-locked', TargetKeyId: own.KeyId })), notAuthorized(FRANK, 'UpdateAlias', locked, 'resource'));
    assert.equal((await alice.send(new DescribeKeyCommand({ KeyId: 'alias/app-locked' }))).KeyMetadata!.Arn, locked, 'the alias still names Alice’s key');
    // The other way round, from his own key to hers, the policy of the new target decides.
    await frank.send(new CreateAliasCommand({ AliasName: 'alias/app-own', TargetKeyId: own.KeyId }));
    await denied(() => frank.send(new UpdateAliasCommand({ AliasName: 'alias/app-own', TargetKeyId: locked })), notAuthorized(FRANK, 'UpdateAlias', locked, 'resource'));
    await frank.send(new DeleteAliasCommand({ AliasName: 'alias/app-own' }));
  });

  test('CloudHSM DescribeClusters is governed by cloudhsm:DescribeClusters', async () => {
    const hsm = (who: Entry) => {
      const c = new CloudHSMV2Client({ endpoint: server.url, region: REGION, credentials: { accessKeyId: who.accessKeyId, secretAccessKey: who.secretAccessKey }, maxAttempts: 1 });
      clients.push(c);
      return c;
    };
    const err = await hsm(DAVE).send(new DescribeClustersCommand({})).then(
      () => assert.fail('DescribeClusters succeeded'),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
    );
    assert.equal(err.name, 'AccessDeniedException');
    assert.equal(err.$metadata?.httpStatusCode, 400);
    assert.equal(err.message, `User: ${DAVE.principalArn} is not authorized to perform: cloudhsm:DescribeClusters because no identity-based policy allows the cloudhsm:DescribeClusters action`);
    assert.ok(Array.isArray((await hsm(ROOT).send(new DescribeClustersCommand({}))).Clusters));
  });
});

describe('what a refused caller sees through boto3 and the AWS CLI, and the audit trail', () => {
  test('boto3: cross-account use, AccessDeniedException with AWS text, aliases of another account, IAM-only operations', async () => {
    const principals = Object.fromEntries(
      Object.entries({ carol: CAROL, dan: DAN, dave: DAVE }).map(([name, e]) => [name, { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey, principalArn: e.principalArn }]),
    );
    const setup = { principals, sharedKeyArn: arn('shared'), defaultKeyArn: arn('default') };
    await assertScriptPasses(
      server,
      'kms_authorization.py',
      [
        'cross_account_round_trip',
        'cross_account_refused_without_identity_policy',
        'cross_account_refused_by_key_policy',
        'other_account_alias_not_found',
        'create_key_refused',
        'cloudhsm_refused',
      ],
      [JSON.stringify(setup)],
    );
  });

  test('the AWS CLI exits non-zero and prints AccessDeniedException with AWS text on stderr', async () => {
    const key = arn('default');
    const r = await awsAsync(server.url, ['kms', 'encrypt', '--key-id', key, '--plaintext', 'aGVsbG8='], {
      AWS_ACCESS_KEY_ID: DAVE.accessKeyId,
      AWS_SECRET_ACCESS_KEY: DAVE.secretAccessKey,
    });
    assert.equal(r.stdout, '');
    assert.ok(CLI_SERVICE_ERROR.includes(r.status!), `exit status ${r.status}: ${r.stderr}`);
    // With one attempt allowed the CLI adds "(reached max retries: 0)" before the colon.
    const m = /^An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: (.*)$/s.exec(r.stderr.trim());
    assert.ok(m, r.stderr);
    assert.deepEqual(m.slice(1), ['AccessDeniedException', 'Encrypt', notAuthorized(DAVE, 'Encrypt', key, 'identity')]);
  });

  test('a refused call is in the audit trail with its errorCode and errorMessage, in the key account', async () => {
    const key = arn('default');
    const message = notAuthorized(DAVE, 'Encrypt', key, 'identity');
    const marker = { audit: randomUUID() };
    await denied(() => dave.send(new EncryptCommand({ KeyId: key, Plaintext: text('audited'), EncryptionContext: marker })), message);
    const records = await recordsNamed(server.url, 'Encrypt');
    const refused = records.filter((r) => r.requestParameters?.encryptionContext?.audit === marker.audit);
    assert.equal(refused.length, 1, 'the refused Encrypt is recorded once');
    const [r] = refused;
    assert.equal(r!.errorCode, 'AccessDeniedException');
    assert.equal(r!.errorMessage, message);
    assert.equal(r!.userIdentity.arn, DAVE.principalArn);
    assert.equal(r!.userIdentity.type, 'IAMUser');
    assert.equal(r!.recipientAccountId, A);
    assert.equal(r!.responseElements ?? null, null);
    const createKey = (await recordsNamed(server.url, 'CreateKey')).find((r) => r.userIdentity?.arn === DAVE.principalArn);
    assert.ok(createKey, 'the refused CreateKey is recorded');
    assert.equal(createKey.errorCode, 'AccessDeniedException');
    assert.equal(createKey.errorMessage, notAuthorized(DAVE, 'CreateKey', undefined, 'identity'));
  });

  test('LookupEvents itself is governed by cloudtrail:LookupEvents', async () => {
    const r = await signedCall(server.port, LOOKUP_EVENTS, 'cloudtrail', Buffer.from('{}'), { accessKeyId: DAVE.accessKeyId, secretAccessKey: DAVE.secretAccessKey });
    assert.equal(r.status, 400);
    assert.equal(r.json.__type, 'AccessDeniedException');
    assert.equal(
      r.json.message ?? r.json.Message,
      `User: ${DAVE.principalArn} is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action`,
    );
  });
});

describe('the default setup, without a credentials file', () => {
  let dev: TestServer;
  before(async () => {
    dev = await startServer();
  });
  after(async () => {
    await dev?.dispose();
  });

  test('the dev credential still does everything: keys, policies with and without a bypass, aliases, grants, CloudHSM and CloudTrail', async () => {
    const c = new KMSClient({ endpoint: dev.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    clients.push(c);
    const made = (await c.send(new CreateKeyCommand({ Tags: [{ TagKey: 'Team', TagValue: 'any' }] }))).KeyMetadata!;
    const KeyId = made.KeyId!;
    await c.send(new CreateAliasCommand({ AliasName: 'alias/dev', TargetKeyId: KeyId }));
    const enc = await c.send(new EncryptCommand({ KeyId: 'alias/dev', Plaintext: text('dev'), EncryptionContext: { a: '1' } }));
    assert.equal(new TextDecoder().decode((await c.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: '1' } }))).Plaintext), 'dev');
    await c.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' }));
    const policy = (await c.send(new GetKeyPolicyCommand({ KeyId }))).Policy!;
    assert.equal(JSON.parse(policy).Statement[0].Principal.AWS, ROOT_A, 'the default key policy names the account');
    await c.send(new PutKeyPolicyCommand({ KeyId, Policy: policy }));
    const other = (await c.send(new CreateKeyCommand({}))).KeyMetadata!;
    await c.send(new UpdateAliasCommand({ AliasName: 'alias/dev', TargetKeyId: other.KeyId }));
    await c.send(new DeleteAliasCommand({ AliasName: 'alias/dev' }));
    const g = await c.send(new CreateGrantCommand({ KeyId, GranteePrincipal: BOB.principalArn!, RetiringPrincipal: ROOT_A, Operations: ['Decrypt'] }));
    await c.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: '1' }, GrantTokens: [g.GrantToken!] }));
    await c.send(new RetireGrantCommand({ KeyId, GrantId: g.GrantId }));
    const g2 = await c.send(new CreateGrantCommand({ KeyId, GranteePrincipal: BOB.principalArn!, Operations: ['Encrypt'] }));
    await c.send(new RetireGrantCommand({ GrantToken: g2.GrantToken }));
    await c.send(new DisableKeyCommand({ KeyId }));
    await c.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    assert.ok(((await c.send(new ListKeysCommand({}))).Keys ?? []).length >= 2);
    const hsm = new CloudHSMV2Client({ endpoint: dev.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    clients.push(hsm);
    assert.ok(Array.isArray((await hsm.send(new DescribeClustersCommand({}))).Clusters));
    assert.ok((await recordsNamed(dev.url, 'CreateKey')).length >= 2);
  });
});
