import { spawnSync } from 'node:child_process';

export const TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
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
  const r = spawnSync('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], {
    env: { ...process.env, ...TEST_ENV, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  let json: unknown;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
