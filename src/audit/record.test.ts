import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import kmsModel from '../protocol/models/kms.json' with { type: 'json' };
import cloudhsmModel from '../protocol/models/cloudhsmv2.json' with { type: 'json' };
import type { ApiCall } from '../core/api-call.js';
import { apiCallRecord, apiCallText, callerIdentity, cloudTrailTime, indexOf, indexOfText, serviceEventRecord } from './record.js';
import type { AuditModel } from './redaction.js';
import { AUDITED_SERVICES } from './sources.js';

const KMS = AUDITED_SERVICES.TrentService!;
const HSM = AUDITED_SERVICES.BaldrApiService!;
const ADMIN = AUDITED_SERVICES.KeywardenAdmin!;
const kms = kmsModel as AuditModel;
const ACCOUNT = '111122223333';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${KEY_ID}`;
const OTHER_ID = '0987dcba-09fe-87dc-65ba-ab0987654321';
const OTHER_ARN = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${OTHER_ID}`;
const T = Date.UTC(2021, 11, 10, 14, 23, 51, 640);

function call(operation: string, input: unknown, result: { output?: unknown; error?: { type: string; message: string } } = { output: {} }, principalArn = `arn:aws:iam::${ACCOUNT}:user/Alice`): ApiCall {
  return {
    service: 'TrentService',
    operation,
    ctx: {
      requestId: 'ee408f36-ea01-422b-ac14-b0f147c68334',
      accountId: ACCOUNT,
      region: 'us-west-2',
      principalArn,
      accessKeyId: 'AKIAEXAMPLE',
      sourceIp: '::ffff:192.0.2.0',
      userAgent: 'aws-cli/2.13.5 Python/3.11.4',
    },
    input,
    ...result,
  };
}

const record = (c: ApiCall, service = KMS, model: AuditModel | undefined = kms) => apiCallRecord(c, service, model, T, 'c21f1f47-f52b-4ffe-bff0-6d994403cf40');

