import { spawn, spawnSync } from 'node:child_process';
import { awsCli } from './tools.js';

export const TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  // A token from the developer's own AWS session would be one Keywarden never issued.
  AWS_SESSION_TOKEN: '',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '1',
  AWS_RETRY_MODE: 'standard',
  AWS_PAGER: '',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json?: any;
}

/** Runs the AWS CLI against a Keywarden endpoint: `aws --endpoint-url URL <args>`. */
export function aws(endpoint: string, args: string[], env: Record<string, string> = {}): CliResult {
  const r = spawnSync(awsCli(), ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    env: { ...process.env, ...TEST_ENV, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: parseJson(r.stdout) };
}

/** Runs a command without blocking, so independent calls can overlap; optional text on stdin. */
export function run(
  command: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...TEST_ENV, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, json: parseJson(stdout) }));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** `aws --endpoint-url URL --output json <args>`, without blocking. */
export const awsAsync = (endpoint: string, args: string[], env: Record<string, string> = {}) =>
  run(awsCli(), ['--endpoint-url', endpoint, '--output', 'json', ...args], { env });

function parseJson(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
