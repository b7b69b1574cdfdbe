import { cloudHsmOperation } from './operation.js';
import { clusterToWire, retentionFromWire, tagsFromWire } from './shapes.js';

export const createCluster = cloudHsmOperation('CreateCluster', async (input, ctx, s) => {
  const cluster = await s.clusters.create(ctx, {
    hsmType: input.HsmType,
    subnetIds: input.SubnetIds,
    sourceBackupId: input.SourceBackupId,
    backupRetentionPolicy: retentionFromWire(input.BackupRetentionPolicy),
    networkType: input.NetworkType,
    tags: tagsFromWire(input.TagList),
    mode: input.Mode,
  });
  return { Cluster: clusterToWire(cluster) };
});