describe('API call records', () => {
  it('records a cryptographic call as CloudTrail does: who, what, no plaintext, no response, the key as resource', () => {
    const r = record(
      call('Encrypt', { KeyId: KEY_ID, Plaintext: Buffer.from('top secret'), EncryptionContext: { Department: 'Engineering' } }, {
        output: { CiphertextBlob: 'AQICAHh...', KeyId: KEY_ARN, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      }),
    );
    assert.deepEqual(r, {
      eventVersion: '1.08',
      userIdentity: {
        type: 'IAMUser',
        principalId: r.userIdentity && 'principalId' in r.userIdentity ? r.userIdentity.principalId : '',
        arn: `arn:aws:iam::${ACCOUNT}:user/Alice`,
        accountId: ACCOUNT,
        accessKeyId: 'AKIAEXAMPLE',
        userName: 'Alice',
      },
      eventTime: '2021-12-10T14:23:51Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'Encrypt',
      awsRegion: 'us-west-2',
      sourceIPAddress: '192.0.2.0',
      userAgent: 'aws-cli/2.13.5 Python/3.11.4',
      requestParameters: { keyId: KEY_ID, encryptionContext: { Department: 'Engineering' } },
      responseElements: null,
      requestID: 'ee408f36-ea01-422b-ac14-b0f147c68334',
      eventID: 'c21f1f47-f52b-4ffe-bff0-6d994403cf40',
      readOnly: true,
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }],
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    });
    assert.match((r.userIdentity as { principalId: string }).principalId, /^AIDA[A-Z2-7]{17}$/);
  });

  it('keeps CloudTrail member order in the stored text', () => {
    const text = apiCallText(call('DescribeKey', { KeyId: 'alias/none' }, { error: { type: 'NotFoundException', message: 'Alias none is not found.' } }), KMS, kms, T, 'id-1');
    assert.deepEqual(Object.keys(JSON.parse(text)), [
      'eventVersion',
      'userIdentity',
      'eventTime',
      'eventSource',
      'eventName',
      'awsRegion',
      'sourceIPAddress',
      'userAgent',
      'errorCode',
      'errorMessage',
      'requestParameters',
      'responseElements',
      'requestID',
      'eventID',
      'readOnly',
      'eventType',
      'managementEvent',
      'recipientAccountId',
      'eventCategory',
    ]);
  });

  it('records a failed call with its error, and no resource for an alias it could not resolve', () => {
    const r = record(call('DescribeKey', { KeyId: 'alias/none' }, { error: { type: 'NotFoundException', message: 'Alias arn:aws:kms:us-west-2:111122223333:alias/none is not found.' } }));
    assert.equal(r.errorCode, 'NotFoundException');
    assert.equal(r.errorMessage, 'Alias arn:aws:kms:us-west-2:111122223333:alias/none is not found.');
    assert.deepEqual(r.requestParameters, { keyId: 'alias/none' });
    assert.equal(r.responseElements, null);
    assert.equal(r.resources, undefined);
    assert.equal(r.readOnly, true);
  });

  it('names the key of a failed call by the id or ARN the caller sent', () => {
    const r = record(call('DisableKey', { KeyId: KEY_ID }, { error: { type: 'KMSInvalidStateException', message: 'x' } }));
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }]);
  });

  it('records what a call that changed something answered, with KMS dates as CloudTrail prints them', () => {
    const created = Date.UTC(2021, 9, 14, 17, 39, 50) / 1000;
    const r = record(
      call('CreateKey', { Description: 'demo', KeyUsage: 'ENCRYPT_DECRYPT', Tags: [{ TagKey: 'team', TagValue: 'a' }] }, {
        output: { KeyMetadata: { AWSAccountId: ACCOUNT, KeyId: KEY_ID, Arn: KEY_ARN, CreationDate: created, Enabled: true, KeyState: 'Enabled' } },
      }),
    );
    assert.deepEqual(r.requestParameters, { description: 'demo', keyUsage: 'ENCRYPT_DECRYPT', tags: [{ tagKey: 'team', tagValue: 'a' }] });
    assert.deepEqual(r.responseElements, {
      keyMetadata: { aWSAccountId: ACCOUNT, keyId: KEY_ID, arn: KEY_ARN, creationDate: 'Oct 14, 2021, 5:39:50 PM', enabled: true, keyState: 'Enabled' },
    });
    assert.equal(r.readOnly, false);
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }]);
  });

  it('shows null for a call without parameters and for an empty answer', () => {
    const r = record(call('ListKeys', {}, { output: { Keys: [], Truncated: false } }));
    assert.equal(r.requestParameters, null);
    assert.equal(r.responseElements, null);
    const enabled = record(call('EnableKey', { KeyId: KEY_ID }, { output: {} }));
    assert.equal(enabled.responseElements, null);
    assert.equal(enabled.readOnly, false);
  });

  it('lists ReEncrypt source and destination keys in that order, and no ciphertext anywhere', () => {
    const r = record(
      call('ReEncrypt', { CiphertextBlob: Buffer.from('ciphertext'), DestinationKeyId: OTHER_ID, DestinationEncryptionContext: { Level: '3A' } }, {
        output: { CiphertextBlob: 'bmV3', SourceKeyId: KEY_ARN, KeyId: OTHER_ARN },
      }),
    );
    assert.deepEqual(r.resources?.map((x) => x.ARN), [KEY_ARN, OTHER_ARN]);
    assert.deepEqual(r.requestParameters, { destinationKeyId: OTHER_ID, destinationEncryptionContext: { Level: '3A' } });
    assert.equal(r.readOnly, true);
  });

  it('carries what a handler added as additionalEventData, without secrets', () => {
    const c = call('Decrypt', { CiphertextBlob: Buffer.from('x') }, { output: { KeyId: KEY_ARN, Plaintext: Buffer.from('p') } });
    c.ctx.additionalEventData = { customKeyStoreId: 'cks-1234567890abcdef0', backingKey: '{"backingKeyId":"a1b2"}', kmsuserPassword: 'hunter22' };
    const r = record(c);
    assert.deepEqual(r.additionalEventData, { customKeyStoreId: 'cks-1234567890abcdef0', backingKey: '{"backingKeyId":"a1b2"}' });
  });

  it('builds userIdentity for root, IAM users and assumed roles', () => {
    assert.deepEqual(callerIdentity(`arn:aws:iam::${ACCOUNT}:root`, ACCOUNT, 'test').identity, {
      type: 'Root',
      principalId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:root`,
      accountId: ACCOUNT,
      accessKeyId: 'test',
    });
    const role = callerIdentity(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice-session`, ACCOUNT, 'ASIAEXAMPLE');
    assert.equal((role.identity as { type: string }).type, 'AssumedRole');
    assert.match((role.identity as { principalId: string }).principalId, /^AROA[A-Z2-7]{17}:alice-session$/);
    assert.equal(role.username, 'alice-session');
    assert.equal(callerIdentity(`arn:aws:iam::${ACCOUNT}:root`, ACCOUNT, 'test').username, 'root');
    assert.equal(callerIdentity(`arn:aws:iam::${ACCOUNT}:user/ops/bob`, ACCOUNT, 'k').username, 'bob');
  });

  it('records CloudHSM calls under cloudhsm.amazonaws.com with lowerCamel parameters', () => {
    const c: ApiCall = { ...call('CreateCluster', { HsmType: 'hsm1.medium', SubnetIds: ['subnet-1'] }, { output: { Cluster: { ClusterId: 'cluster-1a23b4cdefg', SubnetMapping: { 'us-east-1a': 'subnet-1' } } } }), service: 'BaldrApiService' };
    const r = record(c, HSM, cloudhsmModel as AuditModel);
    assert.equal(r.eventSource, 'cloudhsm.amazonaws.com');
    assert.deepEqual(r.requestParameters, { hsmType: 'hsm1.medium', subnetIds: ['subnet-1'] });
    assert.deepEqual(r.responseElements, { cluster: { clusterId: 'cluster-1a23b4cdefg', subnetMapping: { 'us-east-1a': 'subnet-1' } } });
    assert.equal(r.readOnly, false);
    assert.equal(record({ ...c, operation: 'DescribeClusters' }, HSM, cloudhsmModel as AuditModel).readOnly, true);
  });

  it("records Keywarden's own control calls under keywarden.amazonaws.com, and not its trail reads", () => {
    const c: ApiCall = { ...call('AdvanceClock', { Duration: '8d' }, { output: { Now: 1, OffsetSeconds: 691200, ClockControl: true } }), service: 'KeywardenAdmin' };
    const r = record(c, ADMIN, undefined);
    assert.equal(r.eventSource, 'keywarden.amazonaws.com');
    assert.deepEqual(r.requestParameters, { duration: '8d' });
    assert.ok(ADMIN.unrecorded?.has('ExportAuditEvents') && ADMIN.unrecorded.has('VerifyAuditTrail'));
  });

  it('indexes exactly what LookupEvents filters on', () => {
    const text = apiCallText(call('Encrypt', { KeyId: KEY_ID, Plaintext: Buffer.from('p') }, { output: { KeyId: KEY_ARN } }), KMS, kms, T, 'ev-1');
    const index = indexOfText(text);
    assert.deepEqual(index, {
      eventTime: Date.parse('2021-12-10T14:23:51Z'),
      accountId: ACCOUNT,
      region: 'us-west-2',
      eventId: 'ev-1',
      eventName: 'Encrypt',
      eventSource: 'kms.amazonaws.com',
      readOnly: true,
      resources: [{ type: 'AWS::KMS::Key', name: KEY_ARN }],
      username: 'Alice',
      accessKeyId: 'AKIAEXAMPLE',
    });
  });
});

