import { cloudHsmOperation } from './operation.js';
import { clusterToWire, retentionFromWire } from './shapes.js';

export const modifyCluster = cloudHsmOperation('ModifyCluster', async (input, ctx, s) => {
  const cluster = await s.clusters.modify(ctx, input.ClusterId, {
    hsmType: input.HsmType,
    backupRetentionPolicy: retentionFromWire(input.BackupRetentionPolicy),
  });
  return { Cluster: clusterToWire(cluster) };
});
