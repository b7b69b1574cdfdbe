// Grants, black-box: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant
// through the AWS CLI, the AWS SDK for JavaScript v3 and signed wire calls whose answers must fit
// botocore's output shapes; their audit records; and grants that outlive a restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateGrantCommand,
  CreateKeyCommand,
  DryRunOperationException,
  InvalidGrantTokenException,
  KMSClient,
  KMSInvalidStateException,
  KMSServiceException,
  ListGrantsCommand,
  NotFoundException,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  paginateListGrants,
} from '@aws-sdk/client-kms';
import { assertOutputShape } from '../support/botocore-shape.js';
import { ACCOUNT, keyArn, kmsCli } from '../support/kms-cli.js';
import { startServer, type TestServer } from '../support/server.js';
import { recordsNamed, signedCall } from '../support/signed-call.js';

const APP = `arn:aws:iam::${ACCOUNT}:role/app`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;
const GRANT_ID = /^[0-9a-f]{64}$/;

let server: TestServer;
let work: string;
let sdk: KMSClient;
const { kms, kmsFails } = kmsCli(
  () => server.url,
  () => work,
);

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-grants-'));
  sdk = new KMSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  sdk?.destroy();
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A signed KMS call as the wire carries it; a successful answer must fit botocore's output shape. */
async function wire(operation: string, input: unknown): Promise<{ status: number; body: any }> {
  const reply = await signedCall(server.port, `TrentService.${operation}`, 'kms', Buffer.from(JSON.stringify(input)));
  if (reply.status === 200 && !['RetireGrant', 'RevokeGrant'].includes(operation)) assertOutputShape('kms', operation, reply.json);
  return { status: reply.status, body: reply.json };
}

async function wireOk(operation: string, input: unknown): Promise<any> {
  const r = await wire(operation, input);
  assert.equal(r.status, 200, `${operation} failed: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function wireFails(operation: string, input: unknown, type: string, message?: string | RegExp): Promise<string> {
  const r = await wire(operation, input);
  assert.equal(r.status, 400, `${operation} answered ${r.status}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.__type, type, JSON.stringify(r.body));
  if (typeof message === 'string') assert.equal(r.body.message, message);
  else if (message) assert.match(r.body.message, message);
  return r.body.message;
}

const newKey = async (input: Record<string, unknown> = {}) => (await wireOk('CreateKey', input)).KeyMetadata.KeyId as string;

