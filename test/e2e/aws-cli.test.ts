// The newcomer's walk-through: everything a user does with `aws kms` against a fresh Keywarden,
// asserting what AWS KMS itself answers (fields, error types and messages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsAsync, type CliResult } from '../support/aws-cli.js';
import { startServer, type TestServer } from '../support/server.js';
import { ACCOUNT, keyArn, aliasArn, b64, nowSeconds, assertNear, kmsCli } from '../support/kms-cli.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const DAY = 86_400;

let server: TestServer;
let work: string;
const { kms, kmsFails, fileb } = kmsCli(() => server.url, () => work);
const awsCli = (args: string[]) => awsAsync(server.url, args);

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-cli-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});








async function createKey(...args: string[]): Promise<string> {
  return (await kms('create-key', ...args)).KeyMetadata.KeyId;
}

async function encrypt(keyId: string, plaintext: Buffer | string, ...extra: string[]): Promise<Buffer> {
  return b64((await kms('encrypt', '--key-id', keyId, '--plaintext', fileb(plaintext), ...extra)).CiphertextBlob);
}

const MISSING_KEY = '00000000-1111-2222-3333-444444444444';

// The newcomer's main key, shared by the tests below (they run in order).
let mainKey: string;
let mainArn: string;

test('create-key returns every KeyMetadata field AWS returns for a symmetric AWS_KMS key', async () => {
  const before = nowSeconds();
  const out = await kms(
    'create-key',
    '--description', 'newcomer key',
    '--tags', 'TagKey=project,TagValue=keywarden', 'TagKey=env,TagValue=dev',
  );
  const md = out.KeyMetadata;
  assert.deepEqual(Object.keys(out), ['KeyMetadata']);
  assert.deepEqual(
    Object.keys(md).sort(),
    [
      'AWSAccountId', 'Arn', 'CreationDate', 'CurrentKeyMaterialId', 'CustomerMasterKeySpec', 'Description', 'Enabled',
      'EncryptionAlgorithms', 'KeyId', 'KeyManager', 'KeySpec', 'KeyState', 'KeyUsage', 'MultiRegion', 'Origin',
    ],
  );
  assert.equal(md.AWSAccountId, ACCOUNT);
  assert.match(md.KeyId, UUID);
  assert.equal(md.Arn, keyArn(md.KeyId));
  assertNear(md.CreationDate, before, 120, 'CreationDate');
  assert.equal(md.Enabled, true);
  assert.equal(md.Description, 'newcomer key');
  assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
  assert.equal(md.KeyState, 'Enabled');
  assert.equal(md.Origin, 'AWS_KMS');
  assert.equal(md.KeyManager, 'CUSTOMER');
  assert.equal(md.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
  assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
  assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
  assert.equal(md.MultiRegion, false);
  assert.match(md.CurrentKeyMaterialId, HEX64);
  mainKey = md.KeyId;
  mainArn = md.Arn;
});

test('describe-key by key id and by key ARN; unknown keys and aliases are NotFoundException', async () => {
  const [byId, byArn, missingKey, missingAlias] = await Promise.all([
    kms('describe-key', '--key-id', mainKey),
    kms('describe-key', '--key-id', mainArn),
    kmsFails('DescribeKey', 'NotFoundException', 'describe-key', '--key-id', MISSING_KEY),
    kmsFails('DescribeKey', 'NotFoundException', 'describe-key', '--key-id', 'alias/never-created'),
  ]);
  assert.equal(byId.KeyMetadata.KeyId, mainKey);
  assert.equal(byId.KeyMetadata.Description, 'newcomer key');
  assert.deepEqual(byArn, byId);
  assert.equal(missingKey, `Key '${keyArn(MISSING_KEY)}' does not exist`);
  assert.equal(missingAlias, `Alias ${aliasArn('alias/never-created')} is not found.`);
});

test('list-keys pages with --no-paginate --limit/--marker and with --page-size/--max-items/--starting-token', async () => {
  const created = [mainKey, ...(await Promise.all([0, 1, 2, 3].map((i) => createKey('--description', `paging ${i}`))))];
  const sorted = [...created].sort();

  // The API's own paging: --no-paginate --limit N, then --marker NextMarker.
  const seen: string[] = [];
  let marker: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await kms('list-keys', '--no-paginate', '--limit', '2', ...(marker ? ['--marker', marker] : []));
    pages++;
    assert.ok(page.Keys.length <= 2, 'a page holds at most --limit keys');
    for (const k of page.Keys) {
      assert.deepEqual(Object.keys(k).sort(), ['KeyArn', 'KeyId']);
      assert.equal(k.KeyArn, keyArn(k.KeyId));
      seen.push(k.KeyId);
    }
    if (!page.Truncated) {
      assert.equal(page.Truncated, false);
      assert.equal(page.NextMarker, undefined, 'the last page has no NextMarker');
      break;
    }
    assert.equal(typeof page.NextMarker, 'string');
    marker = page.NextMarker;
    assert.ok(pages < 10, 'paging does not end');
  }
  assert.equal(pages, 3);
  assert.equal(new Set(seen).size, seen.length, 'no key is listed twice');
  assert.deepEqual([...seen].sort(), sorted);

  // The CLI's paginator: --page-size sets Limit, --max-items cuts, --starting-token resumes; without
  // options it collects every page itself.
  const [first, all] = await Promise.all([
    kms('list-keys', '--page-size', '2', '--max-items', '3'),
    kms('list-keys', '--page-size', '2'),
  ]);
  assert.equal(first.Keys.length, 3);
  assert.equal(typeof first.NextToken, 'string');
  const rest = await kms('list-keys', '--page-size', '2', '--starting-token', first.NextToken);
  assert.equal(rest.NextToken, undefined);
  assert.deepEqual([...first.Keys, ...rest.Keys].map((k: any) => k.KeyId).sort(), sorted);
  assert.deepEqual(all.Keys.map((k: any) => k.KeyId).sort(), sorted);
});

