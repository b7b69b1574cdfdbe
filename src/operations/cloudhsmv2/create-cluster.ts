import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterToWire, retentionFromWire, tagsFromWire, type WireRetentionPolicy, type WireTag } from './shapes.js';

interface Input {
  BackupRetentionPolicy?: WireRetentionPolicy;
  HsmType: string;
  SourceBackupId?: string;
  SubnetIds: string[];
  NetworkType?: 'IPV4' | 'DUALSTACK';
  TagList?: WireTag[];
  Mode?: 'FIPS' | 'NON_FIPS';
}

export const createCluster: Operation<ClusterServices> = {
  name: 'CreateCluster',
  async handle(input: Input, ctx, s) {
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
  },
};
