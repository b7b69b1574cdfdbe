// What doctor reads before it judges anything: plain data, gathered through the public APIs
// (gather.ts) or built by hand in tests, so that the rules stay pure functions of it.

/** A read that worked, or the reason it could not be made (not allowed, not answered, unreachable). */
export type Readable<T> = { ok: true; value: T } | { ok: false; reason: string };

export const readOk = <T>(value: T): Readable<T> => ({ ok: true, value });
export const readFailed = <T = never>(reason: string): Readable<T> => ({ ok: false, reason });

/** An HSM of a cluster (DescribeClusters). */
export interface HsmFacts {
  id: string;
  availabilityZone: string;
  subnetId?: string;
  state: string;
  eniIp?: string;
}

export interface ClusterFacts {
  id: string;
  state: string;
  stateMessage?: string;
  hsmType?: string;
  vpcId?: string;
  securityGroup?: string;
  /** Availability Zone → subnet id. */
  subnetMapping: Record<string, string>;
  hsms: HsmFacts[];
  /** PEM, signed by the owner's CA (the trust anchor) when the cluster was initialized. */
  clusterCertificate?: string;
  sourceBackupId?: string;
}

export interface BackupFacts {
  id: string;
  state: string;
  clusterId?: string;
  /** Epoch milliseconds. */
  createdAt?: number;
  hsmType?: string;
}

/** A subnet as EC2 DescribeSubnets (or Keywarden's own network list) shows it. */
export interface SubnetFacts {
  id: string;
  availabilityZone: string;
  /** AvailableIpAddressCount. */
  freeAddresses: number;
  vpcId?: string;
  cidrBlock?: string;
}

/** The subnets doctor could see around a cluster, and where it read them. */
export interface NetworkFacts {
  source: 'EC2 DescribeSubnets' | 'KeywardenAdmin.ListSubnets';
  subnets: SubnetFacts[];
}

export interface PermissionFacts {
  /** '-1' (all), 'tcp', 'udp', 'icmp', or a protocol number. */
  protocol: string;
  fromPort?: number;
  toPort?: number;
  groupIds: string[];
  cidrs: string[];
}

export interface SecurityGroupFacts {
  id: string;
  inbound: PermissionFacts[];
  outbound: PermissionFacts[];
}

/** A KMS key in the store (DescribeKey). */
export interface KeyFacts {
  id: string;
  arn: string;
  state: string;
  enabled?: boolean;
  description?: string;
  /** Epoch milliseconds. */
  createdAt?: number;
  deletionDate?: number;
}

/** kmsuser on the cluster, read through Keywarden's HSM API (`--deep` only). */
export interface HsmUserFacts {
  username: string;
  role: string;
  locked: boolean;
  failedLogins: number;
  userId?: number;
  /** Open logins; `kms` is the service's own, `cli` a person's. Absent when the API does not say. */
  sessions?: Array<{ client: string; openedAt?: number }>;
}

/** A Keywarden fault in force (`keywarden fault list`, `--deep` only). */
export interface KeywardenFault {
  fault: string;
  clusterId?: string;
  customKeyStoreId?: string;
  sessionsPerHsm?: number;
}

/** One CloudTrail event, reduced to what the rules use (trail.ts reads them). */
export interface TrailEvent {
  id: string;
  name: string;
  /** Epoch milliseconds (CloudTrail keeps whole seconds). */
  time: number;
  /** An AwsServiceEvent: something KMS did by itself, not a call. */
  service: boolean;
  username?: string;
  errorCode?: string;
  errorMessage?: string;
  customKeyStoreId?: string;
  clusterId?: string;
  /** Every way the event names a key: ARNs of its resources, key ids and aliases of its parameters. */
  keyRefs: string[];
  backingKeys: Array<{ backingKeyId: string; keyHandle?: string; deletionStatus?: string }>;
  /** From the service's ConnectCustomKeyStore outcome events. */
  connectionState?: string;
  connectionErrorCode?: string;
  /** Position among events of the same name, newest first: CloudTrail's times tie within a second. */
  rank: number;
}

export interface StoreFacts {
  id: string;
  name: string;
  clusterId: string;
  connectionState: string;
  connectionErrorCode?: string;
  trustAnchor?: string;
  /** Epoch milliseconds. */
  createdAt?: number;
  /** The store's cluster; undefined when DescribeClusters does not find it. */
  cluster: Readable<ClusterFacts | undefined>;
  backups: Readable<BackupFacts[]>;
  keys: Readable<KeyFacts[]>;
  network: Readable<NetworkFacts>;
  /** The cluster's security group; undefined when it does not exist. */
  securityGroup: Readable<SecurityGroupFacts | undefined>;
  /** kmsuser as the HSMs see it; only with `--deep` (undefined: not asked). */
  kmsuser?: Readable<HsmUserFacts | undefined>;
}

/** How the commands in a fix start the CloudHSM tools for a cluster (`{cluster}` stands for its id). */
export interface ToolLaunch {
  cloudhsmCli: string;
  cloudhsmMgmtUtil: string;
  keyMgmtUtil: string;
}

export const AWS_TOOL_LAUNCH: ToolLaunch = {
  cloudhsmCli: '/opt/cloudhsm/bin/cloudhsm-cli interactive',
  cloudhsmMgmtUtil: '/opt/cloudhsm/bin/cloudhsm_mgmt_util /opt/cloudhsm/etc/cloudhsm_mgmt_util.cfg',
  keyMgmtUtil: '/opt/cloudhsm/bin/key_mgmt_util',
};

export interface DoctorFacts {
  /** When the facts were read (epoch milliseconds, doctor's own clock). */
  checkedAt: number;
  region: string;
  /** Where the reads went, for the report (undefined: AWS's own endpoints). */
  endpoint?: string;
  /** Options every printed `aws` command needs beyond the environment it runs in (--profile, --region, --endpoint-url). */
  awsCliOptions: string[];
  /** The same for printed `keywarden` commands (--endpoint, --region). */
  keywardenOptions: string[];
  tools: ToolLaunch;
  deep: boolean;
  /** `--key-id`: only this key's findings, and the store's that affect it. */
  focusKeyId?: string;
  stores: StoreFacts[];
  trail: Readable<TrailEvent[]>;
  /** Alias name → key id, to tell which key an event names by alias. */
  aliases: Record<string, string>;
  /** Keywarden's faults in force (`--deep`). */
  faults?: Readable<KeywardenFault[]>;
  /** Keys that were not examined because the account has more than doctor reads. */
  keysNotRead?: string;
}
