import { type CommandLine, PLACEHOLDER, query } from './commands.js';
import type { BackupFacts, ClusterFacts } from './facts.js';
import type { FixStep } from './finding.js';

// The repair procedures of AWS's "Troubleshooting a custom key store", as fix steps with the ids
// filled in, each with the commands of the AWS CLI and of both generations of the CloudHSM tools
// (seed 000 for the CloudHSM CLI, seeds 003/004 for cloudhsm_mgmt_util and key_mgmt_util).

export interface Orphan {
  backingKeyId: string;
  keyHandle?: string;
  keyArn?: string;
}

export interface Restore {
  clusterId: string;
  storeId: string;
  backup?: BackupFacts;
  /** One subnet per Availability Zone for the new cluster (two or more), when known. */
  subnets: Array<{ availabilityZone: string; subnetId: string }>;
  hsmType: string;
  /** The store is already disconnected (or FAILED, which the first step disconnects). */
  disconnectFirst: boolean;
  /** A command that takes a backup now (Keywarden's; AWS takes them daily): then the newest is used. */
  takeBackup?: string;
  /** Keys of the store made after the chosen backup, whose material it does not hold. */
  newerKeys?: number;
}

export class Procedures {
  constructor(readonly cmd: CommandLine) {}

  disconnect(storeId: string, say = 'Disconnect the key store (a store must be DISCONNECTED before it can be changed or connected again).'): FixStep {
    return { say, awsCli: [this.cmd.aws('kms', 'disconnect-custom-key-store', '--custom-key-store-id', storeId)] };
  }

  /** Connecting returns at once; the attempt runs in the background and the state says how it ended. */
  connect(storeId: string, say = 'Connect the key store and watch its state until it is CONNECTED (or FAILED with a code; run doctor again then).'): FixStep {
    return {
      say,
      awsCli: [
        this.cmd.aws('kms', 'connect-custom-key-store', '--custom-key-store-id', storeId),
        this.cmd.aws('kms', 'describe-custom-key-stores', '--custom-key-store-id', storeId, query('CustomKeyStores[0].[ConnectionState,ConnectionErrorCode]'), '--output text'),
      ],
    };
  }

  updatePassword(storeId: string): FixStep {
    return {
      say: "Tell the key store kmsuser's current password (this changes nothing in the cluster).",
      awsCli: [this.cmd.aws('kms', 'update-custom-key-store', '--custom-key-store-id', storeId, '--key-store-password', PLACEHOLDER.kmsuserPassword)],
    };
  }

  updateCluster(storeId: string, newClusterId: string = PLACEHOLDER.newClusterId): FixStep {
    return {
      say: 'Point the key store at the new cluster (it shares the original cluster\u2019s backup history, so KMS accepts it).',
      awsCli: [this.cmd.aws('kms', 'update-custom-key-store', '--custom-key-store-id', storeId, '--cloud-hsm-cluster-id', newClusterId)],
    };
  }

  /** How to read kmsuser's state on the HSMs: no public API shows it. */
  inspectKmsuser(clusterId: string): { cloudhsmCli: string[]; legacyTools: string[] } {
    return {
      cloudhsmCli: [this.cmd.launch('cloudhsmCli', clusterId), this.cmd.cli('user list'), this.cmd.cli('quit')],
      legacyTools: [this.cmd.launch('cloudhsmMgmtUtil', clusterId), this.cmd.cmu('listUsers'), this.cmd.cmu('quit')],
    };
  }

  /** An admin sets a password one knows; a new password also unlocks a locked user. */
  resetKmsuserPassword(clusterId: string, say = 'As an admin (crypto officer), set a kmsuser password you know; a new password also unlocks a locked kmsuser.'): FixStep {
    return {
      say,
      cloudhsmCli: [
        this.cmd.launch('cloudhsmCli', clusterId),
        this.cmd.cli('login --username admin --role admin'),
        this.cmd.cli(`user change-password --username kmsuser --role crypto-user --password ${PLACEHOLDER.kmsuserPassword}`),
        this.cmd.cli('logout'),
        this.cmd.cli('quit'),
      ],
      legacyTools: [
        this.cmd.launch('cloudhsmMgmtUtil', clusterId),
        this.cmd.cmu(`loginHSM CO admin ${PLACEHOLDER.adminPassword}`),
        this.cmd.cmu(`changePswd CU kmsuser ${PLACEHOLDER.kmsuserPassword}`),
        this.cmd.cmu('logoutHSM'),
        this.cmd.cmu('quit'),
      ],
    };
  }

