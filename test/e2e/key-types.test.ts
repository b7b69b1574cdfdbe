// Asymmetric, HMAC and key-agreement keys from the outside: boto3 (with Python's cryptography
// verifying every signature from the public key alone, and every answer checked against botocore's
// output shapes), @aws-sdk/client-kms with OpenSSL verifying its signatures, the AWS CLI, the
// audit trail of the new operations, and the wire form of the errors without a message.
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CreateKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  KMSInvalidMacException,
  KMSInvalidSignatureException,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KeySpec,
  type MessageType,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { run } from '../support/aws-cli.js';
import { kmsCli } from '../support/kms-cli.js';
import { assertScriptPasses } from '../support/python-script.js';
import { startServer, type TestServer } from '../support/server.js';
import { recordsNamed, signedJson } from '../support/signed-call.js';

let server: TestServer;
let work: string;
const clients: KMSClient[] = [];
const { kms: cli, kmsFails: cliFails, fileb } = kmsCli(
  () => server.url,
  () => work,
);

function sdk(region = 'us-east-1'): KMSClient {
  const client = new KMSClient({ endpoint: server.url, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  clients.push(client);
  return client;
}

before(async () => {
  server = await startServer();
  work = mkdtempSync(join(tmpdir(), 'keywarden-key-types-'));
});

after(async () => {
  for (const c of clients) c.destroy();
  await server?.dispose();
  rmSync(work, { recursive: true, force: true });
});

let files = 0;
/** Writes bytes to a file of the work directory and returns its path. */
function file(bytes: Buffer | string): string {
  const path = join(work, `f-${++files}`);
  writeFileSync(path, bytes);
  return path;
}

const pem = (spki: Uint8Array) => file(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }));

/** The OpenSSL command that verifies one signature from a PEM public key; exit 0 means valid. */
function opensslVerify(algorithm: string, type: MessageType, pub: string, message: Buffer, signature: Buffer): string[] {
  const msg = file(message);
  const sig = file(signature);
  const hash = algorithm.endsWith('_256') ? 'sha256' : algorithm.endsWith('_384') ? 'sha384' : 'sha512';
  const pss = algorithm.startsWith('RSASSA_PSS');
  if (algorithm === 'ED25519_SHA_512') return ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', msg, '-sigfile', sig];
  if (algorithm === 'SM2DSA') {
    return ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-in', msg, '-sigfile', sig];
  }
  if (type === 'RAW') {
    const opts = pss ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1'] : [];
    return ['dgst', `-${hash}`, ...opts, '-verify', pub, '-signature', sig, msg];
  }
  const opts = algorithm.startsWith('RSASSA')
    ? ['-pkeyopt', `digest:${hash}`, ...(pss ? ['-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:-1'] : [])]
    : [];
  return ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-in', msg, '-sigfile', sig, ...opts];
}

const flip = (b: Uint8Array) => {
  const out = Buffer.from(b);
  out[out.length >> 1]! ^= 0x01;
  return out;
};

test('boto3: every key spec and usage, public keys, every signing algorithm and message type, MACs; verified with Python cryptography; answers match botocore shapes', async () => {
  await assertScriptPasses(server, 'kms_key_types.py', [
    'create_every_key_type',
    'invalid_combinations',
    'public_keys',
    'ed25519ph_verifier_is_not_blind',
    'sign_verify_every_algorithm',
    'ml_dsa_external_mu',
    'sign_errors',
    'macs',
    'shape_checker_is_not_blind',
    'output_shapes',
  ]);
});

