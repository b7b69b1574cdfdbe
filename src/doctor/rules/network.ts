import type { ClusterFacts, PermissionFacts, StoreFacts } from '../facts.js';
import { type EvidenceValue, fixOf, type FixStep, GUIDE } from '../finding.js';
import { clusterOf, failedWith, listed, restoreSteps, type RuleContext, storeEvidence, subnetsById } from './context.js';

// The cluster's network as EC2 shows it (or Keywarden's own list with --deep): every subnet of the
// cluster must exist and have a free address for KMS's network interface (two are preferable),
// and the cluster's security group must let TCP 2223-2225 through between KMS and the HSMs.

export const HSM_PORTS = { from: 2223, to: 2225 } as const;

export function networkRule(store: StoreFacts, ctx: RuleContext): void {
  const c = clusterOf(store);
  if (!c || c.state === 'DELETE_IN_PROGRESS' || c.state === 'DELETED') return;
  subnets(store, c, ctx);
  securityGroup(store, c, ctx);
}

function subnets(store: StoreFacts, c: ClusterFacts, ctx: RuleContext): void {
  const ids = Object.values(c.subnetMapping);
  if (ids.length === 0) return;
  const known = subnetsById(store);
  if (!known || !store.network.ok) {
    ctx.out.unchecked({
      check: `the subnets of cluster ${c.id} (${ids.join(', ')}): that they exist and have free addresses`,
      customKeyStoreId: store.id,
      reason: store.network.ok ? '' : store.network.reason,
      commands: { awsCli: [ctx.cmd.aws('ec2', 'describe-subnets', '--subnet-ids', ...ids, `--query 'Subnets[].[SubnetId,AvailabilityZone,AvailableIpAddressCount]'`, '--output text')], cloudhsmCli: [], legacyTools: [] },
      essential: false,
    });
    return;
  }
  const source = store.network.value.source;
  const connected = store.connectionState === 'CONNECTED';
  const evidence: Record<string, EvidenceValue> = { ...storeEvidence(store) };
  for (const [az, id] of Object.entries(c.subnetMapping)) evidence[`${source}.${id} (${az})`] = known.has(id) ? `${known.get(id)!.freeAddresses} free addresses` : 'not found';
  const restore = () => restoreSteps(store, ctx, { disconnectFirst: store.connectionState !== 'DISCONNECTED' });

  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0 && !failedWith(store, 'SUBNET_NOT_FOUND')) {
    ctx.out.add({
      severity: connected ? 'warning' : 'error',
      code: 'SUBNET_DELETED',
      customKeyStoreId: store.id,
      title: `subnet ${listed(missing)} of cluster ${c.id} was deleted`,
      cause:
        `At least one subnet in the cluster's configuration was deleted. ${connected ? 'The store is connected now, but the next connection attempt' : 'Connecting'} will fail with SUBNET_NOT_FOUND. ` +
        'A cluster\u2019s subnets cannot be changed: create a cluster from a recent backup of this one in subnets that exist, and point the store at it.',
      evidence,
      fix: fixOf(restore()),
      guide: GUIDE.connection,
    });
  }
  const empty = ids.filter((id) => known.has(id) && known.get(id)!.freeAddresses < 1);
  const one = ids.filter((id) => known.get(id)?.freeAddresses === 1);
  if (empty.length > 0 && !failedWith(store, 'INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET')) {
    const steps: FixStep[] = [freeAddresses(empty, ctx)];
    if (store.connectionState === 'FAILED') steps.push(ctx.proc.disconnect(store.id));
    if (!connected) steps.push(ctx.proc.connect(store.id));
    ctx.out.add({
      severity: connected ? 'warning' : 'error',
      code: 'NO_FREE_ADDRESSES',
      customKeyStoreId: store.id,
      title: `subnet ${listed(empty)} of cluster ${c.id} has no free IP address`,
      cause: `KMS needs one free IP address in every private subnet of the cluster to connect. ${connected ? 'The next connection attempt' : 'Connecting'} will fail with INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET. Addresses cannot be added to a subnet: free some, or move to a cluster created from a recent backup in subnets with room.`,
      evidence,
      fix: fixOf(steps),
      guide: GUIDE.connection,
    });
  } else if (one.length > 0) {
    ctx.out.add({
      severity: 'warning',
      code: 'FEW_FREE_ADDRESSES',
      customKeyStoreId: store.id,
      title: `subnet ${listed(one)} of cluster ${c.id} has only one free IP address`,
      cause: 'A connection needs one free IP address in each subnet of the cluster, and two are preferable: anything else that takes the last one makes the next connection fail with INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET.',
      evidence,
      fix: fixOf(freeAddresses(one, ctx)),
      guide: GUIDE.connection,
    });
  }
}

