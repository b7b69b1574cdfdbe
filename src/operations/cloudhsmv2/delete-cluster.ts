import { cloudHsmOperation } from './operation.js';
import { clusterToWire } from './shapes.js';

export const deleteCluster = cloudHsmOperation('DeleteCluster', async (input, ctx, s) => ({
  Cluster: clusterToWire(await s.clusters.delete(ctx, input.ClusterId)),
}));