describe('service event records', () => {
  it('matches the DeleteKey entry of the seed, member for member', () => {
    const r = serviceEventRecord(
      {
        eventSource: 'kms.amazonaws.com',
        eventName: 'DeleteKey',
        accountId: ACCOUNT,
        region: 'us-west-2',
        eventTime: T,
        requestParameters: null,
        responseElements: { keyId: KEY_ARN },
        additionalEventData: {
          customKeyStoreId: 'cks-1234567890abcdef0',
          clusterId: 'cluster-1a23b4cdefg',
          backingKeys: '[{"backingKeyId":"backing-key-id"}]',
          backingKeysDeletionStatus: '[{"backingKeyId":"backing-key-id","deletionStatus":"FAILURE"}]',
        },
        resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }],
        readOnly: false,
      },
      'c21f1f47-f52b-4ffe-bff0-6d994403cf40',
    );
    assert.deepEqual(JSON.parse(JSON.stringify(r)), {
      eventVersion: '1.08',
      userIdentity: { accountId: ACCOUNT, invokedBy: 'AWS Internal' },
      eventTime: '2021-12-10T14:23:51Z',
      eventSource: 'kms.amazonaws.com',
      eventName: 'DeleteKey',
      awsRegion: 'us-west-2',
      sourceIPAddress: 'AWS Internal',
      userAgent: 'AWS Internal',
      requestParameters: null,
      responseElements: { keyId: KEY_ARN },
      additionalEventData: {
        customKeyStoreId: 'cks-1234567890abcdef0',
        clusterId: 'cluster-1a23b4cdefg',
        backingKeys: '[{"backingKeyId":"backing-key-id"}]',
        backingKeysDeletionStatus: '[{"backingKeyId":"backing-key-id","deletionStatus":"FAILURE"}]',
      },
      eventID: 'c21f1f47-f52b-4ffe-bff0-6d994403cf40',
      readOnly: false,
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KEY_ARN }],
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    });
    const index = indexOf(r, T);
    assert.equal(index.username, undefined);
    assert.equal(index.accessKeyId, undefined);
    assert.deepEqual(index.resources, [{ type: 'AWS::KMS::Key', name: KEY_ARN }]);
  });

  it('carries serviceEventDetails, errors, and drops secrets even from trusted emitters', () => {
    const r = serviceEventRecord(
      {
        eventSource: 'kms.amazonaws.com',
        eventName: 'ConnectCustomKeyStore',
        accountId: ACCOUNT,
        region: 'us-east-1',
        eventTime: T,
        additionalEventData: { customKeyStoreId: 'cks-1', keyStorePassword: 'kmsPswd123' },
        serviceEventDetails: { rotationType: 'AUTOMATIC' },
        errorCode: 'USER_LOCKED_OUT',
        errorMessage: 'The connection attempt failed.',
      },
      'e1',
    );
    assert.equal(r.errorCode, 'USER_LOCKED_OUT');
    assert.deepEqual(r.additionalEventData, { customKeyStoreId: 'cks-1' });
    assert.deepEqual(r.serviceEventDetails, { rotationType: 'AUTOMATIC' });
    assert.equal(r.requestParameters, null);
    assert.equal(r.responseElements, null);
  });

  it('prints eventTime in whole seconds', () => {
    assert.equal(cloudTrailTime(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), '2026-01-02T03:04:05Z');
  });
});

