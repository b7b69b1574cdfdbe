// Runs the boto3 scripts of test/e2e/py against a test server: each prints one JSON line saying
// which of its steps passed, and exits 1 when one failed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TEST_ENV } from './aws-cli.js';
import { PYTHON } from './tools.js';
import { ROOT, type TestServer } from './server.js';

export const PY = join(ROOT, 'test', 'e2e', 'py');

export interface ScriptReport {
  script: string;
  ok: boolean;
  passed: string[];
  failed: { step: string; error: string }[];
}

/** Runs `python3 test/e2e/py/<script> <endpoint> [args]`; returns its exit code, its JSON line and stderr. */
export function runScript(server: TestServer, script: string, args: string[] = []): Promise<{ status: number | null; report?: ScriptReport; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(PY, script), server.url, ...args], {
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

/** The script ran every step in `expectedSteps`, in order, and the server logged no internal failure. */
export async function assertScriptPasses(server: TestServer, script: string, expectedSteps: string[], args: string[] = []) {
  const r = await runScript(server, script, args);
  assert.ok(r.report, `${script} printed no JSON report (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const failures = r.report.failed.map((f) => `  ${f.step}: ${f.error}`).join('\n');
  assert.deepEqual(r.report.failed, [], `${script} failed steps:\n${failures}\n--- stderr ---\n${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.report.ok, true);
  assert.equal(r.report.script, script.replace(/\.py$/, ''));
  assert.deepEqual(r.report.passed, expectedSteps);
  assert.doesNotMatch(server.output(), /request \S+ failed|background task failed/, 'the server logged an internal failure');
}
