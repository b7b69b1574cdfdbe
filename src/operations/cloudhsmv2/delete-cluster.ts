import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterToWire } from './shapes.js';

export const deleteCluster: Operation<ClusterServices> = {
  name: 'DeleteCluster',
  async handle(input: { ClusterId: string }, ctx, s) {
    return { Cluster: clusterToWire(await s.clusters.delete(ctx, input.ClusterId)) };
  },
};
