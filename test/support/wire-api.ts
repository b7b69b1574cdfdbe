import assert from 'node:assert/strict';
import { signedCall } from './signed-request.js';

/**
 * An AWS JSON service as the wire answers it, from this process: the JSON the AWS CLI prints for
 * the same call (`--output json`: member names as AWS spells them, blobs in base64, dates in epoch
 * seconds), for tests whose subject is not the CLI itself. `call` must succeed and returns the
 * answer; `fails` must fail with the given error and returns its message. The endpoint is read
 * when called, so it may be set in `before`.
 */
function wireApi(endpoint: () => string, targetPrefix: string, signingName: string, region: string) {
  const send = (operation: string, input: Record<string, unknown>) =>
    signedCall(endpoint(), `${targetPrefix}.${operation}`, input, { region, service: signingName });
  return {
    async call(operation: string, input: Record<string, unknown> = {}): Promise<any> {
      const r = await send(operation, input);
      assert.equal(r.status, 200, `${operation} ${JSON.stringify(input)} answered ${r.status}: ${r.text}`);
      return r.json ?? {};
    },
    async fails(operation: string, errorType: string, input: Record<string, unknown> = {}): Promise<string> {
      const r = await send(operation, input);
      assert.notEqual(r.status, 200, `${operation} ${JSON.stringify(input)} should have failed, answered: ${r.text}`);
      assert.equal(r.json?.__type, errorType, `${operation}: expected ${errorType}, got ${r.text}`);
      return String(r.json.message ?? r.json.Message ?? '');
    },
  };
}

/** KMS (`kms`, `kmsFails`); blobs in the input are base64 strings (`b64in`). */
export function kmsApi(endpoint: () => string, region = 'us-east-1') {
  const api = wireApi(endpoint, 'TrentService', 'kms', region);
  return { kms: api.call, kmsFails: api.fails };
}

/** CloudHSM v2 (`hsm`, `hsmFails`). */
export function cloudHsmApi(endpoint: () => string, region = 'us-east-1') {
  const api = wireApi(endpoint, 'BaldrApiService', 'cloudhsm', region);
  return { hsm: api.call, hsmFails: api.fails };
}

/** Keywarden's admin API (`admin`), as `keywarden network|cluster|fault|clock` call it. */
export function adminApi(endpoint: () => string, region = 'us-east-1') {
  return { admin: wireApi(endpoint, 'KeywardenAdmin', 'keywarden', region).call };
}

/** Bytes or text as a blob member of a request. */
export const b64in = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64');
