// Bringing your own key material: AWS's documented import procedure with the AWS CLI, and OpenSSL
// on the client side (making the material, wrapping it with the downloaded public key, computing
// the HMAC the imported key must compute), against a real server.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { run } from '../support/aws-cli.js';
import { assertOutputShape } from '../support/botocore-shape.js';
import { assertNear, b64, keyArn, kmsCli, nowSeconds } from '../support/kms-cli.js';
import { BIN, ROOT, startServer, type TestServer } from '../support/server.js';
import { recordsNamed, signedJson } from '../support/signed-call.js';

let server: TestServer;
let work: string;
const { kms, kmsFails, fileb } = kmsCli(() => server.url, () => work);
let files = 0;
const path = (name: string) => join(work, `${++files}-${name}`);

before(async () => {
  server = await startServer({ allowClockControl: true });
  work = mkdtempSync(join(tmpdir(), 'keywarden-e2e-import-'));
});

after(async () => {
  await server?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function openssl(...args: string[]): Promise<string> {
  const r = await run('openssl', args);
  assert.equal(r.status, 0, `openssl ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** A KMS call on the wire, whose successful answer must fit botocore's output shape. */
async function wire(operation: string, input: unknown): Promise<{ status: number; json: any }> {
  const r = await signedJson(server.url, `TrentService.${operation}`, 'kms', input);
  if (r.status === 200) assertOutputShape('kms', operation, r.json);
  return r;
}

/** Step 2 of the procedure: the public key and import token, written to files as the CLI user does. */
async function downloadParameters(keyId: string, algorithm = 'RSAES_OAEP_SHA_256', spec = 'RSA_2048') {
  const out = await kms('get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', algorithm, '--wrapping-key-spec', spec);
  const publicKey = path('PublicKey.der');
  const token = path('ImportToken.bin');
  writeFileSync(publicKey, Buffer.from(out.PublicKey, 'base64'));
  writeFileSync(token, Buffer.from(out.ImportToken, 'base64'));
  return { out, publicKey, token };
}

/** Step 3: RSAES_OAEP_SHA_256 encryption of the material with the public key. */
async function wrapOaep256(publicKey: string, material: string): Promise<string> {
  const wrapped = path('EncryptedKeyMaterial.bin');
  await openssl('pkeyutl', '-encrypt', '-in', material, '-inkey', publicKey, '-keyform', 'DER', '-pubin', '-out', wrapped,
    '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256');
  return wrapped;
}

async function importMaterial(keyId: string, material: string, ...extra: string[]) {
  const { publicKey, token } = await downloadParameters(keyId);
  const wrapped = await wrapOaep256(publicKey, material);
  return kms('import-key-material', '--key-id', keyId, '--encrypted-key-material', `fileb://${wrapped}`, '--import-token', `fileb://${token}`, ...extra);
}

const keywarden = (...args: string[]) => run(process.execPath, [BIN, ...args, '--endpoint', server.url], { cwd: ROOT });

test('the documented procedure: create-key --origin EXTERNAL, get-parameters-for-import, OpenSSL wraps, import-key-material, then the key works', async () => {
  const created = (await kms('create-key', '--origin', 'EXTERNAL', '--description', 'byok')).KeyMetadata;
  assert.equal(created.KeyState, 'PendingImport');
  assert.equal(created.Origin, 'EXTERNAL');
  assert.equal(created.Enabled, false);
  for (const absent of ['CurrentKeyMaterialId', 'ExpirationModel', 'ValidTo']) assert.equal(created[absent], undefined, absent);
  const keyId = created.KeyId;
  const arn = keyArn(keyId);
  assert.equal(await kmsFails('Encrypt', 'KMSInvalidStateException', 'encrypt', '--key-id', keyId, '--plaintext', fileb('x')), `${arn} is pending import.`);

  const before = nowSeconds();
  const { out, publicKey, token } = await downloadParameters(keyId);
  assert.deepEqual(Object.keys(out).sort(), ['ImportToken', 'KeyId', 'ParametersValidTo', 'PublicKey']);
  assert.equal(out.KeyId, arn);
  assertNear(out.ParametersValidTo, before + 86_400, 120, 'ParametersValidTo');
  assert.match(await openssl('pkey', '-pubin', '-inform', 'DER', '-in', publicKey, '-noout', '-text'), /Public-Key: \(2048 bit\)/);

  const material = path('PlaintextKeyMaterial.bin');
  await openssl('rand', '-out', material, '32');
  const wrapped = await wrapOaep256(publicKey, material);
  const imported = await kms('import-key-material', '--key-id', keyId, '--encrypted-key-material', `fileb://${wrapped}`,
    '--import-token', `fileb://${token}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  // The key ARN, as botocore documents ImportKeyMaterialResponse's KeyId and AWS answers.
  assert.equal(imported.KeyId, arn);
  assert.match(imported.KeyMaterialId, /^[0-9a-f]{64}$/);

  const md = (await kms('describe-key', '--key-id', keyId)).KeyMetadata;
  assert.equal(md.KeyState, 'Enabled');
  assert.equal(md.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  assert.equal(md.ValidTo, undefined);
  assert.equal(md.CurrentKeyMaterialId, imported.KeyMaterialId);
  const blob = (await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('brought my own key'))).CiphertextBlob;
  const plain = (await kms('decrypt', '--ciphertext-blob', fileb(Buffer.from(blob, 'base64')))).Plaintext;
  assert.equal(Buffer.from(plain, 'base64').toString(), 'brought my own key');

  // Deleted, the key is PendingImport and its ciphertexts wait; the same material brings them back.
  const deleted = await kms('delete-imported-key-material', '--key-id', keyId);
  assert.deepEqual(deleted, { KeyId: arn, KeyMaterialId: imported.KeyMaterialId });
  const gone = (await kms('describe-key', '--key-id', keyId)).KeyMetadata;
  assert.equal(gone.KeyState, 'PendingImport');
  assert.equal(gone.ExpirationModel, undefined);
  assert.equal(await kmsFails('Decrypt', 'KMSInvalidStateException', 'decrypt', '--ciphertext-blob', fileb(Buffer.from(blob, 'base64'))), `${arn} is pending import.`);

  const other = path('Other.bin');
  await openssl('rand', '-out', other, '32');
  const { publicKey: pk2, token: t2 } = await downloadParameters(keyId);
  await kmsFails('ImportKeyMaterial', 'IncorrectKeyMaterialException', 'import-key-material', '--key-id', keyId,
    '--encrypted-key-material', `fileb://${await wrapOaep256(pk2, other)}`, '--import-token', `fileb://${t2}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  const again = (await kms('decrypt', '--ciphertext-blob', fileb(Buffer.from(blob, 'base64')))).Plaintext;
  assert.equal(Buffer.from(again, 'base64').toString(), 'brought my own key');
});

test('RSA_AES_KEY_WRAP_SHA_256: OpenSSL wraps the material with an AES key (RFC 5649) and that key with RSA-OAEP', async () => {
  const keyId = (await kms('create-key', '--origin', 'EXTERNAL')).KeyMetadata.KeyId;
  const { publicKey, token } = await downloadParameters(keyId, 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_3072');
  const material = path('material.bin');
  const aesKey = path('aes.bin');
  await openssl('rand', '-out', material, '32');
  await openssl('rand', '-out', aesKey, '32');
  const wrappedMaterial = path('material.wrapped');
  await openssl('enc', '-id-aes256-wrap-pad', '-K', readFileSync(aesKey).toString('hex'), '-iv', 'A65959A6', '-in', material, '-out', wrappedMaterial);
  const wrappedKey = await wrapOaep256(publicKey, aesKey);
  const both = path('EncryptedKeyMaterial.bin');
  writeFileSync(both, Buffer.concat([readFileSync(wrappedKey), readFileSync(wrappedMaterial)]));
  await kms('import-key-material', '--key-id', keyId, '--encrypted-key-material', `fileb://${both}`, '--import-token', `fileb://${token}`,
    '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  const blob = (await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('wrapped twice'))).CiphertextBlob;
  assert.equal(Buffer.from((await kms('decrypt', '--ciphertext-blob', fileb(Buffer.from(blob, 'base64')))).Plaintext, 'base64').toString(), 'wrapped twice');
});

/** RSA_AES_KEY_WRAP_SHA_256 done by OpenSSL: material under a fresh AES key (RFC 5649), that key under RSA-OAEP. */
async function wrapTwoStep(publicKey: string, material: string): Promise<string> {
  const aesKey = path('aes.bin');
  await openssl('rand', '-out', aesKey, '32');
  const wrappedMaterial = path('material.wrapped');
  await openssl('enc', '-id-aes256-wrap-pad', '-K', readFileSync(aesKey).toString('hex'), '-iv', 'A65959A6', '-in', material, '-out', wrappedMaterial);
  const both = path('EncryptedKeyMaterial.bin');
  writeFileSync(both, Buffer.concat([readFileSync(await wrapOaep256(publicKey, aesKey)), readFileSync(wrappedMaterial)]));
  return both;
}

test('an imported RSA private key made by OpenSSL: Sign (PKCS #1 v1.5) equals openssl dgst -sign byte for byte', async () => {
  const keyId = (await kms('create-key', '--origin', 'EXTERNAL', '--key-spec', 'RSA_2048', '--key-usage', 'SIGN_VERIFY')).KeyMetadata.KeyId;
  // As AWS documents it: a PEM key, then PKCS #8 DER without encryption for the import.
  const pem = path('private.pem');
  const privateKey = path('private.der');
  await openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pem);
  await openssl('pkcs8', '-topk8', '-inform', 'PEM', '-outform', 'DER', '-nocrypt', '-in', pem, '-out', privateKey);
  const { publicKey, token } = await downloadParameters(keyId, 'RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096');
  await kms('import-key-material', '--key-id', keyId, '--encrypted-key-material', `fileb://${await wrapTwoStep(publicKey, privateKey)}`,
    '--import-token', `fileb://${token}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  const message = path('message.txt');
  writeFileSync(message, 'signed with a key I brought');
  const signed = await kms('sign', '--key-id', keyId, '--message', `fileb://${message}`, '--message-type', 'RAW', '--signing-algorithm', 'RSASSA_PKCS1_V1_5_SHA_256');
  const sigFile = path('openssl.sig');
  await openssl('dgst', '-sha256', '-sign', pem, '-out', sigFile, message);
  assert.deepEqual(Buffer.from(signed.Signature, 'base64'), readFileSync(sigFile));
});

test('imported HMAC material: GenerateMac equals openssl dgst -mac HMAC over the same message', async () => {
  const keyId = (await kms('create-key', '--origin', 'EXTERNAL', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC')).KeyMetadata.KeyId;
  const material = path('hmac.bin');
  await openssl('rand', '-out', material, '32');
  await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  const message = path('message.txt');
  writeFileSync(message, 'a message to authenticate');
  const mac = (await kms('generate-mac', '--key-id', keyId, '--mac-algorithm', 'HMAC_SHA_256', '--message', `fileb://${message}`)).Mac;
  const macFile = path('mac.bin');
  await openssl('dgst', '-sha256', '-mac', 'HMAC', '-macopt', `hexkey:${readFileSync(material).toString('hex')}`, '-binary', '-out', macFile, message);
  assert.deepEqual(Buffer.from(mac, 'base64'), readFileSync(macFile));
});

test('answers fit botocore; AWS errors for keys KMS made, foreign or forged tokens, missing ValidTo', async () => {
  const a = (await wire('CreateKey', { Origin: 'EXTERNAL' })).json.KeyMetadata.KeyId;
  const b = (await wire('CreateKey', { Origin: 'EXTERNAL' })).json.KeyMetadata.KeyId;
  const own = (await wire('CreateKey', {})).json.KeyMetadata.KeyId;
  const params = await wire('GetParametersForImport', { KeyId: a, WrappingAlgorithm: 'RSAES_OAEP_SHA_1', WrappingKeySpec: 'RSA_2048' });
  assert.equal(params.status, 200);
  const notExternal = await wire('GetParametersForImport', { KeyId: own, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  assert.deepEqual(notExternal.json, { __type: 'UnsupportedOperationException', message: `${keyArn(own)} origin is AWS_KMS which is not valid for this operation.` });
  const material = Buffer.alloc(256, 1).toString('base64');
  const foreign = await wire('ImportKeyMaterial', { KeyId: b, ImportToken: params.json.ImportToken, EncryptedKeyMaterial: material, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
  assert.equal(foreign.json.__type, 'InvalidImportTokenException');
  const forged = await wire('ImportKeyMaterial', { KeyId: a, ImportToken: Buffer.alloc(400, 7).toString('base64'), EncryptedKeyMaterial: material, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
  assert.equal(forged.json.__type, 'InvalidImportTokenException');
  const noValidTo = await wire('ImportKeyMaterial', { KeyId: a, ImportToken: params.json.ImportToken, EncryptedKeyMaterial: material });
  assert.deepEqual(noValidTo.json, { __type: 'ValidationException', message: 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES' });
  const described = await wire('DescribeKey', { KeyId: a });
  assert.equal(described.json.KeyMetadata.KeyState, 'PendingImport');
  const deleted = await wire('DeleteImportedKeyMaterial', { KeyId: a });
  assert.deepEqual(deleted, { ...deleted, status: 200 });
  assert.equal(deleted.json.KeyId, keyArn(a));
  // The audit trail records the calls without the token or the material.
  const [record] = await recordsNamed(server.url, 'ImportKeyMaterial');
  assert.ok(record, 'ImportKeyMaterial is recorded');
  const text = JSON.stringify(record);
  assert.ok(!text.includes(params.json.ImportToken.slice(0, 40)) && !text.includes(material.slice(0, 40)), text);
});

test('material with ValidTo is deleted when the service clock passes it (keywarden clock advance), with the DeleteExpiredKeyMaterial event', async () => {
  const keyId = (await kms('create-key', '--origin', 'EXTERNAL')).KeyMetadata.KeyId;
  const material = path('expiring.bin');
  await openssl('rand', '-out', material, '32');
  const validTo = Math.floor(nowSeconds()) + 3 * 86_400;
  const { KeyMaterialId } = await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_EXPIRES', '--valid-to', String(validTo));
  const md = (await kms('describe-key', '--key-id', keyId)).KeyMetadata;
  assert.equal(md.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
  assert.equal(md.ValidTo, validTo);
  const blob = Buffer.from((await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('until then'))).CiphertextBlob, 'base64');

  const advanced = await keywarden('clock', 'advance', '4d');
  assert.equal(advanced.status, 0, advanced.stderr);
  assert.equal((await kms('describe-key', '--key-id', keyId)).KeyMetadata.KeyState, 'PendingImport');
  assert.equal(await kmsFails('Decrypt', 'KMSInvalidStateException', 'decrypt', '--ciphertext-blob', fileb(blob)), `${keyArn(keyId)} is pending import.`);
  const events = (await recordsNamed(server.url, 'DeleteExpiredKeyMaterial')).filter((e) => e.resources?.[0]?.ARN === keyArn(keyId));
  assert.equal(events.length, 1);
  assert.equal(events[0]!.eventType, 'AwsServiceEvent');
  assert.deepEqual(events[0]!.serviceEventDetails, { keyId, keyMaterialId: KeyMaterialId });

  await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  assert.equal(Buffer.from((await kms('decrypt', '--ciphertext-blob', fileb(blob))).Plaintext, 'base64').toString(), 'until then');
});

/** Random key material of `bytes` bytes made by OpenSSL, in a file. */
async function newMaterial(name: string, bytes = 32): Promise<string> {
  const file = path(name);
  await openssl('rand', '-out', file, String(bytes));
  return file;
}

test('on-demand rotation of imported material: two materials by OpenSSL, NEW_KEY_MATERIAL, rotate-key-on-demand, old and new ciphertexts decrypt, across a restart', async () => {
  const keyId = (await kms('create-key', '--origin', 'EXTERNAL', '--description', 'rotated byok')).KeyMetadata.KeyId;
  const arn = keyArn(keyId);
  const [a, b] = [await newMaterial('a.bin'), await newMaterial('b.bin')];
  const first = await importMaterial(keyId, a, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE', '--key-material-description', 'first material');
  const oldBlob = b64((await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('made with the first material'))).CiphertextBlob);

  const validTo = Math.floor(nowSeconds()) + 30 * 86_400;
  const second = await importMaterial(keyId, b, '--import-type', 'NEW_KEY_MATERIAL', '--key-material-description', 'second material',
    '--expiration-model', 'KEY_MATERIAL_EXPIRES', '--valid-to', String(validTo));
  assert.deepEqual(Object.keys(second).sort(), ['KeyId', 'KeyMaterialId']);
  assert.equal(second.KeyId, arn);
  assert.notEqual(second.KeyMaterialId, first.KeyMaterialId);
  let md = (await kms('describe-key', '--key-id', keyId)).KeyMetadata;
  assert.equal(md.CurrentKeyMaterialId, first.KeyMaterialId, 'pending material is not current');
  assert.equal(md.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE', 'pending material does not set the key\'s expiration');
  assert.equal(md.ValidTo, undefined);

  const pending = (await wire('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).json;
  assert.deepEqual(pending, {
    Rotations: [
      { KeyId: arn, KeyMaterialId: first.KeyMaterialId, KeyMaterialDescription: 'first material', ImportState: 'IMPORTED', KeyMaterialState: 'CURRENT', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' },
      { KeyId: arn, KeyMaterialId: second.KeyMaterialId, KeyMaterialDescription: 'second material', ImportState: 'IMPORTED', KeyMaterialState: 'PENDING_ROTATION', ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo },
    ],
    Truncated: false,
  });
  assert.deepEqual((await kms('list-key-rotations', '--key-id', keyId)).Rotations, [], 'ROTATIONS_ONLY: nothing rotated yet');

  assert.deepEqual(await kms('rotate-key-on-demand', '--key-id', keyId), { KeyId: arn });
  md = (await kms('describe-key', '--key-id', keyId)).KeyMetadata;
  assert.equal(md.CurrentKeyMaterialId, second.KeyMaterialId);
  assert.equal(md.ValidTo, validTo, 'now permanently the key\'s, its ValidTo is the key\'s earliest');
  const newBlob = b64((await kms('encrypt', '--key-id', keyId, '--plaintext', fileb('made with the second material'))).CiphertextBlob);
  const rotations = (await wire('ListKeyRotations', { KeyId: keyId })).json.Rotations;
  assert.equal(rotations.length, 1);
  assert.deepEqual({ ...rotations[0], RotationDate: undefined }, {
    KeyId: arn, KeyMaterialId: second.KeyMaterialId, KeyMaterialDescription: 'second material', ImportState: 'IMPORTED', KeyMaterialState: 'CURRENT',
    ExpirationModel: 'KEY_MATERIAL_EXPIRES', ValidTo: validTo, RotationDate: undefined, RotationType: 'ON_DEMAND',
  });
  assert.equal(typeof rotations[0].RotationDate, 'number');
  assert.equal(await kmsFails('RotateKeyOnDemand', 'KMSInvalidStateException', 'rotate-key-on-demand', '--key-id', keyId),
    `No available key material pending rotation for the key: ${arn}.`);

  await server.restart();
  const decrypted = async (blob: Buffer) => {
    const out = await kms('decrypt', '--ciphertext-blob', fileb(blob));
    return [Buffer.from(out.Plaintext, 'base64').toString(), out.KeyMaterialId];
  };
  assert.deepEqual(await decrypted(oldBlob), ['made with the first material', first.KeyMaterialId]);
  assert.deepEqual(await decrypted(newBlob), ['made with the second material', second.KeyMaterialId]);
  assert.deepEqual((await kms('list-key-rotations', '--key-id', keyId, '--include-key-material', 'ALL_KEY_MATERIAL')).Rotations.map((r: any) => [r.KeyMaterialId, r.KeyMaterialState, r.KeyMaterialDescription]), [
    [first.KeyMaterialId, 'NON_CURRENT', 'first material'],
    [second.KeyMaterialId, 'CURRENT', 'second material'],
  ]);

  // Deleting the first material by its id makes the key PendingImport; the same material, named
  // by its KeyMaterialId as EXISTING_KEY_MATERIAL, brings its ciphertexts back.
  assert.deepEqual(await kms('delete-imported-key-material', '--key-id', keyId, '--key-material-id', first.KeyMaterialId), { KeyId: arn, KeyMaterialId: first.KeyMaterialId });
  assert.equal((await kms('describe-key', '--key-id', keyId)).KeyMetadata.KeyState, 'PendingImport');
  const states = (await kms('list-key-rotations', '--key-id', keyId, '--include-key-material', 'ALL_KEY_MATERIAL')).Rotations.map((r: any) => [r.KeyMaterialId, r.ImportState, r.ExpirationModel]);
  assert.deepEqual(states, [[first.KeyMaterialId, 'PENDING_IMPORT', undefined], [second.KeyMaterialId, 'IMPORTED', 'KEY_MATERIAL_EXPIRES']]);
  assert.equal(await kmsFails('Decrypt', 'KMSInvalidStateException', 'decrypt', '--ciphertext-blob', fileb(newBlob)), `${arn} is pending import.`);
  const other = await newMaterial('other.bin');
  await assert.rejects(importMaterial(keyId, other, '--import-type', 'EXISTING_KEY_MATERIAL', '--key-material-id', first.KeyMaterialId, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE'), /IncorrectKeyMaterialException/);
  await importMaterial(keyId, a, '--import-type', 'EXISTING_KEY_MATERIAL', '--key-material-id', first.KeyMaterialId, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  assert.equal((await kms('describe-key', '--key-id', keyId)).KeyMetadata.KeyState, 'Enabled');
  assert.deepEqual(await decrypted(oldBlob), ['made with the first material', first.KeyMaterialId]);
});

test('AWS errors for every wrong order: new material while other is pending, material the key has, KeyMaterialId with NEW_KEY_MATERIAL, new material for an HMAC key', async () => {
  // On the wire (the CLI walk-through is above): each answer is checked, successes against botocore.
  const create = async (input: object) => (await wire('CreateKey', { Origin: 'EXTERNAL', ...input })).json.KeyMetadata.KeyId as string;
  /** ImportKeyMaterial with material wrapped by OpenSSL to fresh parameters. */
  const importOnWire = async (keyId: string, material: string, extra: Record<string, unknown> = {}) => {
    const params = (await wire('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' })).json;
    const publicKey = path('PublicKey.der');
    writeFileSync(publicKey, b64(params.PublicKey));
    return wire('ImportKeyMaterial', {
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: readFileSync(await wrapOaep256(publicKey, material)).toString('base64'),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      ...extra,
    });
  };
  const keyId = await create({});
  const arn = keyArn(keyId);
  assert.deepEqual((await wire('RotateKeyOnDemand', { KeyId: keyId })).json, { __type: 'KMSInvalidStateException', message: `${arn} is pending import.` });
  const [a, b, c] = [await newMaterial('a.bin'), await newMaterial('b.bin'), await newMaterial('c.bin')];
  const first = (await importOnWire(keyId, a)).json;
  assert.equal(first.KeyId, arn);

  const errorOf = async (material: string, extra: Record<string, unknown>) => (await importOnWire(keyId, material, extra)).json.__type;
  assert.equal(await errorOf(a, { ImportType: 'NEW_KEY_MATERIAL' }), 'IncorrectKeyMaterialException');
  assert.equal(await errorOf(b, { ImportType: 'EXISTING_KEY_MATERIAL' }), 'IncorrectKeyMaterialException');
  assert.equal(await errorOf(b, {}), 'IncorrectKeyMaterialException', 'after the first import the default is EXISTING_KEY_MATERIAL');
  assert.equal(await errorOf(b, { ImportType: 'NEW_KEY_MATERIAL', KeyMaterialId: first.KeyMaterialId }), 'ValidationException');

  const pending = (await importOnWire(keyId, b, { ImportType: 'NEW_KEY_MATERIAL' })).json;
  const refused = (await importOnWire(keyId, c, { ImportType: 'NEW_KEY_MATERIAL' })).json;
  assert.equal(refused.__type, 'KMSInvalidStateException');
  assert.match(refused.message, new RegExp(`^New key material \\(id: [0-9a-f]{64}\\) cannot be imported into KMS key ${arn}, because another key material \\(id: ${pending.KeyMaterialId}\\) is pending rotation\\.$`));
  // Pending material is not the key's yet: deleted, other material takes its place.
  assert.deepEqual((await wire('DeleteImportedKeyMaterial', { KeyId: keyId, KeyMaterialId: pending.KeyMaterialId })).json, { KeyId: arn, KeyMaterialId: pending.KeyMaterialId });
  assert.equal((await wire('DescribeKey', { KeyId: keyId })).json.KeyMetadata.KeyState, 'Enabled');
  const replacement = (await importOnWire(keyId, c, { ImportType: 'NEW_KEY_MATERIAL' })).json;
  const listed = (await wire('ListKeyRotations', { KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).json.Rotations;
  assert.deepEqual(listed.map((r: any) => [r.KeyMaterialId, r.KeyMaterialState]), [[first.KeyMaterialId, 'CURRENT'], [replacement.KeyMaterialId, 'PENDING_ROTATION']]);
  assert.equal((await wire('DeleteImportedKeyMaterial', { KeyId: keyId, KeyMaterialId: 'ab'.repeat(32) })).json.__type, 'NotFoundException');

  const hmac = await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  assert.equal((await importOnWire(hmac, a)).status, 200);
  assert.equal((await importOnWire(hmac, b, { ImportType: 'NEW_KEY_MATERIAL' })).json.__type, 'UnsupportedOperationException');
  assert.equal((await wire('RotateKeyOnDemand', { KeyId: hmac })).json.__type, 'UnsupportedOperationException');
  // AWS has refused RSAES_PKCS1_V1_5 since October 2023.
  assert.equal((await wire('GetParametersForImport', { KeyId: keyId, WrappingAlgorithm: 'RSAES_PKCS1_V1_5', WrappingKeySpec: 'RSA_2048' })).json.__type, 'UnsupportedOperationException');
});

test('imported HMAC material equals openssl dgst -hmac, whose key is the material itself', async () => {
  const keyId = (await kms('create-key', '--origin', 'EXTERNAL', '--key-spec', 'HMAC_384', '--key-usage', 'GENERATE_VERIFY_MAC')).KeyMetadata.KeyId;
  // Printable material, so that it can be given to -hmac as it is.
  const material = path('hmac-key.txt');
  writeFileSync(material, (await openssl('rand', '-hex', '24')).trim());
  assert.equal(readFileSync(material).length, 48);
  await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  const message = path('message.txt');
  writeFileSync(message, 'authenticated with a key I brought');
  const mac = (await kms('generate-mac', '--key-id', keyId, '--mac-algorithm', 'HMAC_SHA_384', '--message', `fileb://${message}`)).Mac;
  const macFile = path('mac.bin');
  await openssl('dgst', '-sha384', '-hmac', readFileSync(material, 'utf8'), '-binary', '-out', macFile, message);
  assert.deepEqual(b64(mac), readFileSync(macFile));
});

test('China Regions: the SM2 wrapping key with SM2PKE done by OpenSSL, for symmetric material and for an SM2 private key whose signature OpenSSL verifies', async () => {
  const china = ['--region', 'cn-north-1'];
  const sm2Parameters = async (keyId: string) => {
    const out = await kms('get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'SM2PKE', '--wrapping-key-spec', 'SM2', ...china);
    const publicKey = path('sm2-wrapping.der');
    writeFileSync(publicKey, b64(out.PublicKey));
    const token = path('ImportToken.bin');
    writeFileSync(token, b64(out.ImportToken));
    assert.match(await openssl('pkey', '-pubin', '-inform', 'DER', '-in', publicKey, '-noout', '-text'), /ASN1 OID: SM2/);
    return { publicKey, token };
  };
  const sm2Import = async (keyId: string, material: string) => {
    const { publicKey, token } = await sm2Parameters(keyId);
    const wrapped = path('sm2-wrapped.bin');
    await openssl('pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', publicKey, '-in', material, '-out', wrapped);
    return kms('import-key-material', '--key-id', keyId, '--encrypted-key-material', `fileb://${wrapped}`, '--import-token', `fileb://${token}`,
      '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE', ...china);
  };

  const symmetric = (await kms('create-key', '--origin', 'EXTERNAL', ...china)).KeyMetadata.KeyId;
  await sm2Import(symmetric, await newMaterial('cn.bin'));
  const blob = (await kms('encrypt', '--key-id', symmetric, '--plaintext', fileb('in Beijing'), ...china)).CiphertextBlob;
  assert.equal(Buffer.from((await kms('decrypt', '--ciphertext-blob', fileb(b64(blob)), ...china)).Plaintext, 'base64').toString(), 'in Beijing');

  const signing = (await kms('create-key', '--origin', 'EXTERNAL', '--key-spec', 'SM2', '--key-usage', 'SIGN_VERIFY', ...china)).KeyMetadata.KeyId;
  const pem = path('sm2.pem');
  const der = path('sm2.der');
  await openssl('genpkey', '-algorithm', 'SM2', '-out', pem);
  await openssl('pkcs8', '-topk8', '-inform', 'PEM', '-outform', 'DER', '-nocrypt', '-in', pem, '-out', der);
  await sm2Import(signing, der);
  const ownPublic = path('sm2-public.der');
  await openssl('pkey', '-in', pem, '-pubout', '-outform', 'DER', '-out', ownPublic);
  const ownPublicPem = path('sm2-public.pem');
  await openssl('pkey', '-in', pem, '-pubout', '-out', ownPublicPem);
  const publicKey = (await kms('get-public-key', '--key-id', signing, ...china)).PublicKey;
  assert.deepEqual(b64(publicKey), readFileSync(ownPublic));
  const message = path('message.txt');
  writeFileSync(message, 'signed with an SM2 key I brought');
  const signature = path('sm2.sig');
  writeFileSync(signature, b64((await kms('sign', '--key-id', signing, '--message', `fileb://${message}`, '--message-type', 'RAW', '--signing-algorithm', 'SM2DSA', ...china)).Signature));
  // KMS signs with SM2's default distinguishing identifier.
  assert.match(await openssl('dgst', '-sm3', '-verify', ownPublicPem, '-sigopt', 'distid:1234567812345678', '-signature', signature, message), /Verified OK/);

  // Outside the China Regions there is neither the SM2 wrapping key nor SM2PKE.
  const us = (await kms('create-key', '--origin', 'EXTERNAL')).KeyMetadata.KeyId;
  assert.equal(await kmsFails('GetParametersForImport', 'UnsupportedOperationException', 'get-parameters-for-import', '--key-id', us, '--wrapping-algorithm', 'SM2PKE', '--wrapping-key-spec', 'SM2'),
    'WrappingKeySpec SM2 is not supported in this Region.');
});
