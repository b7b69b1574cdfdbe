import type { DoctorFacts } from './facts.js';
import { type Finding, Findings, type NotChecked, type Severity } from './finding.js';
import { clusterRule } from './rules/cluster.js';
import { connectionRule } from './rules/connection.js';
import { isoTime, type Rule, ruleContext } from './rules/context.js';
import { cryptoFailureRule } from './rules/crypto-failures.js';
import { keysRule } from './rules/keys.js';
import { faultsRule, kmsuserRule } from './rules/kmsuser.js';
import { networkRule } from './rules/network.js';
import { orphansRule } from './rules/orphans.js';
import { trustAnchorRule } from './rules/trust-anchor.js';

// The guide's decision paths, in its order: the connection state and its code, the cluster, its
// network, the trust anchor, what CloudTrail saw, the keys, orphaned material, kmsuser. Each rule
// is a pure function of the facts; this runs them and sums up.

const RULES: Rule[] = [connectionRule, clusterRule, networkRule, trustAnchorRule, cryptoFailureRule, keysRule, orphansRule, kmsuserRule, faultsRule];

export type Status = 'healthy' | 'findings' | 'could-not-check';

export interface StoreSummary {
  customKeyStoreId: string;
  customKeyStoreName: string;
  cloudHsmClusterId: string;
  connectionState: string;
  connectionErrorCode?: string;
  /** Keys doctor read in the store (absent when it could not read them). */
  keys?: number;
  unavailableKeys?: number;
}

/** What `keywarden doctor --json` prints. */
export interface Report {
  checkedAt: string;
  region: string;
  endpoint: string | null;
  deep: boolean;
  keyId?: string;
  status: Status;
  /** 0 healthy, 1 findings (errors or warnings), 2 could not check. */
  exitCode: 0 | 1 | 2;
  customKeyStores: StoreSummary[];
  findings: Finding[];
  notChecked: NotChecked[];
  /** Why nothing could be checked, when that is the case. */
  problem?: string;
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function diagnose(facts: DoctorFacts): Report {
  const out = new Findings();
  const ctx = ruleContext(facts, out);
  for (const store of facts.stores) for (const rule of RULES) rule(store, ctx);
  if (!facts.trail.ok) {
    out.unchecked({
      check: 'recent key store and key events in CloudTrail (connections, failed cryptographic calls, backing keys, deletions)',
      reason: facts.trail.reason,
      commands: { awsCli: [ctx.cmd.aws('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventSource,AttributeValue=kms.amazonaws.com', '--max-results', '50')], cloudhsmCli: [], legacyTools: [] },
      essential: false,
    });
  }
  if (facts.keysNotRead) {
    out.unchecked({ check: 'every KMS key of the account', reason: facts.keysNotRead, commands: { awsCli: [ctx.cmd.aws('kms', 'list-keys')], cloudhsmCli: [], legacyTools: [] }, essential: false });
  }
  const storeOrder = new Map(facts.stores.map((s, i) => [s.id, i]));
  const findings = out.findings
    .filter((f) => facts.focusKeyId === undefined || f.keyId === undefined || f.keyId === facts.focusKeyId)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => (storeOrder.get(a.f.customKeyStoreId ?? '') ?? -1) - (storeOrder.get(b.f.customKeyStoreId ?? '') ?? -1) || ORDER[a.f.severity] - ORDER[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
  const broken = findings.some((f) => f.severity !== 'info');
  const blind = out.notChecked.some((n) => n.essential);
  const report: Report = {
    checkedAt: isoTime(facts.checkedAt) ?? new Date(facts.checkedAt).toISOString(),
    region: facts.region,
    endpoint: facts.endpoint ?? null,
    deep: facts.deep,
    status: broken ? 'findings' : blind ? 'could-not-check' : 'healthy',
    exitCode: broken ? 1 : blind ? 2 : 0,
    customKeyStores: facts.stores.map((s) => {
      const summary: StoreSummary = { customKeyStoreId: s.id, customKeyStoreName: s.name, cloudHsmClusterId: s.clusterId, connectionState: s.connectionState };
      if (s.connectionErrorCode) summary.connectionErrorCode = s.connectionErrorCode;
      if (s.keys.ok) {
        summary.keys = s.keys.value.length;
        summary.unavailableKeys = s.keys.value.filter((k) => k.state === 'Unavailable').length;
      }
      return summary;
    }),
    findings,
    notChecked: out.notChecked,
  };
  if (facts.focusKeyId !== undefined) report.keyId = facts.focusKeyId;
  return report;
}

/** The report when the first reads failed and nothing could be judged. */
export function couldNotCheck(opts: { checkedAt: number; region: string; endpoint?: string; deep: boolean; keyId?: string }, problem: string): Report {
  const report: Report = {
    checkedAt: isoTime(opts.checkedAt) ?? new Date(opts.checkedAt).toISOString(),
    region: opts.region,
    endpoint: opts.endpoint ?? null,
    deep: opts.deep,
    status: 'could-not-check',
    exitCode: 2,
    customKeyStores: [],
    findings: [],
    notChecked: [],
    problem,
  };
  if (opts.keyId !== undefined) report.keyId = opts.keyId;
  return report;
}
