import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { clusterToWire, retentionFromWire, type WireRetentionPolicy } from './shapes.js';

interface Input {
  ClusterId: string;
  HsmType?: string;
  BackupRetentionPolicy?: WireRetentionPolicy;
}

export const modifyCluster: Operation<ClusterServices> = {
  name: 'ModifyCluster',
  async handle(input: Input, ctx, s) {
    const cluster = await s.clusters.modify(ctx, input.ClusterId, {
      hsmType: input.HsmType,
      backupRetentionPolicy: retentionFromWire(input.BackupRetentionPolicy),
    });
    return { Cluster: clusterToWire(cluster) };
  },
};