  createKmsuser(clusterId: string): FixStep {
    return {
      say: 'As an admin, create the crypto user kmsuser with a password you know.',
      cloudhsmCli: [
        this.cmd.launch('cloudhsmCli', clusterId),
        this.cmd.cli('login --username admin --role admin'),
        this.cmd.cli(`user create --username kmsuser --role crypto-user --password ${PLACEHOLDER.kmsuserPassword}`),
        this.cmd.cli('logout'),
        this.cmd.cli('quit'),
      ],
      legacyTools: [
        this.cmd.launch('cloudhsmMgmtUtil', clusterId),
        this.cmd.cmu(`loginHSM CO admin ${PLACEHOLDER.adminPassword}`),
        this.cmd.cmu(`createUser CU kmsuser ${PLACEHOLDER.kmsuserPassword}`),
        this.cmd.cmu('logoutHSM'),
        this.cmd.cmu('quit'),
      ],
    };
  }

  /** "If you do not log out, attempts to reconnect your key store will fail." */
  logoutKmsuser(clusterId: string): FixStep {
    return {
      say: 'Log kmsuser out, in the tool session where it is logged in (a login lasts until logout, even after the tool exits).',
      cloudhsmCli: [this.cmd.launch('cloudhsmCli', clusterId), this.cmd.cli('logout'), this.cmd.cli('quit')],
      legacyTools: [this.cmd.launch('keyMgmtUtil', clusterId), this.cmd.kmu('logoutHSM'), this.cmd.kmu('exit')],
    };
  }

  /** Logs in as kmsuser with the password an admin just set (the store must be disconnected). */
  private asKmsuser(clusterId: string, work: { cli: string[]; kmu: string[] }): FixStep {
    return {
      say: 'Log in as kmsuser with that password, do the work, and log out (the key store cannot connect while kmsuser is logged in).',
      cloudhsmCli: [
        this.cmd.launch('cloudhsmCli', clusterId),
        this.cmd.cli('login --username kmsuser --role crypto-user'),
        ...work.cli.map((l) => this.cmd.cli(l)),
        this.cmd.cli('logout'),
        this.cmd.cli('quit'),
      ],
      legacyTools: [
        this.cmd.launch('keyMgmtUtil', clusterId),
        this.cmd.kmu(`loginHSM -u CU -s kmsuser -p ${PLACEHOLDER.kmsuserPassword}`),
        ...work.kmu.map((l) => this.cmd.kmu(l)),
        this.cmd.kmu('logoutHSM'),
        this.cmd.kmu('exit'),
      ],
    };
  }

  /** "How to delete orphaned key material": key delete by id (CloudHSM CLI), deleteKey by handle (key_mgmt_util). */
  deleteOrphans(storeId: string, clusterId: string, orphans: Orphan[], disconnected: boolean): FixStep[] {
    const steps: FixStep[] = [];
    if (!disconnected) steps.push(this.disconnect(storeId, 'Disconnect the key store: while it is connected, KMS is logged in as kmsuser and nobody else can be.'));
    steps.push(this.resetKmsuserPassword(clusterId, 'As an admin, set a kmsuser password you know (KMS replaces it with its own when it connects).'));
    steps.push(
      this.asKmsuser(clusterId, {
        // CloudHSM reads a backing key id as hex only with 0x in front.
        cli: orphans.map((o) => `key delete --filter attr.id="0x${o.backingKeyId}"`),
        kmu: orphans.map((o) => `deleteKey -k ${o.keyHandle ?? `<key-handle-of-0x${o.backingKeyId}>`}`),
      }),
    );
    steps.push(this.updatePassword(storeId), this.connect(storeId));
    return steps;
  }

  /** Whether a backing key is still in the cluster, as an admin sees it (works while the store is connected). */
  lookForMaterial(clusterId: string, keyArn: string, backingKeyIds: string[]): FixStep {
    return {
      say: 'Confirm that the key material is gone from the cluster: an admin lists key objects by id and by label.',
      cloudhsmCli: [
        this.cmd.launch('cloudhsmCli', clusterId),
        this.cmd.cli('login --username admin --role admin'),
        ...backingKeyIds.map((id) => this.cmd.cli(`key list --filter attr.id=0x${id}`)),
        this.cmd.cli(`key list --filter attr.label=${keyArn}`),
        this.cmd.cli('logout'),
        this.cmd.cli('quit'),
      ],
      legacyTools: [
        this.cmd.launch('cloudhsmMgmtUtil', clusterId),
        this.cmd.cmu(`loginHSM CO admin ${PLACEHOLDER.adminPassword}`),
        this.cmd.cmu('listUsers'),
        this.cmd.cmu('findAllKeys <kmsuser-user-id> 0'),
        this.cmd.cmu('logoutHSM'),
        this.cmd.cmu('quit'),
      ],
    };
  }

