import type { StoreFacts } from '../facts.js';
import { type EvidenceValue, fixOf, type FixStep, GUIDE } from '../finding.js';
import type { Orphan } from '../procedures.js';
import { describeEvent, listed, plural, type RuleContext, storeEvidence } from './context.js';

// "How to delete orphaned key material": KMS reports its attempt to delete the key material of a
// deleted key in the DeleteKey event (additionalEventData.backingKeysDeletionStatus); FAILURE
// means the material is still in the cluster, and only kmsuser can delete it. CloudTrail cannot
// say whether someone has deleted it since, so the fix starts by looking.

export function orphansRule(store: StoreFacts, ctx: RuleContext): void {
  if (ctx.facts.focusKeyId !== undefined) return;
  if (!ctx.facts.trail.ok) {
    ctx.out.unchecked({
      check: `orphaned key material of ${store.name} (DeleteKey events with deletionStatus FAILURE)`,
      customKeyStoreId: store.id,
      reason: ctx.facts.trail.reason,
      commands: {
        awsCli: [ctx.cmd.aws('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=DeleteKey', `--query 'Events[].CloudTrailEvent'`, '--output text')],
        cloudhsmCli: [],
        legacyTools: [],
      },
      essential: false,
    });
    return;
  }
  const byCluster = new Map<string, Array<Orphan & { at: string }>>();
  for (const e of ctx.facts.trail.value) {
    if (e.name !== 'DeleteKey' || e.customKeyStoreId !== store.id) continue;
    for (const b of e.backingKeys) {
      if (b.deletionStatus !== 'FAILURE') continue;
      const cluster = e.clusterId || store.clusterId;
      const list = byCluster.get(cluster) ?? [];
      if (list.some((o) => o.backingKeyId === b.backingKeyId)) continue;
      list.push({ backingKeyId: b.backingKeyId, keyHandle: b.keyHandle, keyArn: e.keyRefs.find((r) => r.startsWith('arn:')), at: describeEvent(e) });
      byCluster.set(cluster, list);
    }
  }
  if (byCluster.size === 0) return;
  const all = [...byCluster.values()].flat();
  const evidence: Record<string, EvidenceValue> = { ...storeEvidence(store) };
  for (const [cluster, orphans] of byCluster) {
    for (const o of orphans) {
      evidence[`CloudTrail.DeleteKey ${o.keyArn ?? ''}`.trim()] = `${o.at}: backingKeyId ${o.backingKeyId}${o.keyHandle ? `, keyHandle ${o.keyHandle}` : ''}, deletionStatus FAILURE, cluster ${cluster}`;
    }
  }
  const disconnected = store.connectionState !== 'CONNECTED';
  const steps: FixStep[] = [];
  for (const [cluster, orphans] of byCluster) {
    steps.push({
      say: `See which of them are still in cluster ${cluster} (an admin can list every key object); if none is, there is nothing to do.`,
      cloudhsmCli: [
        ctx.cmd.launch('cloudhsmCli', cluster),
        ctx.cmd.cli('login --username admin --role admin'),
        ...orphans.map((o) => ctx.cmd.cli(`key list --filter attr.id=0x${o.backingKeyId}`)),
        ctx.cmd.cli('logout'),
        ctx.cmd.cli('quit'),
      ],
    });
    if (cluster === store.clusterId) steps.push(...ctx.proc.deleteOrphans(store.id, cluster, orphans, disconnected));
    else {
      // The material is in a cluster the store no longer uses: no disconnect is needed there.
      const [, reset, asKmsuser] = ctx.proc.deleteOrphans(store.id, cluster, orphans, false);
      steps.push({ ...reset!, say: `Cluster ${cluster} is no longer the store's: as an admin there, set a kmsuser password you know.` }, asKmsuser!);
    }
  }
  ctx.out.add({
    severity: 'warning',
    code: 'ORPHANED_KEY_MATERIAL',
    customKeyStoreId: store.id,
    title: `${plural(all.length, 'deleted key has', 'deleted keys have')} key material left in ${listed([...byCluster.keys()])}`,
    cause:
      `KMS deleted ${all.length === 1 ? 'a key' : 'keys'} of this store at the end of ${all.length === 1 ? 'its' : 'their'} waiting period but could not delete the key material from the cluster (the store was disconnected, or kmsuser's password had changed): ` +
      `the DeleteKey event${all.length === 1 ? ' shows' : 's show'} deletionStatus FAILURE for backing key ${listed(all.map((o) => `0x${o.backingKeyId}`))}. The material stays in the cluster (and in its backups) until kmsuser deletes it.`,
    evidence,
    fix: fixOf(steps),
    guide: GUIDE.orphaned,
  });
}
