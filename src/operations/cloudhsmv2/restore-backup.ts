import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { backupToWire } from './shapes.js';

export const restoreBackup: Operation<ClusterServices> = {
  name: 'RestoreBackup',
  async handle(input: { BackupId: string }, ctx, s) {
    return { Backup: backupToWire(await s.backups.restore(ctx, input.BackupId)) };
  },
};