/** Runs `fn`, expects the SDK's modelled exception `cls`, and returns it. */
async function sdkFails<T extends KMSServiceException>(fn: () => Promise<unknown>, cls: abstract new (...args: any[]) => T): Promise<T> {
  const err = await fn().then(
    () => assert.fail(`expected ${cls.name}, but the call succeeded`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${(err as Error).name}: ${(err as Error).message}`);
  return err;
}

describe('the AWS CLI', () => {
  test('create-grant with a constraint, list-grants, list-retirable-grants, retire-grant by token, revoke-grant', async () => {
    const key = (await kms('create-key', '--description', 'granted')).KeyMetadata.KeyId as string;
    const made = await kms(
      'create-grant', '--key-id', key, '--grantee-principal', APP, '--retiring-principal', BOB,
      '--operations', 'Encrypt', 'Decrypt', '--constraints', 'EncryptionContextSubset={Dept=IT}', '--name', 'it-grant',
    );
    assert.match(made.GrantId, GRANT_ID);
    assert.equal(typeof made.GrantToken, 'string');
    const plain = await kms('create-grant', '--key-id', keyArn(key), '--grantee-principal', BOB, '--operations', 'GenerateDataKey');

    const listed = await kms('list-grants', '--key-id', key);
    assert.equal(listed.Grants.length, 2);
    const [entry, other] = listed.Grants;
    assert.ok(Math.abs(entry.CreationDate * 1000 - Date.now()) < 60_000, `CreationDate ${entry.CreationDate} is epoch seconds of now`);
    delete entry.CreationDate;
    assert.deepEqual(entry, {
      KeyId: keyArn(key),
      GrantId: made.GrantId,
      Name: 'it-grant',
      GranteePrincipal: APP,
      RetiringPrincipal: BOB,
      IssuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { Dept: 'IT' } },
    });
    assert.deepEqual(Object.keys(other).sort(), ['CreationDate', 'GrantId', 'GranteePrincipal', 'IssuingAccount', 'KeyId', 'Operations'], 'no Name, RetiringPrincipal or Constraints when the grant has none');
    assert.equal(other.GrantId, plain.GrantId);

    assert.deepEqual((await kms('list-grants', '--key-id', key, '--grant-id', plain.GrantId)).Grants.map((g: any) => g.GrantId), [plain.GrantId]);
    assert.deepEqual((await kms('list-grants', '--key-id', key, '--grantee-principal', APP)).Grants.map((g: any) => g.GrantId), [made.GrantId]);
    const retirable = async () => (await kms('list-retirable-grants', '--retiring-principal', BOB)).Grants.filter((g: any) => g.KeyId === keyArn(key));
    assert.deepEqual((await retirable()).map((g: any) => g.GrantId), [made.GrantId]);

    assert.deepEqual(await kms('retire-grant', '--grant-token', made.GrantToken), {});
    assert.deepEqual(await kms('revoke-grant', '--key-id', key, '--grant-id', plain.GrantId), {});
    assert.deepEqual((await kms('list-grants', '--key-id', key)).Grants, []);
    assert.deepEqual(await retirable(), []);
  });

  test('error cases: a forged token, an unknown grant, retiring twice, a key pending deletion, a constraint an operation refuses', async () => {
    const key = (await kms('create-key')).KeyMetadata.KeyId as string;
    const signer = (await kms('create-key', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'SIGN_VERIFY')).KeyMetadata.KeyId as string;
    const made = await kms('create-grant', '--key-id', key, '--grantee-principal', APP, '--operations', 'Decrypt');
    assert.equal(await kmsFails('RetireGrant', 'InvalidGrantTokenException', 'retire-grant', '--grant-token', 'forged-token'), 'The grant token is not valid.');
    const unknown = 'f'.repeat(64);
    assert.equal(await kmsFails('RevokeGrant', 'NotFoundException', 'revoke-grant', '--key-id', key, '--grant-id', unknown), `Grant ID ${unknown} not found`);
    await kms('retire-grant', '--key-id', key, '--grant-id', made.GrantId);
    assert.equal(await kmsFails('RetireGrant', 'NotFoundException', 'retire-grant', '--grant-token', made.GrantToken), `Grant ID ${made.GrantId} not found`);
    assert.match(
      await kmsFails('CreateGrant', 'ValidationException', 'create-grant', '--key-id', signer, '--grantee-principal', APP, '--operations', 'Sign', '--constraints', 'EncryptionContextEquals={a=b}'),
      /^Encryption context grant constraints are not supported for the grant operations \[Sign\]/,
    );
    assert.match(
      await kmsFails('CreateGrant', 'ValidationException', 'create-grant', '--key-id', key, '--grantee-principal', APP, '--operations', 'Sign'),
      /^The grant operations \[Sign\] are not valid for arn:aws:kms:us-east-1:111122223333:key\//,
    );
    assert.equal(
      await kmsFails('CreateGrant', 'ValidationException', 'create-grant', '--key-id', key, '--grantee-principal', APP, '--operations', 'CreateGrant'),
      'Grants must not contain only the CreateGrant operation.',
    );
    assert.equal(await kmsFails('CreateGrant', 'NotFoundException', 'create-grant', '--key-id', 'alias/aws/anything', '--grantee-principal', APP, '--operations', 'Decrypt'), "Invalid keyId 'alias/aws/anything'");
    await kms('schedule-key-deletion', '--key-id', key, '--pending-window-in-days', '7');
    assert.equal(
      await kmsFails('CreateGrant', 'KMSInvalidStateException', 'create-grant', '--key-id', key, '--grantee-principal', APP, '--operations', 'Decrypt'),
      `${keyArn(key)} is pending deletion.`,
    );
    await kms('list-grants', '--key-id', key);
  });
});

describe('the wire, against botocore\'s output shapes', () => {
  test('every answer fits; paging with Limit and Marker; filters; ListRetirableGrants is per account', async () => {
    const key = await newKey();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await wireOk('CreateGrant', { KeyId: key, GranteePrincipal: i % 2 ? BOB : APP, RetiringPrincipal: APP, Operations: ['Encrypt'] })).GrantId);
    const pages: string[][] = [];
    let marker: string | undefined;
    do {
      const page = await wireOk('ListGrants', { KeyId: key, Limit: 2, ...(marker ? { Marker: marker } : {}) });
      pages.push(page.Grants.map((g: any) => g.GrantId));
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      marker = page.NextMarker;
    } while (marker);
    assert.deepEqual(pages, [made.slice(0, 2), made.slice(2, 4), made.slice(4)]);
    const first = await wireOk('ListGrants', { KeyId: key });
    assert.equal(typeof first.Grants[0].CreationDate, 'number');
    assert.equal(first.Truncated, false);
    assert.deepEqual((await wireOk('ListGrants', { KeyId: keyArn(key), GranteePrincipal: BOB })).Grants.map((g: any) => g.GrantId), [made[1], made[3]]);
    const retirable = await wireOk('ListRetirableGrants', { RetiringPrincipal: APP, Limit: 100 });
    for (const id of made) assert.ok(retirable.Grants.some((g: any) => g.GrantId === id));
    await wireFails('ListGrants', { KeyId: key, Marker: 'not-a-marker' }, 'InvalidMarkerException');
    await wireFails('ListGrants', { KeyId: key, GrantId: 'short' }, 'InvalidGrantIdException', "Invalid grantId 'short'");
    await wireFails('ListGrants', { KeyId: 'alias/nope' }, 'NotFoundException');
    await wireFails('RetireGrant', { GrantId: made[0] }, 'ValidationException', /GrantToken, or by both KeyId and GrantId/);
    await wireFails('CreateGrant', { KeyId: key, GranteePrincipal: 'not a principal', Operations: ['Encrypt'] }, 'ValidationException', /granteePrincipal/);
    await wireFails('CreateGrant', { KeyId: key, GranteePrincipal: 'alice', Operations: ['Encrypt'] }, 'InvalidArnException', /GranteePrincipal 'alice'/);
    await wireFails('CreateGrant', { KeyId: key, GranteePrincipal: APP, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { a: '1' }, EncryptionContextSubset: { a: '1' } } }, 'ValidationException', 'More than one constraint supplied');
    await wireFails('CreateGrant', { KeyId: key, GranteePrincipal: APP, Operations: ['Decrypt'], GrantTokens: ['forged'] }, 'InvalidGrantTokenException');
    assert.deepEqual(await wireOk('RevokeGrant', { KeyId: key, GrantId: made[0] }), {});
    const reply = await wire('RevokeGrant', { KeyId: key, GrantId: made[0], DryRun: true });
    assert.equal(reply.body.__type, 'NotFoundException', 'a dry run checks that the grant exists');
    const dry = await wire('RevokeGrant', { KeyId: key, GrantId: made[1], DryRun: true });
    assert.equal(dry.status, 400);
    assert.equal(dry.body.__type, 'DryRunOperationException');
    assert.equal((await wireOk('ListGrants', { KeyId: key })).Grants.length, 4, 'a dry run revokes nothing');
  });
});

describe('the AWS SDK for JavaScript v3', () => {
  test('Name idempotence, paginateListGrants, DryRun and the modelled exceptions', async () => {
    const keyId = (await sdk.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const input = { KeyId: keyId, GranteePrincipal: APP, Operations: ['Encrypt' as const, 'Decrypt' as const], Name: 'idempotent' };
    const first = await sdk.send(new CreateGrantCommand(input));
    const again = await sdk.send(new CreateGrantCommand({ ...input, Operations: ['Decrypt', 'Encrypt'] }));
    assert.equal(again.GrantId, first.GrantId);
    assert.notEqual(again.GrantToken, first.GrantToken);
    const differs = await sdk.send(new CreateGrantCommand({ ...input, Operations: ['Decrypt'] }));
    assert.notEqual(differs.GrantId, first.GrantId, 'the same Name with other parameters is another grant');

    await sdkFails(() => sdk.send(new CreateGrantCommand({ ...input, Name: 'dry', DryRun: true })), DryRunOperationException);
    for (let i = 0; i < 3; i++) await sdk.send(new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: BOB, Operations: ['DescribeKey'] }));
    const seen: string[] = [];
    for await (const page of paginateListGrants({ client: sdk, pageSize: 2 }, { KeyId: keyId })) seen.push(...page.Grants!.map((g) => g.GrantId!));
    assert.equal(seen.length, 5);
    assert.equal(new Set(seen).size, 5);
    const listed = await sdk.send(new ListGrantsCommand({ KeyId: keyId, GrantId: first.GrantId }));
    assert.ok(listed.Grants![0]!.CreationDate instanceof Date);
    assert.deepEqual(listed.Grants![0]!.Constraints, undefined);

    // Both tokens of the one grant retire it; the second finds it gone.
    await sdk.send(new RetireGrantCommand({ GrantToken: again.GrantToken }));
    await sdkFails(() => sdk.send(new RetireGrantCommand({ GrantToken: first.GrantToken })), NotFoundException);
    await sdkFails(() => sdk.send(new RetireGrantCommand({ GrantToken: first.GrantToken!.slice(0, -4) + 'AAAA' })), InvalidGrantTokenException);
    await sdkFails(() => sdk.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: first.GrantId })), NotFoundException);
    await sdk.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const pending = await sdkFails(() => sdk.send(new CreateGrantCommand(input)), KMSInvalidStateException);
    assert.equal(pending.message, `${keyArn(keyId)} is pending deletion.`);
    await sdk.send(new RevokeGrantCommand({ KeyId: keyId, GrantId: differs.GrantId }));
  });
});

describe('the audit trail', () => {
  test('records each grant call as CloudTrail does, and never a grant token', async () => {
    const key = await newKey();
    const made = await wireOk('CreateGrant', {
      KeyId: key,
      GranteePrincipal: APP,
      RetiringPrincipal: BOB,
      Operations: ['Encrypt', 'RetireGrant'],
      Constraints: { EncryptionContextSubset: { Department: 'IT' } },
      Name: 'audited',
    });
    const second = await wireOk('CreateGrant', { KeyId: key, GranteePrincipal: APP, Operations: ['Decrypt'], GrantTokens: [made.GrantToken] });
    await wireOk('ListGrants', { KeyId: key });
    await wireOk('RetireGrant', { GrantToken: made.GrantToken });
    await wireOk('RevokeGrant', { KeyId: key, GrantId: second.GrantId });

    const creates = (await recordsNamed(server.url, 'CreateGrant')).filter((r) => r.requestParameters?.keyId === key);
    const audited = creates.find((r) => r.requestParameters.name === 'audited')!;
    assert.deepEqual(audited.requestParameters, {
      keyId: key,
      granteePrincipal: APP,
      retiringPrincipal: BOB,
      operations: ['Encrypt', 'RetireGrant'],
      constraints: { encryptionContextSubset: { Department: 'IT' } },
      name: 'audited',
    });
    assert.deepEqual(audited.responseElements, { grantId: made.GrantId });
    assert.equal(audited.readOnly, false);
    assert.deepEqual(audited.resources, [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn(key) }]);
    const list = (await recordsNamed(server.url, 'ListGrants')).find((r) => r.requestParameters?.keyId === key)!;
    assert.equal(list.readOnly, true);
    assert.equal(list.responseElements, null);
    const revoke = (await recordsNamed(server.url, 'RevokeGrant')).find((r) => r.requestParameters?.keyId === key)!;
    assert.deepEqual(revoke.requestParameters, { keyId: key, grantId: second.GrantId });

    const everything = JSON.stringify([...creates, ...(await recordsNamed(server.url, 'RetireGrant')), revoke, list]);
    for (const token of [made.GrantToken, second.GrantToken]) assert.ok(!everything.includes(token), 'a grant token is in the audit trail');
    assert.ok(!everything.includes('grantToken'), 'no grantToken or grantTokens member is recorded');
  });
});

describe('a restart', () => {
  test('keeps every grant, and the tokens issued before it still retire their grants', async () => {
    const key = await newKey();
    const kept = await wireOk('CreateGrant', { KeyId: key, GranteePrincipal: APP, RetiringPrincipal: BOB, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { app: 'pay' } }, Name: 'kept' });
    const byToken = await wireOk('CreateGrant', { KeyId: key, GranteePrincipal: BOB, Operations: ['Encrypt'] });
    const before = await wireOk('ListGrants', { KeyId: key });
    await server.restart();
    assert.deepEqual(await wireOk('ListGrants', { KeyId: key }), before);
    const retirable = (await wireOk('ListRetirableGrants', { RetiringPrincipal: BOB })).Grants.filter((g: any) => g.KeyId === keyArn(key));
    assert.deepEqual(retirable.map((g: any) => g.GrantId), [kept.GrantId]);
    // Name idempotence reaches across the restart.
    const again = await wireOk('CreateGrant', { KeyId: key, GranteePrincipal: APP, RetiringPrincipal: BOB, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { app: 'pay' } }, Name: 'kept' });
    assert.equal(again.GrantId, kept.GrantId);
    await wireOk('RetireGrant', { GrantToken: byToken.GrantToken });
    assert.deepEqual((await wireOk('ListGrants', { KeyId: key })).Grants.map((g: any) => g.GrantId), [kept.GrantId]);
  });
});