  /** "To add an HSM to the cluster, use … the CreateHsm operation"; two zones for keys and resilience. */
  addHsms(clusterId: string, zones: string[]): FixStep {
    return {
      say: `Add HSMs to cluster ${clusterId}, in different Availability Zones, and wait until they are ACTIVE.`,
      awsCli: [
        ...zones.map((az) => this.cmd.aws('cloudhsmv2', 'create-hsm', '--cluster-id', clusterId, '--availability-zone', az, query('Hsm.State'), '--output text')),
        this.cmd.aws('cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${clusterId}`, query('Clusters[0].Hsms[].[HsmId,AvailabilityZone,State]'), '--output text'),
      ],
    };
  }

  waitForActive(clusterId: string): FixStep {
    return {
      say: `Wait until cluster ${clusterId} is ACTIVE.`,
      awsCli: [this.cmd.aws('cloudhsmv2', 'describe-clusters', '--filters', `clusterIds=${clusterId}`, query('Clusters[0].State'), '--output text')],
    };
  }

  /**
   * A cluster from a backup of the store's cluster, with HSMs, and the store pointed at it: the
   * guide's repair for CLUSTER_NOT_FOUND, SUBNET_NOT_FOUND, a subnet without room, and deleted
   * key material. "To avoid resetting the kmsuser password, use the most recent backup."
   */
  restoreCluster(r: Restore): FixStep[] {
    const newest = this.cmd.aws('cloudhsmv2', 'describe-backups', '--filters', `clusterIds=${r.clusterId}`, query('sort_by(Backups,&CreateTimestamp)[-1].BackupId'), '--output text');
    const backupId = r.takeBackup ? `"$(${newest})"` : r.backup?.id ?? '<backup-id>';
    const subnets = r.subnets.length >= 2 ? r.subnets : [{ availabilityZone: '<availability-zone-1>', subnetId: '<subnet-id-1>' }, { availabilityZone: '<availability-zone-2>', subnetId: '<subnet-id-2>' }];
    const newer = r.newerKeys
      ? ` ${r.newerKeys} of the store's keys were made after it and their material is not in it: wait for the next daily backup if you need them.`
      : '';
    const steps: FixStep[] = [];
    if (r.takeBackup) steps.push({ say: `Take a backup of ${r.clusterId} now, so that it holds every key (CloudHSM takes one every day).`, keywarden: [r.takeBackup] });
    steps.push(
      {
        say: r.takeBackup
          ? 'The newest backup is the one just taken; the next command uses it.'
          : r.backup
            ? `Choose a backup of ${r.clusterId}: the newest (${r.backup.id}) holds the kmsuser password KMS set last; an older one must have been taken while the keys you need existed.${newer}`
            : `Find a backup of ${r.clusterId} (doctor found none it could read).`,
        awsCli: [this.cmd.aws('cloudhsmv2', 'describe-backups', '--filters', `clusterIds=${r.clusterId}`, query('sort_by(Backups,&CreateTimestamp)[].[BackupId,BackupState,CreateTimestamp]'), '--output text')],
      },
      {
        say:
          r.subnets.length >= 2
            ? 'Create a cluster from it in private subnets of two or more Availability Zones that exist and have free addresses.'
            : 'Create a cluster from it in private subnets of two or more Availability Zones that exist and have free addresses (list them with describe-subnets).',
        awsCli: [
          ...(r.subnets.length >= 2 ? [] : [this.cmd.aws('ec2', 'describe-subnets', query('Subnets[].[SubnetId,AvailabilityZone,AvailableIpAddressCount]'), '--output text')]),
          this.cmd.aws('cloudhsmv2', 'create-cluster', '--hsm-type', r.hsmType, '--source-backup-id', backupId, '--subnet-ids', ...subnets.map((s) => s.subnetId), query('Cluster.ClusterId'), '--output text'),
        ],
      },
      this.addHsms(PLACEHOLDER.newClusterId, subnets.slice(0, 2).map((s) => s.availabilityZone)),
    );
    if (r.disconnectFirst) steps.push(this.disconnect(r.storeId));
    steps.push(this.updateCluster(r.storeId), this.connect(r.storeId));
    return steps;
  }

  /** KMS reaches the HSMs on TCP 2223–2225 through network interfaces in the cluster's security group. */
  networkChecks(cluster: Pick<ClusterFacts, 'securityGroup' | 'subnetMapping'>): FixStep {
    const subnets = Object.values(cluster.subnetMapping);
    return {
      say: "Check what stands between KMS and the HSMs: the cluster's security group must allow TCP 2223-2225 in from and out to itself, and the subnets' network ACLs must let that traffic through.",
      awsCli: [
        ...(cluster.securityGroup
          ? [this.cmd.aws('ec2', 'describe-security-groups', '--group-ids', cluster.securityGroup, query('SecurityGroups[0].[IpPermissions,IpPermissionsEgress]'))]
          : []),
        ...(subnets.length > 0 ? [this.cmd.aws('ec2', 'describe-network-acls', '--filters', `Name=association.subnet-id,Values=${subnets.join(',')}`, query('NetworkAcls[].Entries'))] : []),
      ],
    };
  }
}

/** The newest READY backup, optionally only among those taken no later than `notAfter`. */
export function newestBackup(backups: BackupFacts[], notAfter?: number, notBefore?: number): BackupFacts | undefined {
  return backups
    .filter((b) => b.state === 'READY' && (notAfter === undefined || (b.createdAt ?? 0) <= notAfter) && (notBefore === undefined || (b.createdAt ?? 0) >= notBefore))
    .sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
}
