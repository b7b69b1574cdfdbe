import type { Random } from '../core/random.js';
import { HsmNotFound, HsmUnavailable } from './hsm-errors.js';
import type { ClusterContent, ClusterRecord, ClusterState, HsmUser, Scope } from './model.js';
import { hashPassword, NO_PASSWORD } from './passwords.js';
import type { ContentRepository } from './repository.js';
import { activeHsms } from './sessions.js';

/** The first key handle of a new cluster; real HSMs hand out handles like 262162 (0x40012). */
export const FIRST_HANDLE = 0x40001;

/** States in which a cluster's HSMs answer their users (INITIALIZED: only for activation). */
const SERVING: ReadonlySet<ClusterState> = new Set<ClusterState>([
  'INITIALIZED',
  'ACTIVE',
  'DEGRADED',
  'UPDATE_IN_PROGRESS',
  'MODIFY_IN_PROGRESS',
  'ROLLBACK_IN_PROGRESS',
]);

/**
 * Where the HSM side reads cluster records: the cluster service's `find`, which first completes
 * any transition that is due (an HSM whose creation just finished counts as ACTIVE at once).
 */
export interface ClusterReader {
  find(scope: Scope, clusterId: string): Promise<ClusterRecord | undefined>;
}

export interface Served {
  cluster: ClusterRecord;
  content: ClusterContent;
}

/**
 * What every HSM of a new cluster holds: the precrypto officer `admin` (role unactivated-admin)
 * whose password is the cluster's PreCoPassword, and the appliance user `app_user`.
 */
export async function newClusterContent(preCoPassword: string | undefined, random: Random): Promise<ClusterContent> {
  // Without a PreCoPassword nobody can log in as the precrypto officer, and nobody ever logs in as
  // the appliance user.
  const precoHash = preCoPassword === undefined ? NO_PASSWORD : await hashPassword(preCoPassword, random);
  const users: HsmUser[] = [
    { userId: 1, username: 'admin', role: 'unactivated-admin', passwordHash: precoHash, failedLogins: 0, locked: false },
    { userId: 2, username: 'app_user', role: 'appliance', passwordHash: NO_PASSWORD, failedLogins: 0, locked: false },
  ];
  return { users, keys: [], nextHandle: FIRST_HANDLE };
}

/**
 * Reaches a cluster's content through its HSMs: the cluster must exist, be in a serving state and
 * have an ACTIVE HSM. A cluster without one keeps its users and keys but serves nothing.
 */
export class ClusterContents {
  constructor(
    private readonly clusters: ClusterReader,
    private readonly contents: ContentRepository,
    private readonly random: Random,
  ) {}

  async cluster(scope: Scope, clusterId: string): Promise<ClusterRecord> {
    const cluster = await this.clusters.find(scope, clusterId);
    if (!cluster || cluster.state === 'DELETED') {
      throw new HsmNotFound('CLUSTER_NOT_FOUND', `Cluster ${clusterId} does not exist in ${scope.region} for account ${scope.accountId}.`);
    }
    return cluster;
  }

  async serving(scope: Scope, clusterId: string): Promise<Served> {
    const cluster = await this.cluster(scope, clusterId);
    if (!SERVING.has(cluster.state)) {
      throw new HsmUnavailable(
        'CLUSTER_NOT_READY',
        `Cluster ${clusterId} is ${cluster.state}; its HSMs serve users once the cluster is initialized (INITIALIZED or ACTIVE).`,
      );
    }
    if (activeHsms(cluster).length === 0) {
      throw new HsmUnavailable(
        'NO_ACTIVE_HSM',
        `Cluster ${clusterId} has no active HSM, so it serves nothing (its users and keys are kept). Add one with 'aws cloudhsmv2 create-hsm --cluster-id ${clusterId} --availability-zone <zone>'.`,
      );
    }
    return { cluster, content: await this.load(cluster) };
  }

  /** Changes the content atomically; `change` runs inside the storage transaction and may throw. */
  async change(cluster: ClusterRecord, change: (content: ClusterContent) => ClusterContent): Promise<ClusterContent> {
    const changed = await this.contents.update(cluster.clusterId, change);
    if (changed) return changed;
    await this.load(cluster);
    const retried = await this.contents.update(cluster.clusterId, change);
    if (!retried) throw new Error(`the content of cluster ${cluster.clusterId} vanished while it was being changed`);
    return retried;
  }

  /**
   * The stored content, or for a new cluster its initial content, written on first use. A cluster
   * created from a backup gets its content when its first HSM restores the backup, never here.
   */
  private async load(cluster: ClusterRecord): Promise<ClusterContent> {
    const stored = await this.contents.get(cluster.clusterId);
    if (stored) return stored;
    if (cluster.sourceBackupId) {
      throw new HsmUnavailable(
        'CLUSTER_NOT_READY',
        `Cluster ${cluster.clusterId} is still being restored from backup ${cluster.sourceBackupId}; try again shortly.`,
      );
    }
    const initial = await newClusterContent(cluster.preCoPassword, this.random);
    // Re-check after the (slow) hashing: whoever wrote first wins and nothing is overwritten.
    const raced = await this.contents.get(cluster.clusterId);
    if (raced) return raced;
    await this.contents.put(cluster.clusterId, initial);
    return initial;
  }
}
