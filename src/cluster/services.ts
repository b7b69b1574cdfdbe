import { BackupService } from './backups.js';
import { ClusterService } from './clusters.js';
import type { ClusterDeps } from './context.js';
import { NetworkService } from './network.js';
import { ResourceTagService } from './resource-tags.js';

/** The cluster domain, as the CloudHSM v2 operations and the admin endpoint see it. */
export interface ClusterServices {
  network: NetworkService;
  clusters: ClusterService;
  backups: BackupService;
  tags: ResourceTagService;
}

export function createClusterServices(deps: ClusterDeps): ClusterServices {
  const network = new NetworkService({ subnets: deps.store.subnets, clusters: deps.store.clusters, random: deps.random });
  const backups = new BackupService(deps);
  const clusters = new ClusterService(deps, network, backups);
  return { network, clusters, backups, tags: new ResourceTagService(clusters, backups) };
}

/**
 * The background work CloudHSM does on its own: finishing asynchronous transitions, daily
 * backups, and the retention policy. Transitions also complete whenever a call reads a cluster
 * or a backup; these tasks make them happen without one.
 */
export function clusterMaintenanceTasks(s: ClusterServices): Array<() => Promise<unknown>> {
  return [() => s.clusters.settleDue(), () => s.backups.settleDue(), () => s.backups.takeDaily(), () => s.backups.purgeExpired()];
}

