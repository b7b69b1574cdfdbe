import type { StoreFacts, TrailEvent } from '../facts.js';
import { type EvidenceValue, fixOf, type FixStep, GUIDE } from '../finding.js';
import { activeHsms, clusterGone, clusterOf, describeEvent, faultsOf, keysOf, type RuleContext, storeEvidence } from './context.js';
import { concernsStore, newestFirst } from '../trail.js';

// "How to respond to a cryptographic operation failure": while a store is CONNECTED, calls with
// its keys can still fail, and CloudTrail keeps the answer. A failure counts only while it is the
// newest call of its operation for the store and no call of any operation succeeded in a later
// second. CloudTrail may not name the key of a failed call (a Decrypt finds its key in the
// ciphertext): such a failure with one of the guide's messages is laid at the door of the
// connected stores, and the evidence says so.

export const CRYPTO_OPERATIONS = ['Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateRandom', 'CreateKey'] as const;

type Kind = 'CANNOT_COMMUNICATE' | 'KMSUSER_LOCKED_OUT' | 'NO_PKCS11_SESSIONS';

export function failureKind(e: TrailEvent): Kind | undefined {
  const m = e.errorMessage ?? '';
  if (!e.errorCode) return undefined;
  if (/kmsuser is locked out/i.test(m)) return 'KMSUSER_LOCKED_OUT';
  if (/cannot communicate with your (AWS )?CloudHSM cluster/i.test(m)) return 'CANNOT_COMMUNICATE';
  if (/PKCS ?#? ?11 sessions?/i.test(m)) return 'NO_PKCS11_SESSIONS';
  return undefined;
}

export function cryptoFailureRule(store: StoreFacts, ctx: RuleContext): void {
  if (store.connectionState !== 'CONNECTED' || !ctx.facts.trail.ok) return;
  const keyIds = new Set(keysOf(store).map((k) => k.id));
  const connectedStores = ctx.facts.stores.filter((s) => s.connectionState === 'CONNECTED').length;
  const mine = (e: TrailEvent) => concernsStore(e, store.id, keyIds, ctx.facts.aliases);
  const unattributed = (e: TrailEvent) => e.customKeyStoreId === undefined && e.keyRefs.length === 0;
  const events = ctx.facts.trail.value
    .filter((e) => (CRYPTO_OPERATIONS as readonly string[]).includes(e.name))
    .filter((e) => {
      if (mine(e)) return true;
      const kind = failureKind(e);
      if (!kind || !unattributed(e)) return false;
      // The sessions message names its cluster.
      const named = /cluster (cluster-[a-z0-9]+)/.exec(e.errorMessage ?? '')?.[1];
      return named === undefined || named === store.clusterId;
    })
    .sort(newestFirst);

  const newestSuccess = events.find((e) => !e.errorCode && mine(e));
  const current = new Map<Kind, TrailEvent[]>();
  for (const name of CRYPTO_OPERATIONS) {
    const newest = events.find((e) => e.name === name);
    const kind = newest && failureKind(newest);
    if (!newest || !kind) continue;
    // A success in a later second shows the cluster answered since.
    if (newestSuccess && Math.floor(newestSuccess.time / 1000) > Math.floor(newest.time / 1000)) continue;
    current.set(kind, [...(current.get(kind) ?? []), newest]);
  }

  const c = clusterOf(store);
  // A deleted cluster, or one without HSMs, has its own finding that explains these failures.
  const explained = clusterGone(store) || (c !== undefined && activeHsms(c).length === 0);
  for (const [kind, failures] of current) {
    if (kind === 'CANNOT_COMMUNICATE' && explained) continue;
    const evidence: Record<string, EvidenceValue> = { ...storeEvidence(store) };
    failures.forEach((f, i) => {
      evidence[`CloudTrail.${f.name}${failures.length > 1 ? ` [${i}]` : ''}`] = `${describeEvent(f)}: ${f.errorCode}: ${f.errorMessage}`;
    });
    if (failures.some(unattributed)) {
      evidence['CloudTrail.attribution'] =
        connectedStores === 1 ? 'the failed call names no key; this is the only CONNECTED store' : `the failed call names no key; ${connectedStores} stores are CONNECTED, it may belong to another`;
    }
    if (newestSuccess) evidence['CloudTrail.newest success'] = describeEvent(newestSuccess);
    ctx.out.add(finding(kind, store, evidence, ctx));
  }
}

function finding(kind: Kind, store: StoreFacts, evidence: Record<string, EvidenceValue>, ctx: RuleContext) {
  const c = clusterOf(store);
  const faults = faultsOf(store, ctx);
  const base = { customKeyStoreId: store.id, evidence, guide: GUIDE.crypto };
  switch (kind) {
    case 'CANNOT_COMMUNICATE': {
      const cut = faults.find((f) => f.fault === 'NETWORK_CUT');
      if (cut) evidence['KeywardenAdmin.ListFaults'] = `NETWORK_CUT on ${store.clusterId}`;
      const steps: FixStep[] = [
        { say: 'Retry the request: this is often a passing network problem.' },
        c ? ctx.proc.networkChecks(c) : { say: 'Check the network path to the cluster.' },
      ];
      if (cut) steps.push({ say: 'Restore the network path Keywarden cut.', keywarden: [ctx.cmd.keywarden('fault', 'restore-network', '--cluster-id', store.clusterId)] });
      return {
        ...base,
        severity: 'error' as const,
        code: 'CRYPTO_CANNOT_COMMUNICATE',
        title: `cryptographic calls with keys of ${store.name} fail: KMS cannot communicate with cluster ${store.clusterId}`,
        cause: `The store is CONNECTED, but the newest cryptographic calls failed with KMSInvalidStateException "KMS cannot communicate with your CloudHSM cluster". It can be a passing network issue; if it keeps failing, a networking component blocks the traffic between KMS and the HSMs, most likely a security group rule or network ACL of the cluster's VPC.${cut ? ' Keywarden has the network path to this cluster cut (fault NETWORK_CUT).' : ''}`,
        fix: fixOf(steps),
      };
    }
    case 'KMSUSER_LOCKED_OUT':
      return {
        ...base,
        severity: 'error' as const,
        code: 'CRYPTO_KMSUSER_LOCKED_OUT',
        title: `cryptographic calls with keys of ${store.name} fail: kmsuser is locked out of ${store.clusterId}`,
        cause: `The newest cryptographic calls failed with KMSInvalidStateException "KMS cannot communicate with your AWS CloudHSM cluster because the kmsuser is locked out": too many failed password attempts locked the kmsuser crypto user, and a locked user cannot use its keys even through the session KMS holds. Disconnect the store, have an admin set a new kmsuser password (which unlocks it), give the store that password, and connect.`,
        fix: fixOf(ctx.proc.disconnect(store.id), ctx.proc.resetKmsuserPassword(store.clusterId), ctx.proc.updatePassword(store.id), ctx.proc.connect(store.id)),
        guide: GUIDE.crypto,
      };
    case 'NO_PKCS11_SESSIONS': {
      const limit = faults.find((f) => f.fault === 'SESSION_LIMIT');
      if (limit) evidence['KeywardenAdmin.ListFaults'] = `SESSION_LIMIT on ${store.clusterId}: ${limit.sessionsPerHsm} per HSM`;
      const steps: FixStep[] = [
        { say: 'Back off and retry: AWS SDKs and the AWS CLI retry KMSInternalException themselves with backoff.' },
        {
          say: 'End CloudHSM tool sessions left open on the cluster: each holds a session on every HSM (log out as whoever is logged in).',
          cloudhsmCli: [ctx.cmd.launch('cloudhsmCli', store.clusterId), ctx.cmd.cli('logout'), ctx.cmd.cli('quit')],
          legacyTools: [ctx.cmd.launch('keyMgmtUtil', store.clusterId), ctx.cmd.kmu('logoutHSM'), ctx.cmd.kmu('exit')],
        },
      ];
      if (limit) steps.push({ say: 'Lift the session limit Keywarden set.', keywarden: [ctx.cmd.keywarden('fault', 'clear', '--cluster-id', store.clusterId, '--fault', 'SESSION_LIMIT')] });
      return {
        ...base,
        severity: 'warning' as const,
        code: 'CRYPTO_NO_PKCS11_SESSIONS',
        title: `cryptographic calls with keys of ${store.name} fail: cluster ${store.clusterId} has no free PKCS #11 session`,
        cause: 'The newest cryptographic calls failed with KMSInternalException: the cluster had no available PKCS #11 sessions, which happens in bursts of traffic that need more sessions than the HSMs hold. Back off and retry the request.',
        fix: fixOf(steps),
        guide: GUIDE.failing,
      };
    }
  }
}
