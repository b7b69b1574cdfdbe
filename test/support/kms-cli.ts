import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsAsync } from './aws-cli.js';

export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const ARN_PREFIX = `arn:aws:kms:${REGION}:${ACCOUNT}`;
export const keyArn = (id: string) => `${ARN_PREFIX}:key/${id}`;
export const aliasArn = (name: string) => `${ARN_PREFIX}:${name}`;
export const b64 = (s: string) => Buffer.from(s, 'base64');
export const nowSeconds = () => Date.now() / 1000;

export function assertNear(actual: unknown, expected: number, toleranceSeconds: number, what: string) {
  assert.equal(typeof actual, 'number', `${what} should be an epoch-seconds number, got ${JSON.stringify(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) <= toleranceSeconds, `${what} ${actual} is not within ${toleranceSeconds}s of ${expected}`);
}

/**
 * `aws kms …` against a test server, as assertions: `kms` must succeed and returns its JSON
 * output; `kmsFails` must fail with the given error from the given operation and returns the
 * message; `fileb` writes bytes to a file and returns the `fileb://` argument AWS CLI v1 takes
 * for blobs. The endpoint and work directory are read when called, so they may be set in `before`.
 */
export function kmsCli(endpoint: () => string, workDir: () => string) {
  let files = 0;
  return {
    async kms(...args: string[]): Promise<any> {
      const r = await awsAsync(endpoint(), ['kms', ...args]);
      assert.equal(r.status, 0, `aws kms ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
      return r.json ?? {};
    },
    async kmsFails(operation: string, errorType: string, ...args: string[]): Promise<string> {
      const r = await awsAsync(endpoint(), ['kms', ...args]);
      assert.notEqual(r.status, 0, `aws kms ${args.join(' ')} should have failed, printed:\n${r.stdout}`);
      // With max attempts 1 the CLI adds "(reached max retries: 0)" before the colon.
      const m = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?(.*)$/s.exec(r.stderr.trim());
      assert.ok(m, `not an AWS service error on stderr:\n${r.stderr}`);
      assert.equal(m[2], operation, r.stderr);
      assert.equal(m[1], errorType, `expected ${errorType}, got:\n${r.stderr}`);
      return m[3]!.trim();
    },
    fileb(bytes: Buffer | string): string {
      const path = join(workDir(), `blob-${++files}.bin`);
      writeFileSync(path, bytes);
      return `fileb://${path}`;
    },
  };
}
