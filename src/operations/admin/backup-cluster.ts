import { backupToWire } from '../cloudhsmv2/shapes.js';
import { adminOperation } from './operation.js';

/** A backup on demand, shaped like CloudHSM's Backup; real CloudHSM only backs up on its own schedule. */
export const backupCluster = adminOperation('BackupCluster', async (input, ctx, app) => {
  const backup = await app.cluster.clusters.backupNow(ctx, input.ClusterId);
  return { Backup: backupToWire(backup) };
});