function freeAddresses(ids: string[], ctx: RuleContext): FixStep {
  return {
    say: `Free addresses in ${listed(ids)}: find the network interfaces that use them and delete those no longer needed (unused instances, interfaces).`,
    awsCli: ids.flatMap((id) => [
      ctx.cmd.aws('ec2', 'describe-network-interfaces', '--filters', `Name=subnet-id,Values=${id}`, `--query 'NetworkInterfaces[].[NetworkInterfaceId,Status,Description]'`, '--output text'),
      ctx.cmd.aws('ec2', 'delete-network-interface', '--network-interface-id', '<unused-network-interface-id>'),
    ]),
    ...(ctx.facts.deep ? { keywarden: ids.map((id) => ctx.cmd.keywarden('network', 'set-free-addresses', '--subnet-id', id, '--count', '2')) } : {}),
  };
}

/** Whether a rule lets TCP 2223-2225 through to or from the group itself (or any address). */
function allowsHsmPorts(p: PermissionFacts, groupId: string): boolean {
  const protocolOk = p.protocol === '-1' || p.protocol === 'tcp' || p.protocol === '6';
  const portsOk = p.protocol === '-1' || ((p.fromPort ?? 0) <= HSM_PORTS.from && (p.toPort ?? 65535) >= HSM_PORTS.to);
  const peerOk = p.groupIds.includes(groupId) || p.cidrs.length > 0;
  return protocolOk && portsOk && peerOk;
}

function securityGroup(store: StoreFacts, c: ClusterFacts, ctx: RuleContext): void {
  const sg = c.securityGroup;
  if (!sg) return;
  const read = store.securityGroup;
  if (!read.ok) {
    ctx.out.unchecked({
      check: `security group ${sg} of cluster ${c.id}: TCP ${HSM_PORTS.from}-${HSM_PORTS.to} in from and out to itself`,
      customKeyStoreId: store.id,
      reason: read.reason,
      commands: { awsCli: [ctx.cmd.aws('ec2', 'describe-security-groups', '--group-ids', sg, `--query 'SecurityGroups[0].[IpPermissions,IpPermissionsEgress]'`)], cloudhsmCli: [], legacyTools: [] },
      essential: false,
    });
    return;
  }
  const group = read.value;
  const inbound = group ? group.inbound.some((p) => allowsHsmPorts(p, sg)) : false;
  const outbound = group ? group.outbound.some((p) => allowsHsmPorts(p, sg)) : false;
  if (group && inbound && outbound) return;
  const connected = store.connectionState === 'CONNECTED';
  const steps: FixStep[] = [
    {
      say: group
        ? `Allow TCP ${HSM_PORTS.from}-${HSM_PORTS.to} ${[inbound ? '' : 'in from', outbound ? '' : 'out to'].filter(Boolean).join(' and ')} the security group itself.`
        : `Security group ${sg} no longer exists: the cluster needs a group that allows TCP ${HSM_PORTS.from}-${HSM_PORTS.to} in from and out to itself; a cluster created from a backup gets a new one.`,
      awsCli: group
        ? [
            ...(inbound ? [] : [ctx.cmd.aws('ec2', 'authorize-security-group-ingress', '--group-id', sg, '--protocol tcp', `--port ${HSM_PORTS.from}-${HSM_PORTS.to}`, '--source-group', sg)]),
            ...(outbound ? [] : [ctx.cmd.aws('ec2', 'authorize-security-group-egress', '--group-id', sg, '--ip-permissions', `'IpProtocol=tcp,FromPort=${HSM_PORTS.from},ToPort=${HSM_PORTS.to},UserIdGroupPairs=[{GroupId=${sg}}]'`)]),
          ]
        : [],
    },
  ];
  if (store.connectionState === 'FAILED') steps.push(ctx.proc.disconnect(store.id));
  if (!connected) steps.push(ctx.proc.connect(store.id));
  ctx.out.add({
    severity: 'error',
    code: group ? 'SECURITY_GROUP_BLOCKS_HSM_PORTS' : 'SECURITY_GROUP_MISSING',
    customKeyStoreId: store.id,
    title: group ? `security group ${sg} of cluster ${c.id} does not let TCP ${HSM_PORTS.from}-${HSM_PORTS.to} through` : `security group ${sg} of cluster ${c.id} does not exist`,
    cause: `KMS talks to the HSMs over TCP ${HSM_PORTS.from}-${HSM_PORTS.to} through network interfaces in the cluster's security group, whose rules must allow that traffic in from and out to the group itself. Without it, connecting fails with NETWORK_ERRORS and cryptographic calls with "KMS cannot communicate with your CloudHSM cluster".`,
    evidence: {
      ...storeEvidence(store),
      'DescribeClusters.SecurityGroup': sg,
      'DescribeSecurityGroups.found': group !== undefined,
      ...(group ? { 'DescribeSecurityGroups.inbound TCP 2223-2225': inbound, 'DescribeSecurityGroups.outbound TCP 2223-2225': outbound } : {}),
    },
    fix: fixOf(steps),
    guide: GUIDE.crypto,
  });
}