test('encrypt and decrypt round trip through files, as with `--output text | base64 -d`', async () => {
  const plaintext = Buffer.from('attack at dawn \u00e9\u00e8 \x00\x01\xff binary', 'latin1');
  // aws kms encrypt … --plaintext fileb://pt --query CiphertextBlob --output text | base64 -d > ct.bin
  const enc = await awsCli(['kms', 'encrypt', '--key-id', mainKey, '--plaintext', fileb(plaintext), '--query', 'CiphertextBlob', '--output', 'text']);
  assert.equal(enc.status, 0, enc.stderr);
  const ciphertext = b64(enc.stdout.trim());
  assert.ok(ciphertext.length > plaintext.length);
  const tampered = Buffer.from(ciphertext);
  tampered[tampered.length - 1]! ^= 0x01;

  const [dec, encJson, md] = await Promise.all([
    // aws kms decrypt --ciphertext-blob fileb://ct.bin --query Plaintext --output text | base64 -d
    awsCli(['kms', 'decrypt', '--ciphertext-blob', fileb(ciphertext), '--query', 'Plaintext', '--output', 'text']),
    kms('encrypt', '--key-id', mainKey, '--plaintext', fileb(plaintext)),
    kms('describe-key', '--key-id', mainKey),
    kmsFails('Decrypt', 'InvalidCiphertextException', 'decrypt', '--ciphertext-blob', fileb(tampered)),
  ]);
  assert.equal(dec.status, 0, dec.stderr);
  assert.deepEqual(b64(dec.stdout.trim()), plaintext);

  // The JSON forms carry the key ARN, the algorithm and the key material id.
  assert.deepEqual(Object.keys(encJson).sort(), ['CiphertextBlob', 'EncryptionAlgorithm', 'KeyId']);
  assert.equal(encJson.KeyId, mainArn);
  assert.equal(encJson.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  const decJson = await kms('decrypt', '--ciphertext-blob', fileb(b64(encJson.CiphertextBlob)), '--key-id', mainArn);
  assert.equal(decJson.KeyId, mainArn);
  assert.equal(decJson.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  assert.deepEqual(b64(decJson.Plaintext), plaintext);
  assert.equal(decJson.KeyMaterialId, md.KeyMetadata.CurrentKeyMaterialId);
});

test('encryption context must match; a wrong --key-id is IncorrectKeyException', async () => {
  const [ctBytes, other] = await Promise.all([
    encrypt(mainKey, 'with context', '--encryption-context', 'purpose=e2e,team=keywarden'),
    createKey('--description', 'not the one'),
  ]);
  const ct = fileb(ctBytes);
  const [ok, , , incorrect] = await Promise.all([
    // The order of the pairs does not matter.
    kms('decrypt', '--ciphertext-blob', ct, '--encryption-context', 'team=keywarden,purpose=e2e'),
    kmsFails('Decrypt', 'InvalidCiphertextException', 'decrypt', '--ciphertext-blob', ct, '--encryption-context', 'purpose=other,team=keywarden'),
    kmsFails('Decrypt', 'InvalidCiphertextException', 'decrypt', '--ciphertext-blob', ct),
    kmsFails('Decrypt', 'IncorrectKeyException', 'decrypt', '--ciphertext-blob', ct, '--encryption-context', 'purpose=e2e,team=keywarden', '--key-id', other),
  ]);
  assert.equal(b64(ok.Plaintext).toString(), 'with context');
  assert.equal(incorrect, 'The key ID in the request does not identify a CMK that can perform this operation.');
});

test('re-encrypt moves a ciphertext to another key and context', async () => {
  const [dest, ct] = await Promise.all([createKey('--description', 're-encrypt destination'), encrypt(mainKey, 'moving day', '--encryption-context', 'stage=one')]);
  const out = await kms(
    're-encrypt',
    '--ciphertext-blob', fileb(ct),
    '--source-encryption-context', 'stage=one',
    '--destination-key-id', dest,
    '--destination-encryption-context', 'stage=two',
  );
  assert.equal(out.SourceKeyId, mainArn);
  assert.equal(out.KeyId, keyArn(dest));
  assert.equal(out.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  assert.equal(out.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
  assert.match(out.SourceKeyMaterialId, HEX64);
  assert.match(out.DestinationKeyMaterialId, HEX64);
  const moved = fileb(b64(out.CiphertextBlob));
  const [dec, , wrongSource] = await Promise.all([
    kms('decrypt', '--ciphertext-blob', moved, '--encryption-context', 'stage=two'),
    kmsFails('Decrypt', 'InvalidCiphertextException', 'decrypt', '--ciphertext-blob', moved, '--encryption-context', 'stage=one'),
    kmsFails('ReEncrypt', 'IncorrectKeyException', 're-encrypt', '--ciphertext-blob', moved, '--source-encryption-context', 'stage=two', '--source-key-id', mainKey, '--destination-key-id', mainKey),
  ]);
  assert.equal(wrongSource, 'The key ID in the request does not identify a CMK that can perform this operation.');
  assert.equal(dec.KeyId, keyArn(dest));
  assert.equal(b64(dec.Plaintext).toString(), 'moving day');
});

test('generate-data-key, generate-data-key-without-plaintext and generate-random', async () => {
  const msg = 'Please specify either number of bytes or key spec.';
  const [dk, dk128, dk64, both, neither, np, npNeither, r1, r2, tooMany] = await Promise.all([
    kms('generate-data-key', '--key-id', mainKey, '--key-spec', 'AES_256', '--encryption-context', 'file=a.txt'),
    kms('generate-data-key', '--key-id', mainKey, '--key-spec', 'AES_128'),
    kms('generate-data-key', '--key-id', mainKey, '--number-of-bytes', '64'),
    kmsFails('GenerateDataKey', 'ValidationException', 'generate-data-key', '--key-id', mainKey, '--key-spec', 'AES_256', '--number-of-bytes', '32'),
    kmsFails('GenerateDataKey', 'ValidationException', 'generate-data-key', '--key-id', mainKey),
    kms('generate-data-key-without-plaintext', '--key-id', mainKey, '--key-spec', 'AES_256'),
    kmsFails('GenerateDataKeyWithoutPlaintext', 'ValidationException', 'generate-data-key-without-plaintext', '--key-id', mainKey),
    kms('generate-random', '--number-of-bytes', '32'),
    kms('generate-random', '--number-of-bytes', '32'),
    kmsFails('GenerateRandom', 'ValidationException', 'generate-random', '--number-of-bytes', '1025'),
  ]);
  assert.equal(dk.KeyId, mainArn);
  assert.equal(b64(dk.Plaintext).length, 32);
  assert.match(dk.KeyMaterialId, HEX64);
  assert.equal(b64(dk128.Plaintext).length, 16);
  assert.equal(b64(dk64.Plaintext).length, 64);
  assert.equal(both, msg);
  assert.equal(neither, msg);
  assert.equal(np.Plaintext, undefined);
  assert.equal(np.KeyId, mainArn);
  assert.equal(npNeither, msg);
  assert.equal(b64(r1.Plaintext).length, 32);
  assert.notDeepEqual(b64(r1.Plaintext), b64(r2.Plaintext));
  assert.equal(tooMany, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024");

  const [back, npBack] = await Promise.all([
    kms('decrypt', '--ciphertext-blob', fileb(b64(dk.CiphertextBlob)), '--encryption-context', 'file=a.txt'),
    kms('decrypt', '--ciphertext-blob', fileb(b64(np.CiphertextBlob))),
  ]);
  assert.deepEqual(b64(back.Plaintext), b64(dk.Plaintext));
  assert.equal(b64(npBack.Plaintext).length, 32);
});

test('disable-key makes the key refuse cryptography with DisabledException; enable-key restores it', async () => {
  const ct = fileb(await encrypt(mainKey, 'before disable'));
  assert.deepEqual(await kms('disable-key', '--key-id', mainKey), {});
  const disabled = `${mainArn} is disabled.`;
  const [md, enc, dec, gdk] = await Promise.all([
    kms('describe-key', '--key-id', mainKey),
    kmsFails('Encrypt', 'DisabledException', 'encrypt', '--key-id', mainKey, '--plaintext', fileb('x')),
    kmsFails('Decrypt', 'DisabledException', 'decrypt', '--ciphertext-blob', ct),
    kmsFails('GenerateDataKey', 'DisabledException', 'generate-data-key', '--key-id', mainKey, '--key-spec', 'AES_256'),
    kms('disable-key', '--key-id', mainArn), // disabling twice is fine
  ]);
  assert.equal(md.KeyMetadata.KeyState, 'Disabled');
  assert.equal(md.KeyMetadata.Enabled, false);
  assert.equal(enc, disabled);
  assert.equal(dec, disabled);
  assert.equal(gdk, disabled);

  assert.deepEqual(await kms('enable-key', '--key-id', mainKey), {});
  const [again, plain] = await Promise.all([kms('describe-key', '--key-id', mainKey), kms('decrypt', '--ciphertext-blob', ct)]);
  assert.equal(again.KeyMetadata.KeyState, 'Enabled');
  assert.equal(again.KeyMetadata.Enabled, true);
  assert.equal(b64(plain.Plaintext).toString(), 'before disable');
});

test('schedule-key-deletion (30 days by default, 7 allowed, 6 refused), then cancel-key-deletion', async () => {
  const [doomed, other] = await Promise.all([createKey('--description', 'to be deleted'), createKey('--description', 'bystander')]);
  const doomedArn = keyArn(doomed);
  const ct = fileb(await encrypt(doomed, 'soon gone'));

  const s30 = await kms('schedule-key-deletion', '--key-id', doomed);
  assert.equal(s30.KeyId, doomedArn);
  assert.equal(s30.KeyState, 'PendingDeletion');
  assert.equal(s30.PendingWindowInDays, 30);
  assertNear(s30.DeletionDate, nowSeconds() + 30 * DAY, 300, 'DeletionDate (30 days)');

  const pending = `${doomedArn} is pending deletion.`;
  const [md, enc, dec, again, enable, six, thirtyOne] = await Promise.all([
    kms('describe-key', '--key-id', doomed),
    kmsFails('Encrypt', 'KMSInvalidStateException', 'encrypt', '--key-id', doomed, '--plaintext', fileb('x')),
    kmsFails('Decrypt', 'KMSInvalidStateException', 'decrypt', '--ciphertext-blob', ct),
    kmsFails('ScheduleKeyDeletion', 'KMSInvalidStateException', 'schedule-key-deletion', '--key-id', doomed),
    kmsFails('EnableKey', 'KMSInvalidStateException', 'enable-key', '--key-id', doomed),
    kmsFails('ScheduleKeyDeletion', 'ValidationException', 'schedule-key-deletion', '--key-id', other, '--pending-window-in-days', '6'),
    kmsFails('ScheduleKeyDeletion', 'ValidationException', 'schedule-key-deletion', '--key-id', other, '--pending-window-in-days', '31'),
  ]);
  assert.equal(md.KeyMetadata.KeyState, 'PendingDeletion');
  assert.equal(md.KeyMetadata.Enabled, false);
  assert.equal(md.KeyMetadata.DeletionDate, s30.DeletionDate);
  assert.equal(enc, pending);
  assert.equal(dec, pending);
  assert.equal(again, pending);
  assert.equal(enable, pending);
  assert.equal(six, 'PendingWindowInDays must be between 7 and 30');
  assert.equal(thirtyOne, 'PendingWindowInDays must be between 7 and 30');

  assert.deepEqual(await kms('cancel-key-deletion', '--key-id', doomedArn), { KeyId: doomedArn });
  const [after, notPending, bystander] = await Promise.all([
    kms('describe-key', '--key-id', doomed),
    kmsFails('CancelKeyDeletion', 'KMSInvalidStateException', 'cancel-key-deletion', '--key-id', doomed),
    kms('describe-key', '--key-id', other),
  ]);
  assert.equal(after.KeyMetadata.KeyState, 'Disabled');
  assert.equal(after.KeyMetadata.Enabled, false);
  assert.equal(after.KeyMetadata.DeletionDate, undefined);
  assert.equal(notPending, `${doomedArn} is not pending deletion.`);
  assert.equal(bystander.KeyMetadata.KeyState, 'Enabled', 'a refused schedule changes nothing');

  const s7 = await kms('schedule-key-deletion', '--key-id', doomed, '--pending-window-in-days', '7');
  assert.equal(s7.KeyState, 'PendingDeletion');
  assert.equal(s7.PendingWindowInDays, 7);
  assertNear(s7.DeletionDate, nowSeconds() + 7 * DAY, 300, 'DeletionDate (7 days)');
});

test('update-key-description', async () => {
  assert.deepEqual(await kms('update-key-description', '--key-id', mainKey, '--description', 'renamed by the newcomer'), {});
  assert.equal((await kms('describe-key', '--key-id', mainKey)).KeyMetadata.Description, 'renamed by the newcomer');
});

test('tag-resource, untag-resource and list-resource-tags', async () => {
  const tagsOf = async () => {
    const out = await kms('list-resource-tags', '--no-paginate', '--key-id', mainKey);
    assert.equal(out.Truncated, false);
    assert.equal(out.NextMarker, undefined);
    return Object.fromEntries(out.Tags.map((t: any) => [t.TagKey, t.TagValue]));
  };
  assert.deepEqual(await tagsOf(), { project: 'keywarden', env: 'dev' });

  assert.deepEqual(await kms('tag-resource', '--key-id', mainArn, '--tags', 'TagKey=env,TagValue=prod', 'TagKey=owner,TagValue=newcomer', 'TagKey=empty,TagValue='), {});
  assert.deepEqual(await tagsOf(), { project: 'keywarden', env: 'prod', owner: 'newcomer', empty: '' });

  assert.deepEqual(await kms('untag-resource', '--key-id', mainKey, '--tag-keys', 'owner', 'not-there'), {});
  const longKey = 'k'.repeat(129);
  const [tags, page, , tooLong] = await Promise.all([
    tagsOf(),
    kms('list-resource-tags', '--no-paginate', '--key-id', mainKey, '--limit', '2'),
    kmsFails('TagResource', 'TagException', 'tag-resource', '--key-id', mainKey, '--tags', 'TagKey=aws:reserved,TagValue=x'),
    kmsFails('TagResource', 'ValidationException', 'tag-resource', '--key-id', mainKey, '--tags', `TagKey=${longKey},TagValue=x`),
  ]);
  assert.deepEqual(tags, { project: 'keywarden', env: 'prod', empty: '' });
  assert.equal(page.Tags.length, 2);
  assert.equal(page.Truncated, true);
  const page2 = await kms('list-resource-tags', '--no-paginate', '--key-id', mainKey, '--limit', '2', '--marker', page.NextMarker);
  assert.equal(page2.Truncated, false);
  assert.deepEqual([...page.Tags, ...page2.Tags].map((t: any) => t.TagKey).sort(), ['empty', 'env', 'project']);
  assert.equal(
    tooLong,
    `1 validation error detected: Value '${longKey}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128`,
  );
});

test('get-key-policy returns the default account-root policy; put-key-policy replaces it; list-key-policies', async () => {
  const [got, unnamed, listed, otherName] = await Promise.all([
    kms('get-key-policy', '--key-id', mainKey, '--policy-name', 'default'),
    kms('get-key-policy', '--key-id', mainArn),
    kms('list-key-policies', '--no-paginate', '--key-id', mainKey),
    kmsFails('GetKeyPolicy', 'NotFoundException', 'get-key-policy', '--key-id', mainKey, '--policy-name', 'other'),
  ]);
  assert.deepEqual(JSON.parse(got.Policy), {
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  });
  assert.equal(got.PolicyName, 'default');
  assert.deepEqual(unnamed, got, 'PolicyName defaults to "default"');
  assert.deepEqual(listed.PolicyNames, ['default']);
  assert.equal(listed.Truncated, false);
  assert.equal(typeof otherName, 'string');

  const policy = JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'newcomer-policy',
      Statement: [
        { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'App', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
      ],
    },
    null,
    2,
  );
  const policyFile = join(work, 'policy.json');
  const badFile = join(work, 'bad-policy.json');
  writeFileSync(policyFile, policy);
  writeFileSync(badFile, '{ this is not json');
  const [put] = await Promise.all([
    kms('put-key-policy', '--key-id', mainKey, '--policy-name', 'default', '--policy', `file://${policyFile}`),
    kmsFails('PutKeyPolicy', 'MalformedPolicyDocumentException', 'put-key-policy', '--key-id', mainKey, '--policy-name', 'default', '--policy', `file://${badFile}`),
  ]);
  assert.deepEqual(put, {});
  assert.equal((await kms('get-key-policy', '--key-id', mainKey, '--policy-name', 'default')).Policy, policy, 'the policy is kept exactly as sent');
});

test('aliases: create, describe/encrypt through them, update, list, delete; reserved and duplicate names', async () => {
  const name = 'alias/newcomer';
  const [second] = await Promise.all([
    createKey('--description', 'alias target two'),
    kms('create-alias', '--alias-name', name, '--target-key-id', mainKey).then((out) => assert.deepEqual(out, {})),
  ]);

  const [byName, byAliasArn, viaAlias, listed, duplicate, , , orphan] = await Promise.all([
    kms('describe-key', '--key-id', name),
    kms('describe-key', '--key-id', aliasArn(name)),
    kms('encrypt', '--key-id', name, '--plaintext', fileb('through an alias')),
    kms('list-aliases', '--key-id', mainKey),
    kmsFails('CreateAlias', 'AlreadyExistsException', 'create-alias', '--alias-name', name, '--target-key-id', second),
    kmsFails('CreateAlias', 'NotAuthorizedException', 'create-alias', '--alias-name', 'alias/aws/mine', '--target-key-id', second),
    kmsFails('CreateAlias', 'ValidationException', 'create-alias', '--alias-name', 'no-prefix', '--target-key-id', second),
    kmsFails('CreateAlias', 'NotFoundException', 'create-alias', '--alias-name', 'alias/orphan', '--target-key-id', MISSING_KEY),
  ]);
  assert.equal(byName.KeyMetadata.KeyId, mainKey);
  assert.equal(byAliasArn.KeyMetadata.KeyId, mainKey);
  assert.equal(viaAlias.KeyId, mainArn);
  assert.equal(listed.Aliases.length, 1);
  const entry = listed.Aliases[0];
  assert.equal(entry.AliasName, name);
  assert.equal(entry.AliasArn, aliasArn(name));
  assert.equal(entry.TargetKeyId, mainKey);
  assertNear(entry.CreationDate, nowSeconds(), 300, 'alias CreationDate');
  assertNear(entry.LastUpdatedDate, nowSeconds(), 300, 'alias LastUpdatedDate');
  assert.equal(duplicate, `An alias with the name ${aliasArn(name)} already exists`);
  assert.equal(orphan, `Key '${keyArn(MISSING_KEY)}' does not exist`);
  const roundTrip = await kms('decrypt', '--ciphertext-blob', fileb(b64(viaAlias.CiphertextBlob)), '--key-id', aliasArn(name));
  assert.equal(b64(roundTrip.Plaintext).toString(), 'through an alias');

  await Promise.all([
    kms('update-alias', '--alias-name', name, '--target-key-id', second).then((out) => assert.deepEqual(out, {})),
    kms('create-alias', '--alias-name', 'alias/newcomer-2', '--target-key-id', mainArn),
  ]);
  const [retargeted, ofMain, ofSecond, all] = await Promise.all([
    kms('describe-key', '--key-id', name),
    kms('list-aliases', '--key-id', mainKey),
    kms('list-aliases', '--key-id', second),
    kms('list-aliases'),
  ]);
  assert.equal(retargeted.KeyMetadata.KeyId, second);
  assert.deepEqual(ofMain.Aliases.map((a: any) => a.AliasName), ['alias/newcomer-2']);
  assert.deepEqual(ofSecond.Aliases.map((a: any) => a.AliasName), [name]);
  assert.equal(ofSecond.Aliases[0].CreationDate, entry.CreationDate);
  assert.ok(ofSecond.Aliases[0].LastUpdatedDate >= entry.LastUpdatedDate);
  const mine = all.Aliases.filter((a: any) => !a.AliasName.startsWith('alias/aws/'));
  assert.deepEqual(mine.map((a: any) => a.AliasName).sort(), ['alias/newcomer', 'alias/newcomer-2']);

  assert.deepEqual(await kms('delete-alias', '--alias-name', name), {});
  const [gone, deleteAgain, survivor] = await Promise.all([
    kmsFails('DescribeKey', 'NotFoundException', 'describe-key', '--key-id', name),
    kmsFails('DeleteAlias', 'NotFoundException', 'delete-alias', '--alias-name', name),
    kms('describe-key', '--key-id', 'alias/newcomer-2'),
  ]);
  assert.equal(gone, `Alias ${aliasArn(name)} is not found.`);
  assert.equal(deleteAgain, `Alias ${aliasArn(name)} is not found.`);
  assert.equal(survivor.KeyMetadata.KeyId, mainKey);
});

test('rotation: enable-key-rotation, get-key-rotation-status, rotate-key-on-demand, list-key-rotations; old ciphertexts still decrypt', async () => {
  const key = await createKey('--description', 'rotating');
  const arn = keyArn(key);
  const [off, md, oldCtBytes, none] = await Promise.all([
    kms('get-key-rotation-status', '--key-id', key),
    kms('describe-key', '--key-id', key),
    encrypt(key, 'sealed before rotation', '--encryption-context', 'v=1'),
    kms('list-key-rotations', '--no-paginate', '--key-id', key),
  ]);
  assert.deepEqual(off, { KeyRotationEnabled: false, KeyId: arn });
  assert.deepEqual(none.Rotations, []);
  assert.equal(none.Truncated, false);
  const original = md.KeyMetadata.CurrentKeyMaterialId;
  const oldCt = fileb(oldCtBytes);

  assert.deepEqual(await kms('enable-key-rotation', '--key-id', key), {});
  const on = await kms('get-key-rotation-status', '--key-id', key);
  assert.equal(on.KeyRotationEnabled, true);
  assert.equal(on.KeyId, arn);
  assert.equal(on.RotationPeriodInDays, 365);
  assertNear(on.NextRotationDate, nowSeconds() + 365 * DAY, 300, 'NextRotationDate (365 days)');

  const [, tooLong] = await Promise.all([
    kms('enable-key-rotation', '--key-id', key, '--rotation-period-in-days', '180'),
    kmsFails('EnableKeyRotation', 'ValidationException', 'enable-key-rotation', '--key-id', key, '--rotation-period-in-days', '2561'),
  ]);
  assert.equal(tooLong, "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560");
  const p180 = await kms('get-key-rotation-status', '--key-id', key);
  assert.equal(p180.RotationPeriodInDays, 180);
  assertNear(p180.NextRotationDate, nowSeconds() + 180 * DAY, 300, 'NextRotationDate (180 days)');

  assert.deepEqual(await kms('rotate-key-on-demand', '--key-id', key), { KeyId: arn });
  const [rotations, after, old, freshCt] = await Promise.all([
    kms('list-key-rotations', '--no-paginate', '--key-id', key),
    kms('describe-key', '--key-id', key),
    kms('decrypt', '--ciphertext-blob', oldCt, '--encryption-context', 'v=1'),
    encrypt(key, 'sealed after'),
  ]);
  assert.equal(rotations.Truncated, false);
  assert.equal(rotations.Rotations.length, 1);
  const r = rotations.Rotations[0];
  assert.equal(r.KeyId, arn);
  assert.equal(r.RotationType, 'ON_DEMAND');
  assertNear(r.RotationDate, nowSeconds(), 300, 'RotationDate');
  const current = after.KeyMetadata.CurrentKeyMaterialId;
  assert.match(current, HEX64);
  assert.notEqual(current, original, 'rotation makes new key material current');
  assert.equal(r.KeyMaterialId, current);
  assert.equal(b64(old.Plaintext).toString(), 'sealed before rotation');
  assert.equal(old.KeyMaterialId, original, 'the old ciphertext decrypts with the original material');

  const [fresh, disabledRotation] = await Promise.all([
    kms('decrypt', '--ciphertext-blob', fileb(freshCt)),
    kms('disable-key-rotation', '--key-id', key),
  ]);
  assert.equal(fresh.KeyMaterialId, current);
  assert.deepEqual(disabledRotation, {});
  assert.equal((await kms('get-key-rotation-status', '--key-id', key)).KeyRotationEnabled, false);

  await kms('disable-key', '--key-id', key);
  const [enableOnDisabled, rotateOnDisabled] = await Promise.all([
    kmsFails('EnableKeyRotation', 'DisabledException', 'enable-key-rotation', '--key-id', key),
    kmsFails('RotateKeyOnDemand', 'DisabledException', 'rotate-key-on-demand', '--key-id', key),
  ]);
  assert.equal(enableOnDisabled, `${arn} is disabled.`);
  assert.equal(rotateOnDisabled, `${arn} is disabled.`);
});

test('the multi-Region operations refuse a single-Region key as AWS does', async () => {
  const [update, replicate] = await Promise.all([
    kmsFails('UpdatePrimaryRegion', 'UnsupportedOperationException', 'update-primary-region', '--key-id', mainKey, '--primary-region', 'us-west-2'),
    kmsFails('ReplicateKey', 'UnsupportedOperationException', 'replicate-key', '--key-id', mainKey, '--replica-region', 'us-west-2'),
  ]);
  assert.equal(update, `${keyArn(mainKey)} is not a multi-region primary key.`);
  assert.equal(replicate, `${keyArn(mainKey)} is not a multi-region primary key.`);
});

test('validation errors use AWS wording', async () => {
  const [empty, tooBig, usage, two] = await Promise.all([
    kmsFails('Encrypt', 'ValidationException', 'encrypt', '--key-id', mainKey, '--plaintext', fileb('')),
    kmsFails('Encrypt', 'ValidationException', 'encrypt', '--key-id', mainKey, '--plaintext', fileb(Buffer.alloc(4097, 1))),
    kmsFails('CreateKey', 'ValidationException', 'create-key', '--key-usage', 'BOGUS'),
    kmsFails('Encrypt', 'ValidationException', 'encrypt', '--key-id', mainKey, '--plaintext', fileb(''), '--encryption-algorithm', 'NOPE'),
  ]);
  assert.equal(empty, "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1");
  assert.equal(tooBig, "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096");
  assert.match(usage, /^1 validation error detected: Value 'BOGUS' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: \[[A-Z_, ]*ENCRYPT_DECRYPT[A-Z_, ]*\]$/);
  assert.match(two, /^2 validation errors detected: .+; .+$/);
});

test('list operations refuse a marker they never issued with InvalidMarkerException', async () => {
  const bogus = 'not-a-marker-keywarden-issued';
  const outcomes = await Promise.allSettled([
    kmsFails('ListKeys', 'InvalidMarkerException', 'list-keys', '--no-paginate', '--marker', bogus),
    kmsFails('ListAliases', 'InvalidMarkerException', 'list-aliases', '--no-paginate', '--marker', bogus),
    kmsFails('ListResourceTags', 'InvalidMarkerException', 'list-resource-tags', '--no-paginate', '--key-id', mainKey, '--marker', bogus),
    kmsFails('ListKeyRotations', 'InvalidMarkerException', 'list-key-rotations', '--no-paginate', '--key-id', mainKey, '--marker', bogus),
  ]);
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  assert.deepEqual(failures, []);
});