describe('@aws-sdk/client-kms, with OpenSSL verifying', () => {
  const message = Buffer.from('signed through the SDK for JavaScript');

  test('every signature verifies with OpenSSL from the GetPublicKey answer alone; one changed bit fails both OpenSSL and Verify', async () => {
    const cases: [KeySpec, string, SigningAlgorithmSpec[]][] = [
      ['RSA_2048', 'us-east-1', ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512', 'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512']],
      ['ECC_NIST_P256', 'us-east-1', ['ECDSA_SHA_256']],
      ['ECC_NIST_P384', 'us-east-1', ['ECDSA_SHA_384']],
      ['ECC_NIST_P521', 'us-east-1', ['ECDSA_SHA_512']],
      ['ECC_SECG_P256K1', 'us-east-1', ['ECDSA_SHA_256']],
      ['ECC_NIST_EDWARDS25519', 'us-east-1', ['ED25519_SHA_512']],
      ['SM2', 'cn-north-1', ['SM2DSA']],
    ];
    const checks: Promise<void>[] = [];
    for (const [spec, region, algorithms] of cases) {
      const kms = sdk(region);
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY' }));
      const keyId = KeyMetadata!.KeyId!;
      const pub = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      assert.equal(pub.KeySpec, spec);
      assert.deepEqual(pub.SigningAlgorithms, KeyMetadata!.SigningAlgorithms);
      const pubPem = pem(pub.PublicKey!);
      for (const algorithm of algorithms) {
        const types: MessageType[] = algorithm === 'ED25519_SHA_512' || algorithm === 'SM2DSA' ? ['RAW'] : ['RAW', 'DIGEST'];
        for (const type of types) {
          const hash = algorithm.endsWith('_384') ? 'sha384' : algorithm.endsWith('_512') ? 'sha512' : 'sha256';
          const input = type === 'RAW' ? message : createHash(hash).update(message).digest();
          const out = await kms.send(new SignCommand({ KeyId: keyId, Message: input, MessageType: type, SigningAlgorithm: algorithm }));
          assert.equal(out.SigningAlgorithm, algorithm);
          const signature = Buffer.from(out.Signature!);
          checks.push(
            (async () => {
              // OpenSSL always checks against the message itself (RAW) or its digest.
              const good = await run('openssl', opensslVerify(algorithm, type, pubPem, input, signature));
              assert.equal(good.status, 0, `OpenSSL rejected ${spec} ${algorithm} ${type}:\n${good.stdout}${good.stderr}`);
              const bad = await run('openssl', opensslVerify(algorithm, type, pubPem, input, flip(signature)));
              assert.notEqual(bad.status, 0, `OpenSSL accepted a changed ${algorithm} signature`);
            })(),
          );
          const err = await kms.send(new VerifyCommand({ KeyId: keyId, Message: input, MessageType: type, SigningAlgorithm: algorithm, Signature: flip(signature) })).catch((e: unknown) => e);
          assert.ok(err instanceof KMSInvalidSignatureException, `${algorithm}: ${String(err)}`);
          const ok = await kms.send(new VerifyCommand({ KeyId: keyId, Message: input, MessageType: type, SigningAlgorithm: algorithm, Signature: signature }));
          assert.equal(ok.SignatureValid, true);
        }
      }
    }
    await Promise.all(checks);
    assert.equal(checks.length, 12 + 2 * 4 + 1 + 1);
  });

  test('GenerateMac and VerifyMac', async () => {
    const kms = sdk();
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    assert.deepEqual(KeyMetadata!.MacAlgorithms, ['HMAC_SHA_384']);
    const { Mac, MacAlgorithm } = await kms.send(new GenerateMacCommand({ KeyId: KeyMetadata!.Arn, Message: message, MacAlgorithm: 'HMAC_SHA_384' }));
    assert.equal(Mac!.length, 48);
    assert.equal(MacAlgorithm, 'HMAC_SHA_384');
    const ok = await kms.send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_384', Mac }));
    assert.equal(ok.MacValid, true);
    const err = await kms.send(new VerifyMacCommand({ KeyId: KeyMetadata!.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_384', Mac: flip(Mac!) })).catch((e: unknown) => e);
    assert.ok(err instanceof KMSInvalidMacException, String(err));
  });
});

test('the AWS CLI signs files, verifies, makes and checks MACs, and reports an invalid signature', async () => {
  const signer = (await cli('create-key', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'SIGN_VERIFY')).KeyMetadata.KeyId as string;
  const message = Buffer.from('a release artifact, signed with aws kms sign');
  const msg = fileb(message);
  const [pub, signed, macKey] = await Promise.all([
    cli('get-public-key', '--key-id', signer),
    cli('sign', '--key-id', signer, '--message', msg, '--message-type', 'RAW', '--signing-algorithm', 'ECDSA_SHA_256'),
    cli('create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC'),
  ]);
  assert.equal(pub.KeyUsage, 'SIGN_VERIFY');
  assert.deepEqual(pub.SigningAlgorithms, ['ECDSA_SHA_256']);
  const signature = Buffer.from(signed.Signature, 'base64');
  const openssl = await run('openssl', opensslVerify('ECDSA_SHA_256', 'RAW', pem(Buffer.from(pub.PublicKey, 'base64')), message, signature));
  assert.equal(openssl.status, 0, openssl.stderr);
  const [verified, failure, mac] = await Promise.all([
    cli('verify', '--key-id', signer, '--message', msg, '--signature', fileb(signature), '--signing-algorithm', 'ECDSA_SHA_256'),
    cliFails('Verify', 'KMSInvalidSignatureException', 'verify', '--key-id', signer, '--message', msg, '--signature', fileb(flip(signature)), '--signing-algorithm', 'ECDSA_SHA_256'),
    cli('generate-mac', '--key-id', macKey.KeyMetadata.KeyId, '--message', msg, '--mac-algorithm', 'HMAC_SHA_256'),
  ]);
  assert.equal(verified.SignatureValid, true);
  assert.equal(failure, '');
  const checked = await cli('verify-mac', '--key-id', macKey.KeyMetadata.KeyId, '--message', msg, '--mac-algorithm', 'HMAC_SHA_256', '--mac', fileb(Buffer.from(mac.Mac, 'base64')));
  assert.equal(checked.MacValid, true);
});

describe('on the wire and in the audit trail', () => {
  const target = (op: string) => `TrentService.${op}`;
  const call = (op: string, input: unknown) => signedJson(server.url, target(op), 'kms', input);

  test('errors AWS sends without a message have no message member; DryRun is a 400 like other client errors', async () => {
    const key = (await call('CreateKey', { KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' })).json.KeyMetadata.KeyId;
    const message = Buffer.from('m').toString('base64');
    const bad = await call('Verify', { KeyId: key, Message: message, Signature: Buffer.from('junk').toString('base64'), SigningAlgorithm: 'ECDSA_SHA_384' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json, { __type: 'KMSInvalidSignatureException' });
    const rotate = await call('EnableKeyRotation', { KeyId: key });
    assert.deepEqual(rotate.json, { __type: 'UnsupportedOperationException' });
    const dry = await call('Sign', { KeyId: key, Message: message, SigningAlgorithm: 'ECDSA_SHA_384', DryRun: true });
    assert.equal(dry.status, 400);
    assert.equal(dry.json.__type, 'DryRunOperationException');
  });

  test('CloudTrail records the key, algorithm and message type of each call, and never the message, signature or MAC', async () => {
    const signer = (await call('CreateKey', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).json.KeyMetadata;
    const hmac = (await call('CreateKey', { KeySpec: 'HMAC_512', KeyUsage: 'GENERATE_VERIFY_MAC' })).json.KeyMetadata;
    const message = Buffer.from('audited but never recorded: 7f3e9a').toString('base64');
    const signature = (await call('Sign', { KeyId: signer.KeyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' })).json.Signature as string;
    await call('Verify', { KeyId: signer.Arn, Message: message, Signature: signature, SigningAlgorithm: 'ECDSA_SHA_256' });
    const mac = (await call('GenerateMac', { KeyId: hmac.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_512' })).json.Mac as string;
    const token = (await call('CreateGrant', { KeyId: hmac.KeyId, GranteePrincipal: 'arn:aws:iam::111122223333:root', Operations: ['VerifyMac'] })).json.GrantToken as string;
    await call('VerifyMac', { KeyId: hmac.KeyId, Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_512', GrantTokens: [token] });
    await call('GetPublicKey', { KeyId: signer.KeyId });

    const latest = async (name: string) => (await recordsNamed(server.url, name)).find((r) => JSON.stringify(r.requestParameters).includes(name === 'GenerateMac' || name === 'VerifyMac' ? hmac.KeyId : signer.KeyId))!;
    const expected: Record<string, unknown> = {
      Sign: { keyId: signer.KeyId, messageType: 'RAW', signingAlgorithm: 'ECDSA_SHA_256' },
      Verify: { keyId: signer.Arn, signingAlgorithm: 'ECDSA_SHA_256' },
      GenerateMac: { keyId: hmac.KeyId, macAlgorithm: 'HMAC_SHA_512' },
      // Grant tokens are credentials: never recorded (audit/redaction.ts).
      VerifyMac: { keyId: hmac.KeyId, macAlgorithm: 'HMAC_SHA_512' },
      GetPublicKey: { keyId: signer.KeyId },
    };
    for (const [name, parameters] of Object.entries(expected)) {
      const record = await latest(name);
      assert.ok(record, `no ${name} record`);
      assert.deepEqual(record.requestParameters, parameters, name);
      assert.equal(record.responseElements, null, name);
      assert.equal(record.readOnly, true, name);
      assert.deepEqual(record.resources?.map((r: { ARN: string }) => r.ARN), [name.endsWith('Mac') ? hmac.Arn : signer.Arn], name);
      const text = JSON.stringify(record);
      for (const secret of [message, signature, mac]) assert.ok(!text.includes(secret), `${name} record holds a message, signature or MAC`);
    }
  });
});
