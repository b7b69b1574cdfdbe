// Black-box test of `keywarden policy explain`: the decision the service would make for a
// principal, an action and a key, with the statements behind it, and the same decision on the wire.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { BIN, startServer, type TestServer } from '../support/server.js';

const ADMIN = { accessKeyId: 'AKIDADMIN', secretAccessKey: 'admin-secret', accountId: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/admin' };
const APP = {
  accessKeyId: 'AKIDAPP',
  secretAccessKey: 'app-secret',
  accountId: '111122223333',
  principalArn: 'arn:aws:iam::111122223333:user/app',
  identityPolicies: {
    'encrypt-with-context': {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Use', Effect: 'Allow', Action: ['kms:Encrypt', 'kms:Decrypt'], Resource: '*' },
        { Sid: 'OnlyOrders', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:EncryptionContext:dept': 'orders' } } },
      ],
    },
  },
};

let tmp: string;
let server: TestServer;
let keyId: string;
const clients: KMSClient[] = [];

const client = (who: { accessKeyId: string; secretAccessKey: string }) => {
  const c = new KMSClient({ endpoint: server.url, region: 'us-east-1', credentials: who, maxAttempts: 1 });
  clients.push(c);
  return c;
};

const explain = (...args: string[]) =>
  run(process.execPath, [BIN, 'policy', 'explain', '--endpoint', server.url, ...args], {
    env: { AWS_ACCESS_KEY_ID: ADMIN.accessKeyId, AWS_SECRET_ACCESS_KEY: ADMIN.secretAccessKey },
  });

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'keywarden-explain-'));
  const file = join(tmp, 'credentials.json');
  writeFileSync(file, JSON.stringify({ credentials: [ADMIN, APP] }));
  server = await startServer({ args: ['--credentials', file] });
  keyId = (await client(ADMIN).send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
});

after(async () => {
  for (const c of clients) c.destroy();
  await server?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('keywarden policy explain', () => {
  test('an allowed call names the key policy statement and the identity policy statement; exit 0', async () => {
    const r = await explain('--principal', APP.principalArn, '--action', 'kms:Encrypt', '--key-id', keyId);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ALLOWED: arn:aws:iam::111122223333:user\/app kms:Encrypt on arn:aws:kms:us-east-1:111122223333:key\//);
    assert.match(r.stdout, /statement: key policy, statement 1 \(Sid "Enable IAM User Permissions"\): Allow/);
    assert.match(r.stdout, /statement: identity policy "encrypt-with-context", statement 1 \(Sid "Use"\): Allow/);
  });

  test('a denial by condition names the Deny statement and the message the call gets; exit 1; the wire agrees', async () => {
    const r = await explain('--principal', APP.principalArn, '--action', 'kms:Decrypt', '--key-id', keyId, '--context', 'dept=billing');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^DENIED: /);
    assert.match(r.stdout, /statement: identity policy "encrypt-with-context", statement 2 \(Sid "OnlyOrders"\): Deny/);
    const said = /AWS would answer: AccessDeniedException: (.*)/.exec(r.stdout)?.[1];
    assert.ok(said, r.stdout);

    const app = client(APP);
    const blob = (await app.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), EncryptionContext: { dept: 'billing' } }))).CiphertextBlob!;
    const err = await app.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { dept: 'billing' } })).then(
      () => assert.fail('Decrypt was allowed'),
      (e: KMSServiceException) => e,
    );
    assert.equal(err.name, 'AccessDeniedException');
    assert.equal(err.message, said);

    const ok = await explain('--principal', APP.principalArn, '--action', 'kms:Decrypt', '--key-id', keyId, '--context', '{"dept": "orders"}');
    assert.equal(ok.status, 0, ok.stdout);
    const orders = await app.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('y'), EncryptionContext: { dept: 'orders' } }));
    const back = await app.send(new DecryptCommand({ CiphertextBlob: orders.CiphertextBlob!, EncryptionContext: { dept: 'orders' } }));
    assert.equal(Buffer.from(back.Plaintext!).toString(), 'y');
  });

  test('a principal with no access key has no identity policies, and the output says so', async () => {
    const r = await explain('--principal', 'arn:aws:iam::111122223333:user/nobody', '--action', 'kms:Encrypt', '--key-id', keyId);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /reason: no identity policy of the principal allows the action/);
    assert.match(r.stdout, /note: arn:aws:iam::111122223333:user\/nobody signs with no access key in the credentials file/);
  });

  test('bad arguments: usage errors, an unknown key, a principal that is not an ARN', async () => {
    const missing = await explain('--principal', APP.principalArn, '--action', 'kms:Encrypt');
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /--key-id/);
    const badContext = await explain('--principal', APP.principalArn, '--action', 'kms:Encrypt', '--key-id', keyId, '--context', 'novalue');
    assert.equal(badContext.status, 2);
    const unknown = await explain('--principal', APP.principalArn, '--action', 'kms:Encrypt', '--key-id', 'alias/none');
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /NotFoundException/);
    const notArn = await explain('--principal', 'alice', '--action', 'kms:Encrypt', '--key-id', keyId);
    assert.notEqual(notArn.status, 0);
    assert.match(notArn.stderr, /ValidationException.*PrincipalArn 'alice'/);
  });
});
