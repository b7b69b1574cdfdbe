import { CONNECTION_STATES, connectionError } from './connection-errors.js';

// Where the custom key store page gets its findings: this one function. `keywarden doctor` (its
// rules return findings of the same shape) takes its place here once the service can run it for
// the caller; until then the findings are read from the store's own connection state and
// ConnectionErrorCode, which is what DescribeCustomKeyStores tells anyone.

/**
 * @typedef {{
 *   severity: 'error' | 'warning' | 'info',
 *   code: string,
 *   cause: string,
 *   evidence: Record<string, unknown>,
 *   fix: Array<{ tool: string, commands: string[] }>,
 *   repair?: string,
 * }} Finding
 */

/** Who produced the findings, shown above them. */
export const FINDINGS_SOURCE = 'the key store\'s connection state (DescribeCustomKeyStores)';

/**
 * The findings for one custom key store.
 * @param {{ call: Function }} _api the signed API, for a source that needs more than the store
 * @param {object} store the store's DescribeCustomKeyStores entry
 * @returns {Promise<Finding[]>}
 */
export async function findingsFor(_api, store) {
  const evidence = {
    ConnectionState: store.ConnectionState,
    ConnectionErrorCode: store.ConnectionErrorCode,
    CloudHsmClusterId: store.CloudHsmClusterId,
  };
  if (store.ConnectionState === 'FAILED') {
    const code = store.ConnectionErrorCode ?? 'FAILED';
    const { cause, repair } = connectionError(code);
    return [{ severity: 'error', code, cause, evidence, fix: [], repair }];
  }
  if (store.ConnectionState === 'DISCONNECTED') {
    return [{ severity: 'info', code: 'DISCONNECTED', cause: CONNECTION_STATES.DISCONNECTED, evidence, fix: [], repair: 'Connect the key store.' }];
  }
  return [];
}
