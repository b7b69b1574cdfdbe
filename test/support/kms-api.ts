import assert from 'node:assert/strict';
import { signedCall } from './signed-request.js';

/**
 * The KMS API as the wire answers it, from this process: the JSON the AWS CLI prints for the
 * same call (`--output json`: member names as AWS spells them, blobs in base64, dates in epoch
 * seconds), for tests whose subject is not the CLI itself. `kms` must succeed and returns the
 * answer; `kmsFails` must fail with the given error and returns its message. Blobs in the input
 * are base64 strings (`b64in`). The endpoint is read when called, so it may be set in `before`.
 */
export function kmsApi(endpoint: () => string, region = 'us-east-1') {
  const send = (operation: string, input: Record<string, unknown>) => signedCall(endpoint(), `TrentService.${operation}`, input, { region, service: 'kms' });
  return {
    async kms(operation: string, input: Record<string, unknown> = {}): Promise<any> {
      const r = await send(operation, input);
      assert.equal(r.status, 200, `${operation} ${JSON.stringify(input)} answered ${r.status}: ${r.text}`);
      return r.json ?? {};
    },
    async kmsFails(operation: string, errorType: string, input: Record<string, unknown> = {}): Promise<string> {
      const r = await send(operation, input);
      assert.notEqual(r.status, 200, `${operation} ${JSON.stringify(input)} should have failed, answered: ${r.text}`);
      assert.equal(r.json?.__type, errorType, `${operation}: expected ${errorType}, got ${r.text}`);
      return String(r.json.message ?? '');
    },
  };
}

/** Bytes or text as a blob member of a request. */
export const b64in = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