describe('what a record keeps of a hostile request (RECORD_LIMITS)', () => {
  const rejected = { error: { type: 'ValidationException', message: 'rejected' } };
  const sizeOf = (c: ApiCall, service = KMS, model: AuditModel | undefined = kms) => apiCallText(c, service, model, T, 'id').length;

  it('cuts a 1.9 MB Description of a rejected call to 1 KiB, says so, and cuts the error message quoting it', () => {
    const description = 'd'.repeat(1_900_000);
    const message = `1 validation error detected: Value '${description}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192`;
    const c = call('CreateKey', { Description: description, KeyUsage: 'ENCRYPT_DECRYPT' }, { error: { type: 'ValidationException', message } });
    assert.ok(sizeOf(c) < 4096, `the record is ${sizeOf(c)} characters`);
    const r = record(c);
    assert.equal(r.requestParameters?.description, 'd'.repeat(1024) + '…');
    assert.equal(r.requestParameters?.keyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(r.errorMessage, message.slice(0, 1024) + '…');
    assert.deepEqual(r.additionalEventData, {
      truncated: { errorMessage: { length: message.length }, requestParameters: { cut: { description: 1_900_000 } } },
    });
  });

  it('keeps what the model allows in a successful call (a 32 KiB key policy), and 1 KiB of it in a failed one', () => {
    const policy = `{"Version":"2012-10-17","Statement":[${'{"Effect":"Allow"},'.repeat(1700)}{}]}`.slice(0, 32_000);
    const ok = record(call('PutKeyPolicy', { KeyId: KEY_ID, Policy: policy }, { output: {} }));
    assert.equal(ok.requestParameters?.policy, policy);
    assert.equal(ok.additionalEventData, undefined, 'nothing cut, nothing said');
    const failed = record(call('PutKeyPolicy', { KeyId: KEY_ID, Policy: policy }, { error: { type: 'MalformedPolicyDocumentException', message: 'bad' } }));
    assert.equal((failed.requestParameters?.policy as string).length, 1025);
    assert.deepEqual(failed.additionalEventData, { truncated: { requestParameters: { cut: { policy: policy.length } } } });
  });

  it('keeps the first 100 members of a 100,000-member object or list, and their count', () => {
    const context: Record<string, string> = {};
    for (let i = 0; i < 100_000; i++) context[`k${i}`] = 'v';
    const r = record(call('CreateGrant', { KeyId: KEY_ID, GranteePrincipal: 'p', Constraints: { EncryptionContextEquals: context }, Operations: Array.from({ length: 100_000 }, () => 'Encrypt') }, rejected));
    assert.equal(Object.keys((r.requestParameters?.constraints as Record<string, object>).encryptionContextEquals!).length, 100);
    assert.equal((r.requestParameters?.operations as string[]).length, 100);
    assert.deepEqual(r.additionalEventData, { truncated: { requestParameters: { cut: { 'constraints.encryptionContextEquals': 100_000, operations: 100_000 } } } });
  });

  it('walks no deeper than 10 levels, in a member of the wrong type as in an input without a model', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const r = record(call('DescribeKey', { KeyId: deep }, rejected));
    let level = r.requestParameters?.keyId as Record<string, unknown>;
    let depth = 1;
    while (level.a !== undefined) [level, depth] = [level.a as Record<string, unknown>, depth + 1];
    assert.equal(depth, 10);
    assert.deepEqual(r.additionalEventData, { truncated: { requestParameters: { cut: { [`keyId${'.a'.repeat(10)}`]: 1 } } } });
    const admin = record({ ...call('CreateSubnet', { AvailabilityZone: 'us-east-1a', Extra: deep }, { output: {} }), service: 'KeywardenAdmin' }, ADMIN, undefined);
    assert.equal(admin.requestParameters?.availabilityZone, 'us-east-1a');
    assert.ok(JSON.stringify(admin).length < 4096);
  });

  it('leaves out the parameters of a failed call that stay over 8 KiB once cut, and says so', () => {
    const tags = Array.from({ length: 50 }, (_, i) => ({ TagKey: `k${i}`, TagValue: 'v'.repeat(2000) }));
    const c = call('CreateKey', { Description: 'x', Tags: tags }, rejected);
    const r = record(c);
    assert.equal(r.requestParameters, null);
    assert.deepEqual(r.additionalEventData, { truncated: { requestParameters: { omitted: true } } });
    assert.ok(sizeOf(c) < 4096);
    // The same call succeeding is within the model's bounds, and is kept whole (64 KiB).
    const ok = record(call('CreateKey', { Description: 'x', Tags: tags.map((t) => ({ ...t, TagValue: 'v'.repeat(256) })) }, { output: {} }));
    assert.equal((ok.requestParameters?.tags as unknown[]).length, 50);
  });

  it('cuts map keys and a long user agent; names no resource for a KeyId longer than any key ARN', () => {
    const keyId = `arn:aws:kms:us-west-2:${ACCOUNT}:key/${'a'.repeat(100_000)}`;
    const c = call('Encrypt', { KeyId: keyId, EncryptionContext: { ['K'.repeat(5000)]: 'v' } }, rejected);
    c.ctx.userAgent = 'agent/'.repeat(4000);
    const r = record(c);
    assert.equal(r.resources, undefined);
    assert.deepEqual(Object.keys(r.requestParameters?.encryptionContext as object), ['K'.repeat(1024) + '…']);
    assert.equal(r.userAgent.length, 1025);
    const truncated = (r.additionalEventData as { truncated: Record<string, any> }).truncated;
    assert.deepEqual(truncated.userAgent, { length: 24_000 });
    assert.deepEqual(Object.values(truncated.requestParameters.cut), [keyId.length, 5000]);
    assert.ok(Object.keys(truncated.requestParameters.cut).every((path) => path.length < 200), 'a place is named in a bounded number of characters');
  });

  it('keeps the record of a call whose parameters cannot be walked at all, without them', () => {
    const hostile = new Proxy({}, { ownKeys: () => { throw new Error('no'); }, get: () => { throw new Error('no'); } });
    const r = record(call('CreateKey', hostile, { output: { KeyMetadata: { KeyId: KEY_ID } } }));
    assert.equal(r.eventName, 'CreateKey');
    assert.equal(r.requestParameters, null);
    assert.equal(r.responseElements, null);
    assert.deepEqual(r.additionalEventData, { truncated: { requestParameters: { omitted: true } } });
  });
});
