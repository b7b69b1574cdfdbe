// Deeply nested JSON on every API of the endpoint: rejected before anything changes, with AWS's
// SerializationException, and still recorded in the audit trail (issue 10, defect 4: the admin API
// answered 500 after making the change, and left no record).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type TestServer } from '../support/server.js';
import { LOOKUP_EVENTS, recordsNamed, signedJson, signedRaw, type RawReply } from '../support/signed-call.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.dispose();
});

const DEPTH = 10_000;
const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

/** A JSON object text with the given members, and one extra member whose value is `extra` as written. */
const withExtra = (members: Record<string, unknown>, extra: string) => `${JSON.stringify(members).slice(0, -1)}${Object.keys(members).length ? ',' : ''}"Extra":${extra}}`;

/** A 400 with AWS's error envelope and nothing else. */
function assertRejected(r: RawReply, type = 'SerializationException'): void {
  assert.equal(r.status, 400, `expected a 400, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.deepEqual(Object.keys(r.json ?? {}).sort(), r.json?.Message !== undefined ? ['Message', '__type'] : ['__type', 'message'], r.text.slice(0, 300));
  assert.equal(r.json.__type, type, r.text.slice(0, 300));
}

/** The audit record of the call answered with this request id (a failed call is recorded too). */
async function recordOf(eventName: string, reply: RawReply): Promise<Record<string, any>> {
  const found = (await recordsNamed(server.url, eventName)).find((r) => r.requestID === reply.requestId);
  assert.ok(found, `no ${eventName} record with requestID ${reply.requestId}`);
  return found;
}

describe('JSON nested deeper than any model needs', () => {
  test('admin CreateSubnet: 400 SerializationException, no subnet created, and the call is in the trail', async () => {
    const subnets = async () => (await signedJson(server.url, 'KeywardenAdmin.ListSubnets', 'keywarden', {})).json.Subnets.length as number;
    const before = await subnets();
    for (const extra of [deepArray(DEPTH), deepObject(DEPTH)]) {
      const r = await signedRaw(server.url, 'KeywardenAdmin.CreateSubnet', 'keywarden', withExtra({ AvailabilityZone: 'us-east-1a' }, extra));
      assertRejected(r);
      const record = await recordOf('CreateSubnet', r);
      assert.equal(record.errorCode, 'SerializationException');
      assert.equal(record.responseElements, null);
    }
    assert.equal(await subnets(), before, 'no subnet was created');
  });

  test('KMS CreateKey: 400 SerializationException, no key created, and the call is in the trail', async () => {
    const keys = async () => (await signedJson(server.url, 'TrentService.ListKeys', 'kms', {})).json.Keys.length as number;
    const before = await keys();
    const r = await signedRaw(server.url, 'TrentService.CreateKey', 'kms', withExtra({ Description: 'deep' }, deepObject(DEPTH)));
    assertRejected(r);
    assert.equal((await recordOf('CreateKey', r)).errorCode, 'SerializationException');
    const list = await signedRaw(server.url, 'TrentService.TagResource', 'kms', withExtra({ KeyId: 'k', Tags: [] }, deepArray(DEPTH)));
    assertRejected(list);
    assert.equal(await keys(), before, 'no key was created');
  });

  test('CloudHSM CreateCluster: 400 SerializationException with `Message`, no cluster created, and the call is in the trail', async () => {
    const clusters = async () => (await signedJson(server.url, 'BaldrApiService.DescribeClusters', 'cloudhsm', {})).json.Clusters.length as number;
    const subnetId = (await signedJson(server.url, 'KeywardenAdmin.ListSubnets', 'keywarden', {})).json.Subnets[0].SubnetId as string;
    const before = await clusters();
    const r = await signedRaw(server.url, 'BaldrApiService.CreateCluster', 'cloudhsm', withExtra({ HsmType: 'hsm1.medium', SubnetIds: [subnetId] }, deepArray(DEPTH)));
    assertRejected(r);
    assert.equal((await recordOf('CreateCluster', r)).errorCode, 'SerializationException');
    assert.equal(await clusters(), before, 'no cluster was created');
  });

  test('CloudTrail and the HSM client API answer SerializationException as well', async () => {
    assertRejected(await signedRaw(server.url, LOOKUP_EVENTS, 'cloudtrail', withExtra({}, deepObject(DEPTH))));
    assertRejected(await signedRaw(server.url, 'KeywardenHsm.GetClusterInfo', 'keywarden', withExtra({ ClusterId: 'cluster-igklspoyj5v' }, deepArray(DEPTH))));
    // A nested value inside a string is text, not nesting.
    const quoted = await signedJson(server.url, 'TrentService.CreateKey', 'kms', { Description: deepArray(100).slice(0, 8000) });
    assert.equal(quoted.status, 200, quoted.text);
  });

  test('nesting a model never needs is refused even at modest depth; ordinary depth in an unknown member is ignored', async () => {
    assertRejected(await signedRaw(server.url, 'TrentService.ListKeys', 'kms', withExtra({}, deepArray(40))));
    const ok = await signedRaw(server.url, 'TrentService.ListKeys', 'kms', withExtra({}, deepObject(10)));
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('the admin API checks its input against declared constraints before its handler runs', () => {
  test('unknown members are ignored, and left out of the record', async () => {
    const r = await signedRaw(server.url, 'KeywardenAdmin.CreateSubnet', 'keywarden', withExtra({ AvailabilityZone: 'us-east-1c', FreeAddresses: 5 }, deepObject(10)));
    assert.equal(r.status, 200, r.text);
    const record = await recordOf('CreateSubnet', r);
    assert.deepEqual(record.requestParameters, { availabilityZone: 'us-east-1c', freeAddresses: 5 });
  });

  test('a member of the wrong type is SerializationException and changes nothing', async () => {
    const subnets = async () => (await signedJson(server.url, 'KeywardenAdmin.ListSubnets', 'keywarden', {})).json.Subnets.length as number;
    const before = await subnets();
    assertRejected(await signedJson(server.url, 'KeywardenAdmin.CreateSubnet', 'keywarden', { AvailabilityZone: 'us-east-1a', FreeAddresses: 'ten' }));
    assertRejected(await signedJson(server.url, 'KeywardenAdmin.CreateSubnet', 'keywarden', { AvailabilityZone: ['us-east-1a'] }));
    assert.equal(await subnets(), before);
  });

  test('a missing or over-long member is ValidationException in Coral’s words', async () => {
    const missing = await signedJson(server.url, 'KeywardenAdmin.DeleteSubnet', 'keywarden', {});
    assertRejected(missing, 'ValidationException');
    assert.equal(missing.json.message, "1 validation error detected: Value null at 'subnetId' failed to satisfy constraint: Member must not be null");
    const long = await signedJson(server.url, 'KeywardenAdmin.CreateSubnet', 'keywarden', { AvailabilityZone: 'z'.repeat(100_000) });
    assertRejected(long, 'ValidationException');
    assert.match(long.json.message, /at 'availabilityZone' failed to satisfy constraint: Member must have length less than or equal to \d+$/);
    const many = await signedJson(server.url, 'KeywardenAdmin.ExportAuditEvents', 'keywarden', { MaxRecords: 0 });
    assertRejected(many, 'ValidationException');
    assert.match(many.json.message, /Value '0' at 'maxRecords' failed to satisfy constraint: Member must have value greater than or equal to 1/);
  });
});

describe('malformed text in an encryption context', () => {
  test('bytes that are not UTF-8 and unpaired surrogate escapes are refused, so no two contexts decode alike', async () => {
    const created = await signedJson(server.url, 'TrentService.CreateKey', 'kms', {});
    const keyId = created.json.KeyMetadata.KeyId as string;
    const encrypt = (context: Buffer) =>
      signedRaw(server.url, 'TrentService.Encrypt', 'kms', Buffer.concat([Buffer.from(`{"KeyId":"${keyId}","Plaintext":"aGk=","EncryptionContext":{"k":"`), context, Buffer.from('"}}')]));
    for (const context of [Buffer.from([0xff]), Buffer.from([0xfe]), Buffer.from('\\ud800'), Buffer.from('\\udbff'), Buffer.from('\\udc00x')]) {
      assertRejected(await encrypt(context));
    }
    const good = await encrypt(Buffer.from('\\ud83d\\ude00'));
    assert.equal(good.status, 200, good.text);
    const decrypt = (context: string) =>
      signedRaw(server.url, 'TrentService.Decrypt', 'kms', `{"CiphertextBlob":"${good.json.CiphertextBlob}","EncryptionContext":{"k":"${context}"}}`);
    assert.equal((await decrypt('\\ud83d\\ude00')).status, 200);
    assert.equal((await decrypt('\\ud83d\\ude01')).json.__type, 'InvalidCiphertextException');
  });
});
