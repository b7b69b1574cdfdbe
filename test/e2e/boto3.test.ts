// boto3 applications against a real Keywarden: the Python scripts in test/e2e/py drive the service
// and print one JSON line saying which steps passed; this file runs them and checks that line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_ENV } from '../support/aws-cli.js';
import { ROOT, startServer, type TestServer } from '../support/server.js';

const PY = join(ROOT, 'test', 'e2e', 'py');

let server: TestServer;

before(async () => {
  server = await startServer();
});

after(async () => {
  await server?.dispose();
});

interface ScriptReport {
  script: string;
  ok: boolean;
  passed: string[];
  failed: { step: string; error: string }[];
}

/** Runs `python3 test/e2e/py/<script> <endpoint>`; returns its exit code, its JSON line and stderr. */
function runScript(script: string): Promise<{ status: number | null; report?: ScriptReport; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(PY, script), server.url], {
      cwd: PY,
      env: { ...process.env, ...TEST_ENV, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      let report: ScriptReport | undefined;
      try {
        report = line ? (JSON.parse(line) as ScriptReport) : undefined;
      } catch {
        report = undefined;
      }
      resolve({ status, report, stdout, stderr });
    });
  });
}

async function assertScriptPasses(script: string, expectedSteps: string[]) {
  const r = await runScript(script);
  assert.ok(r.report, `${script} printed no JSON report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const failures = r.report.failed.map((f) => `  ${f.step}: ${f.error}`).join('\n');
  assert.deepEqual(r.report.failed, [], `${script} failed steps:\n${failures}\n--- stderr ---\n${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.report.ok, true);
  assert.equal(r.report.script, script.replace(/\.py$/, ''));
  assert.deepEqual(r.report.passed, expectedSteps);
  assert.doesNotMatch(server.output(), /request \S+ failed|background task failed/, 'the server logged an internal failure');
}

test('boto3 walk-through: keys, cryptography, paginators, aliases, rotation, deletion schedule', async () => {
  await assertScriptPasses('kms_walkthrough.py', [
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
  await assertScriptPasses('kms_errors.py', [
    'NotFoundException',
    'NotFoundException_other_region',
    'InvalidCiphertextException',
    'IncorrectKeyException',
    'DisabledException',
    'KMSInvalidStateException',
    'AlreadyExistsException',
    'UnsupportedOperationException',
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
      'python3',
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
