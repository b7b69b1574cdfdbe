import { diagnose, type Report } from '../../src/doctor/diagnose.js';
import { AWS_TOOL_LAUNCH, type ClusterFacts, type DoctorFacts, type KeyFacts, readOk, type StoreFacts, type TrailEvent } from '../../src/doctor/facts.js';
import type { Finding } from '../../src/doctor/finding.js';

// Facts as doctor's gatherer would read them from a healthy store, to be changed by each unit
// test of the rules into the one failure it checks.

export const STORE = 'cks-1234567890abcdef0';
export const CLUSTER = 'cluster-1a23b4cdefg';
export const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_ARN = `arn:aws:kms:us-east-1:111122223333:key/${KEY}`;
export const SG = 'sg-0123456789abcdef0';
export const SUBNETS = { 'us-east-1a': 'subnet-0aaaaaaaaaaaaaaaa', 'us-east-1b': 'subnet-0bbbbbbbbbbbbbbbb', 'us-east-1c': 'subnet-0cccccccccccccccc' };
export const T0 = Date.parse('2026-12-01T10:00:00Z');

export function healthyCluster(): ClusterFacts {
  return {
    id: CLUSTER,
    state: 'ACTIVE',
    hsmType: 'hsm2m.medium',
    vpcId: 'vpc-0123456789abcdef0',
    securityGroup: SG,
    subnetMapping: { ...SUBNETS },
    hsms: [
      { id: 'hsm-aaaaaaaaaaa', availabilityZone: 'us-east-1a', subnetId: SUBNETS['us-east-1a'], state: 'ACTIVE' },
      { id: 'hsm-bbbbbbbbbbb', availabilityZone: 'us-east-1b', subnetId: SUBNETS['us-east-1b'], state: 'ACTIVE' },
    ],
  };
}

export function key(over: Partial<KeyFacts> = {}): KeyFacts {
  return { id: KEY, arn: KEY_ARN, state: 'Enabled', enabled: true, createdAt: T0, ...over };
}

export function healthyStore(over: Partial<StoreFacts> = {}): StoreFacts {
  return {
    id: STORE,
    name: 'ExampleKeyStore',
    clusterId: CLUSTER,
    connectionState: 'CONNECTED',
    cluster: readOk(healthyCluster()),
    backups: readOk([
      { id: 'backup-old0000000', state: 'READY', clusterId: CLUSTER, createdAt: T0 - 86_400_000 },
      { id: 'backup-new0000000', state: 'READY', clusterId: CLUSTER, createdAt: T0 + 3_600_000 },
    ]),
    keys: readOk([key()]),
    network: readOk({
      source: 'EC2 DescribeSubnets',
      subnets: Object.entries(SUBNETS).map(([availabilityZone, id]) => ({ id, availabilityZone, freeAddresses: 200 })),
    }),
    securityGroup: readOk({
      id: SG,
      inbound: [{ protocol: 'tcp', fromPort: 2223, toPort: 2225, groupIds: [SG], cidrs: [] }],
      outbound: [{ protocol: 'tcp', fromPort: 2223, toPort: 2225, groupIds: [SG], cidrs: [] }],
    }),
    kmsuser: readOk({ username: 'kmsuser', role: 'crypto-user', locked: false, failedLogins: 0, sessions: [{ client: 'kms', openedAt: T0 }] }),
    ...over,
  };
}

export function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    checkedAt: T0 + 7_200_000,
    region: 'us-east-1',
    awsCliOptions: [],
    keywardenOptions: [],
    tools: AWS_TOOL_LAUNCH,
    deep: true,
    stores: [healthyStore()],
    trail: readOk([]),
    aliases: {},
    faults: readOk([]),
    ...over,
  };
}

let seq = 0;
/** A CloudTrail event as trail.ts reads one. */
export function event(name: string, time: number, over: Partial<TrailEvent> = {}): TrailEvent {
  return { id: `event-${++seq}`, name, time, service: false, keyRefs: [], backingKeys: [], rank: 0, ...over };
}

export const run = (f: DoctorFacts): Report => diagnose(f);
export const codes = (r: Report) => r.findings.map((x) => x.code);
export const only = (r: Report, code: string): Finding => {
  const found = r.findings.filter((x) => x.code === code);
  if (found.length !== 1) throw new Error(`expected one ${code} finding, got ${JSON.stringify(codes(r))}`);
  return found[0]!;
};
