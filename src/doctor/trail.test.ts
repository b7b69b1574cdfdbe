import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyIdOf, readTrailEvent } from './trail.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

test('a DeleteKey service event: the store, the cluster, each backing key with its handle and deletion status', () => {
  const record = {
    eventTime: '2021-12-10T14:23:51Z',
    eventName: 'DeleteKey',
    eventType: 'AwsServiceEvent',
    userIdentity: { accountId: '111122223333', invokedBy: 'AWS Internal' },
    requestParameters: null,
    responseElements: { keyId: ARN },
    additionalEventData: {
      customKeyStoreId: 'cks-1234567890abcdef0',
      clusterId: 'cluster-1a23b4cdefg',
      backingKeys: '[{"keyHandle":"01","backingKeyId":"backing-key-id"}]',
      backingKeysDeletionStatus: '[{"keyHandle":"16","backingKeyId":"backing-key-id","deletionStatus":"FAILURE"}]',
    },
    eventID: 'c21f1f47-f52b-4ffe-bff0-6d994403cf40',
    resources: [{ accountId: '111122223333', type: 'AWS::KMS::Key', ARN }],
  };
  const e = readTrailEvent({ CloudTrailEvent: JSON.stringify(record) }, 3)!;
  assert.deepEqual(e, {
    id: 'c21f1f47-f52b-4ffe-bff0-6d994403cf40',
    name: 'DeleteKey',
    time: Date.parse('2021-12-10T14:23:51Z'),
    service: true,
    username: 'AWS Internal',
    keyRefs: [ARN],
    backingKeys: [{ backingKeyId: 'backing-key-id', keyHandle: '16', deletionStatus: 'FAILURE' }],
    customKeyStoreId: 'cks-1234567890abcdef0',
    clusterId: 'cluster-1a23b4cdefg',
    rank: 3,
  });
});

test('a failed call and a call with a key in a store; records that are not JSON are skipped', () => {
  const failed = readTrailEvent(
    { CloudTrailEvent: JSON.stringify({ eventTime: '2026-01-01T00:00:00Z', eventName: 'Decrypt', eventType: 'AwsApiCall', userIdentity: { type: 'Root' }, errorCode: 'KMSInvalidStateException', errorMessage: 'no', requestParameters: null }) },
    0,
  )!;
  assert.equal(failed.errorCode, 'KMSInvalidStateException');
  assert.equal(failed.username, 'root');
  assert.deepEqual(failed.keyRefs, []);
  const used = readTrailEvent(
    { CloudTrailEvent: JSON.stringify({ eventTime: '2026-01-01T00:00:00Z', eventName: 'Encrypt', requestParameters: { keyId: 'alias/app' }, additionalEventData: { customKeyStoreId: 'cks-1', backingKey: '{"backingKeyId":"abc"}' } }) },
    0,
  )!;
  assert.deepEqual(used.backingKeys, [{ backingKeyId: 'abc' }]);
  assert.deepEqual(used.keyRefs, ['alias/app']);
  assert.equal(readTrailEvent({ CloudTrailEvent: '{oops' }, 0), undefined);
});

test('keyIdOf: key ARNs, key ids, alias names and alias ARNs', () => {
  const aliases = { 'alias/app': 'k1' };
  assert.equal(keyIdOf(ARN, aliases), '1234abcd-12ab-34cd-56ef-1234567890ab');
  assert.equal(keyIdOf('k2', aliases), 'k2');
  assert.equal(keyIdOf('alias/app', aliases), 'k1');
  assert.equal(keyIdOf('arn:aws:kms:us-east-1:111122223333:alias/app', aliases), 'k1');
  assert.equal(keyIdOf('alias/other', aliases), undefined);
});
