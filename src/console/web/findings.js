import { CONNECTION_STATES, connectionError } from './connection-errors.js';
import { MOVING } from './key-stores.js';

// Where the custom key store page gets its findings: this one function. The source is
// `keywarden doctor`, which the service runs for the signed-in caller (KeywardenAdmin.
// DiagnoseCustomKeyStore: doctor's reads go through the public API signed with the caller's own
// key, so they are authorized and in the audit trail as the caller's). When that call fails (a
// key refused keywarden:DiagnoseCustomKeyStore, a service without it), and while the store is on
// its way to another state (the page asks again every second then, and doctor reads a lot), the
// findings come from the store's own ConnectionState and ConnectionErrorCode, which is what
// DescribeCustomKeyStores tells anyone; the panel says which source it shows, and why.

/**
 * @typedef {{
 *   severity: 'error' | 'warning' | 'info',
 *   code: string,
 *   title?: string,
 *   cause: string,
 *   evidence: Record<string, unknown>,
 *   steps?: string[],
 *   fix: Array<{ tool: string, commands: string[] }>,
 *   repair?: string,
 *   guide?: string,
 * }} Finding
 * @typedef {{ check: string, reason: string, commands: Array<{ tool: string, commands: string[] }> }} NotChecked
 * @typedef {{ source: string, fallback?: string, findings: Finding[], notChecked: NotChecked[] }} Findings
 */

/** The two sources, as the panel names them. */
export const FINDINGS_SOURCE = 'keywarden doctor, run by the service with your access key (KeywardenAdmin.DiagnoseCustomKeyStore)';
export const STATE_SOURCE = "the key store's connection state (DescribeCustomKeyStores)";

/** Doctor's tools, in the order its fixes give them, with the names the panel shows. */
const TOOLS = [
  ['AwsCli', 'the AWS CLI'],
  ['CloudHsmCli', 'the CloudHSM CLI'],
  ['LegacyTools', 'cloudhsm_mgmt_util and key_mgmt_util'],
  ['Keywarden', 'keywarden'],
];

const perTool = (commands) => TOOLS.filter(([member]) => (commands?.[member] ?? []).length > 0).map(([member, tool]) => ({ tool, commands: commands[member] }));

/**
 * The findings for one custom key store.
 * @param {{ call: Function }} api the signed API
 * @param {object} store the store's DescribeCustomKeyStores entry
 * @returns {Promise<Findings>}
 */
export async function findingsFor(api, store) {
  if (MOVING.has(store.ConnectionState)) {
    return { source: STATE_SOURCE, fallback: `doctor runs once the store is no longer ${store.ConnectionState}`, findings: fromState(store), notChecked: [] };
  }
  let out;
  try {
    out = await api.call('keywarden', 'DiagnoseCustomKeyStore', { CustomKeyStoreId: store.CustomKeyStoreId });
  } catch (err) {
    return { source: STATE_SOURCE, fallback: `doctor could not run: ${err.message}`, findings: fromState(store), notChecked: [] };
  }
  if (out.Status === 'could-not-check' && (out.Findings ?? []).length === 0) {
    return { source: STATE_SOURCE, fallback: `doctor could not check the store: ${out.Problem ?? 'no read succeeded'}`, findings: fromState(store), notChecked: [] };
  }
  return {
    source: FINDINGS_SOURCE,
    findings: (out.Findings ?? []).map((f) => ({
      severity: f.Severity,
      code: f.Code,
      title: f.Title,
      cause: f.Cause,
      evidence: f.Evidence ?? {},
      steps: (f.Fix?.Steps ?? []).map((s) => s.Say),
      fix: perTool(f.Fix),
      guide: f.Guide,
    })),
    notChecked: (out.NotChecked ?? []).map((n) => ({ check: n.Check, reason: n.Reason, commands: perTool(n.Commands) })),
  };
}

/** What the store's own connection state and error code say. */
export function fromState(store) {
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
