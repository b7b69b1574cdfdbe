import { newestBackup } from '../procedures.js';
import type { StoreFacts } from '../facts.js';
import { fixOf, type FixStep, GUIDE } from '../finding.js';
import {
  activeHsms,
  clusterEvidence,
  clusterGone,
  clusterOf,
  describeEvent,
  failedWith,
  isoTime,
  listed,
  plural,
  restoreSteps,
  type RuleContext,
  storeEvents,
  storeEvidence,
  zonesForHsms,
} from './context.js';

// The store's cluster: whether it exists, is ACTIVE, has active HSMs in two Availability Zones,
// and has subnets in two zones. "How to fix a failing KMS key" covers a connected store whose
// cluster lost its HSMs or was deleted; for a store that is not connected, the same facts say how
// the next connection attempt will end. A FAILED store whose code already names the cause is left
// to the connection rule.

export function clusterRule(store: StoreFacts, ctx: RuleContext): void {
  if (!store.cluster.ok) {
    ctx.out.unchecked({
      check: `cluster ${store.clusterId}: its state, HSMs and Availability Zones`,
      customKeyStoreId: store.id,
      reason: store.cluster.reason,
      commands: { awsCli: [ctx.cmd.aws('cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${store.clusterId}`)], cloudhsmCli: [], legacyTools: [] },
      essential: true,
    });
    return;
  }
  if (clusterGone(store)) return deleted(store, ctx);
  const c = clusterOf(store)!;
  const connected = store.connectionState === 'CONNECTED';

  if (c.state !== 'ACTIVE') {
    const changing = c.state.endsWith('_IN_PROGRESS');
    const refused = storeEvents(store, ctx).find((e) => e.name === 'ConnectCustomKeyStore' && !e.service && e.errorCode === 'CloudHsmClusterNotActiveException');
    const evidence = { ...storeEvidence(store), ...clusterEvidence(store) };
    if (refused) evidence['CloudTrail.ConnectCustomKeyStore'] = `${describeEvent(refused)}: ${refused.errorCode}`;
    const steps: FixStep[] = [];
    if (changing) steps.push(ctx.proc.waitForActive(c.id));
    else if (c.state === 'UNINITIALIZED' || c.state === 'INITIALIZED') {
      steps.push({
        say: `Initialize cluster ${c.id} (sign its CSR with your CA) and activate it, as the CloudHSM guide describes; then wait until it is ACTIVE.`,
        awsCli: [ctx.cmd.aws('cloudhsmv2', 'initialize-cluster', '--cluster-id', c.id, '--signed-cert', 'file://<cluster-id>_CustomerHsmCertificate.crt', '--trust-anchor', 'file://customerCA.crt'), ctx.proc.waitForActive(c.id).awsCli![0]!],
        cloudhsmCli: [ctx.cmd.launch('cloudhsmCli', c.id), ctx.cmd.cli('cluster activate'), ctx.cmd.cli('quit')],
      });
    } else steps.push({ ...ctx.proc.waitForActive(c.id), say: `Find out why cluster ${c.id} is ${c.state} (its StateMessage, its HSMs) and wait until it is ACTIVE.` });
    if (store.connectionState === 'FAILED') steps.push(ctx.proc.disconnect(store.id));
    if (!connected) steps.push(ctx.proc.connect(store.id));
    ctx.out.add({
      severity: connected ? (changing ? 'info' : 'warning') : 'error',
      code: 'CLUSTER_NOT_ACTIVE',
      customKeyStoreId: store.id,
      title: `cluster ${c.id} is ${c.state}, not ACTIVE`,
      cause: connected
        ? `Cluster ${c.id} is ${c.state}. The store stays connected, but ${changing ? 'the change must finish before' : 'until it is ACTIVE again'} the store can be reconnected if it disconnects.`
        : `ConnectCustomKeyStore is refused at once with CloudHsmClusterNotActiveException while cluster ${c.id} is ${c.state}; the store stays ${store.connectionState}.${changing ? ' Wait until the change is done.' : ''}`,
      evidence,
      fix: fixOf(steps),
      guide: GUIDE.connection,
    });
  }

  const zones = Object.keys(c.subnetMapping);
  if (zones.length < 2) {
    ctx.out.add({
      severity: connected ? 'warning' : 'error',
      code: 'SUBNETS_IN_ONE_ZONE',
      customKeyStoreId: store.id,
      title: `cluster ${c.id} has private subnets in ${plural(zones.length, 'Availability Zone')}`,
      cause: `A custom key store needs a cluster with private subnets in at least two Availability Zones; connecting is refused (CloudHsmClusterInvalidConfigurationException) otherwise. A cluster's subnets cannot be changed: use a cluster created from its backup in subnets of two or more zones.`,
      evidence: { ...storeEvidence(store), 'DescribeClusters.SubnetMapping': zones.map((az) => `${az}=${c.subnetMapping[az]}`).join(', ') || 'none' },
      fix: fixOf(restoreSteps(store, ctx, { disconnectFirst: store.connectionState !== 'DISCONNECTED' })),
      guide: GUIDE.connection,
    });
  }

  const active = activeHsms(c);
  if (active.length === 0) {
    if (failedWith(store, 'INSUFFICIENT_CLOUDHSM_HSMS')) return;
    const creating = c.hsms.filter((h) => h.state === 'CREATE_IN_PROGRESS');
    const steps: FixStep[] = creating.length > 0 ? [{ ...ctx.proc.addHsms(c.id, []), say: `Wait until the ${plural(creating.length, 'HSM')} being created ${creating.length === 1 ? 'is' : 'are'} ACTIVE.` }] : [ctx.proc.addHsms(c.id, zonesForHsms(c, 2))];
    if (store.connectionState === 'FAILED') steps.push(ctx.proc.disconnect(store.id));
    if (!connected) steps.push(ctx.proc.connect(store.id));
    ctx.out.add({
      severity: 'error',
      code: 'NO_ACTIVE_HSMS',
      customKeyStoreId: store.id,
      title: `cluster ${c.id} has no active HSM`,
      cause: connected
        ? `All HSMs were deleted from cluster ${c.id}. The store still shows CONNECTED, but every cryptographic operation with its keys fails ("KMS cannot communicate with your CloudHSM cluster"): it needs at least one active HSM. Add HSMs, best in different Availability Zones; the store need not reconnect.`
        : `Cluster ${c.id} has no active HSM, so connecting will fail with INSUFFICIENT_CLOUDHSM_HSMS. Add at least one HSM (two, in different Availability Zones, to create keys).`,
      evidence: { ...storeEvidence(store), ...clusterEvidence(store) },
      fix: fixOf(steps),
      guide: connected ? GUIDE.failing : GUIDE.connection,
    });
    return;
  }
  const activeZones = new Set(active.map((h) => h.availabilityZone));
  if (activeZones.size < 2) {
    ctx.out.add({
      severity: 'warning',
      code: 'HSMS_IN_ONE_ZONE',
      customKeyStoreId: store.id,
      title: `cluster ${c.id} has ${plural(active.length, 'active HSM')} in ${listed([...activeZones])} only`,
      cause: `Creating a KMS key in the store needs two active HSMs in different Availability Zones (CreateKey fails with CloudHsmClusterInvalidConfigurationException otherwise), and one zone gives no redundancy: losing it makes every key unusable.`,
      evidence: { ...storeEvidence(store), ...clusterEvidence(store) },
      fix: fixOf(ctx.proc.addHsms(c.id, zonesForHsms(c, 1))),
      guide: GUIDE.failing,
    });
  }
}

function deleted(store: StoreFacts, ctx: RuleContext): void {
  if (failedWith(store, 'CLUSTER_NOT_FOUND')) return;
  const connected = store.connectionState === 'CONNECTED';
  const backups = store.backups.ok ? store.backups.value : [];
  const backup = newestBackup(backups);
  ctx.out.add({
    severity: 'error',
    code: 'CLUSTER_DELETED',
    customKeyStoreId: store.id,
    title: `cluster ${store.clusterId} was deleted`,
    cause:
      (connected
        ? `The cluster associated with the store was deleted. The store still shows CONNECTED, but every cryptographic operation with its keys fails ("KMS cannot communicate with your CloudHSM cluster").`
        : `The cluster associated with the store was deleted, so connecting will fail with CLUSTER_NOT_FOUND.`) +
      ` Create a cluster from a backup related to it (a backup of it, or the one it was created from), and point the store at the new cluster.` +
      (backup ? ` The newest backup is ${backup.id} (${isoTime(backup.createdAt)}).` : ' Doctor found no READY backup of it.'),
    evidence: { ...storeEvidence(store), ...clusterEvidence(store), 'DescribeBackups.READY': backups.filter((b) => b.state === 'READY').length },
    fix: fixOf(restoreSteps(store, ctx, { disconnectFirst: store.connectionState !== 'DISCONNECTED', ...(backup ? { backup } : {}) })),
    guide: connected ? GUIDE.failing : GUIDE.connection,
  });
}
