// boto3 applications against a real Keywarden: the Python scripts in test/e2e/py drive the service
// and print one JSON line saying which steps passed; this file runs them and checks that line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_ENV } from '../support/aws-cli.js';
import { assertScriptPasses, PY, type ScriptReport } from '../support/python-script.js';
import { startServer, type TestServer } from '../support/server.js';
import { PYTHON } from '../support/tools.js';

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.dispose();
});

test('boto3 walk-through: keys, cryptography, paginators, aliases, rotation, deletion schedule', async () => {
  await assertScriptPasses(server, 'kms_walkthrough.py', [
    'create_key',
    'describe_key',
    'encrypt_decrypt',
    'generate_data_key',
    're_encrypt',
    'list_keys_paginator',
    'aliases',
    'rotation',
    'deletion_schedule',
    'policy',
    'region_scope',
  ]);
});

test('boto3 raises the modelled exception classes with AWS messages and statuses', async () => {
  await assertScriptPasses(server, 'kms_errors.py', [
    'NotFoundException',
    'NotFoundException_other_region',
    'InvalidCiphertextException',
    'IncorrectKeyException',
    'DisabledException',
    'KMSInvalidStateException',
    'AlreadyExistsException',
    'UnsupportedOperationException',
    'InvalidGrantTokenException',
    'MalformedPolicyDocumentException',
    'TagException',
    'InvalidMarkerException',
    'LimitExceededException',
    'DryRunOperationException',
    'ValidationException',
    'UnrecognizedClientException',
    'InvalidSignatureException',
  ]);
});

test('a failing boto3 script is reported as a failure (the harness itself is not blind)', async () => {
  // A step that expects the wrong exception class must fail the script with exit 1 and name the step.
  const r = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(
      PYTHON,
      [
        '-c',
        [
          'import sys',
          `sys.path.insert(0, ${JSON.stringify(PY)})`,
          'from kwtest import client, expect, run',
          'kms = client(sys.argv[1])',
          "run('harness', [('wrong_class', lambda: expect(kms.exceptions.DisabledException, kms.describe_key, KeyId='00000000-1111-2222-3333-444444444444'))])",
        ].join('\n'),
        server.url,
      ],
      { env: { ...process.env, ...TEST_ENV, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout }));
  });
  assert.equal(r.status, 1);
  const report = JSON.parse(r.stdout.trim()) as ScriptReport;
  assert.equal(report.ok, false);
  assert.equal(report.failed[0]?.step, 'wrong_class');
  assert.match(report.failed[0]!.error, /expected DisabledException, got ClientError NotFoundException/);
});
