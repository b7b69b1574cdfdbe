// The AWS CLI as the suite runs it (test/support/warm-aws: started once per test process, a child
// forked for each call) must answer exactly as the installed `aws` run by a shell: same output,
// same errors, same exit status, with the caller's environment, directory and standard input.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, type CliResult } from '../support/aws-cli.js';
import { startServer, type TestServer } from '../support/server.js';
import { awsCli, installedAws, startedAwsReady } from '../support/tools.js';

let server: TestServer;
let dir: string;

before(async () => {
  [server] = await Promise.all([startServer(), startedAwsReady()]);
  dir = mkdtempSync(join(tmpdir(), 'keywarden-started-aws-'));
  const made = await run(installedAws(), ['--endpoint-url', server.url, 'kms', 'create-key', '--description', 'started']);
  assert.equal(made.status, 0, made.stderr);
  const alias = await run(installedAws(), ['--endpoint-url', server.url, 'kms', 'create-alias', '--alias-name', 'alias/started', '--target-key-id', made.json.KeyMetadata.KeyId]);
  assert.equal(alias.status, 0, alias.stderr);
});

after(async () => {
  await server?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The same call through both; returns the started one's answer after checking they agree. */
async function both(args: string[], opts: { env?: Record<string, string>; input?: string; cwd?: string } = {}): Promise<CliResult> {
  const started = awsCli({ now: true });
  assert.notEqual(started, installedAws(), 'the started AWS CLI is in use');
  const [own, installed] = await Promise.all([run(started, args, opts), run(installedAws(), args, opts)]);
  assert.deepEqual(
    { status: own.status, stdout: own.stdout, stderr: own.stderr },
    { status: installed.status, stdout: installed.stdout, stderr: installed.stderr },
    `aws ${args.join(' ')}`,
  );
  return own;
}

describe('the started AWS CLI answers as the installed one', () => {
  test('version, a usage error and an unknown command', async () => {
    assert.equal((await both(['--version'])).status, 0);
    assert.notEqual((await both(['--endpoint-url', server.url, 'kms', 'describe-key'])).status, 0);
    assert.notEqual((await both(['kms', 'no-such-operation'])).status, 0);
  });

  test('answers and service errors, in JSON, text and with --query', async () => {
    const described = await both(['--endpoint-url', server.url, 'kms', 'describe-key', '--key-id', 'alias/started']);
    assert.equal(described.json.KeyMetadata.Description, 'started');
    assert.equal((await both(['--endpoint-url', server.url, '--output', 'text', '--query', 'KeyMetadata.KeyState', 'kms', 'describe-key', '--key-id', 'alias/started'])).stdout, 'Enabled\n');
    const missing = await both(['--endpoint-url', server.url, 'kms', 'describe-key', '--key-id', 'alias/missing']);
    assert.match(missing.stderr, /NotFoundException/);
  });

  test('files named relative to the caller’s directory, and standard input', async () => {
    writeFileSync(join(dir, 'plain.bin'), 'from a file');
    const encrypt = ['--endpoint-url', server.url, '--output', 'text', '--query', 'CiphertextBlob', 'kms', 'encrypt', '--key-id', 'alias/started', '--plaintext'];
    const decrypt = ['--endpoint-url', server.url, '--output', 'text', '--query', 'Plaintext', 'kms', 'decrypt', '--ciphertext-blob', 'fileb://blob.bin'];
    // Standard input through a shell's pipe, as a guide's `printf … | aws …` gives it.
    const piped = (program: string) => run('bash', ['-c', 'printf "from stdin" | "$0" "$@"', program, ...encrypt, 'fileb:///dev/stdin'], { cwd: dir });
    for (const [call, expected] of [[(p: string) => run(p, [...encrypt, 'fileb://plain.bin'], { cwd: dir }), 'from a file'], [piped, 'from stdin']] as const) {
      // Ciphertexts differ from call to call: each answer is checked by decrypting it.
      for (const r of await Promise.all([call(awsCli({ now: true })), call(installedAws())])) {
        assert.equal(r.status, 0, r.stderr);
        writeFileSync(join(dir, 'blob.bin'), Buffer.from(r.stdout.trim(), 'base64'));
        assert.equal(Buffer.from((await both(decrypt, { cwd: dir })).stdout.trim(), 'base64').toString(), expected);
      }
    }
  });

  test('the caller’s environment: a profile from the config file it names', async () => {
    const config = join(dir, 'config');
    writeFileSync(config, '[profile plain]\noutput = text\n');
    const args = ['--endpoint-url', server.url, 'kms', 'list-aliases', '--query', "Aliases[?AliasName=='alias/started'].AliasName"];
    assert.equal((await both(args)).stdout.replace(/\s/g, ''), '["alias/started"]');
    assert.equal((await both(args, { env: { AWS_CONFIG_FILE: config, AWS_PROFILE: 'plain' } })).stdout, 'alias/started\n');
  });
});
