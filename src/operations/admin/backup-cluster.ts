import type { Operation } from '../../protocol/service.js';
import { backupToWire } from '../cloudhsmv2/shapes.js';
import type { AdminApp } from './index.js';
import { requiredString } from './subnet-shape.js';

/** A backup on demand, shaped like CloudHSM's Backup; real CloudHSM only backs up on its own schedule. */
export const backupCluster: Operation<AdminApp> = {
  name: 'BackupCluster',
  async handle(input: Record<string, unknown>, ctx, app) {
    const backup = await app.cluster.clusters.backupNow(ctx, requiredString(input, 'ClusterId', 'cluster-igklspoyj5v'));
    return { Backup: backupToWire(backup) };
  },
};
