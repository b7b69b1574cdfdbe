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
import { assertNear, keyArn, kmsCli, nowSeconds } from '../support/kms-cli.js';
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
  assert.equal(imported.KeyId, keyId);
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
  assert.equal(deleted.KeyMaterialId, imported.KeyMaterialId);
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
  assert.equal(deleted.json.KeyId, a);
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
  await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_EXPIRES', '--valid-to', String(validTo));
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

  await importMaterial(keyId, material, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  assert.equal(Buffer.from((await kms('decrypt', '--ciphertext-blob', fileb(blob))).Plaintext, 'base64').toString(), 'until then');
});
