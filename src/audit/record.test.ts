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
