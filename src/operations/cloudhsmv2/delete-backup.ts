import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { backupToWire } from './shapes.js';

export const deleteBackup: Operation<ClusterServices> = {
  name: 'DeleteBackup',
  async handle(input: { BackupId: string }, ctx, s) {
    return { Backup: backupToWire(await s.backups.delete(ctx, input.BackupId)) };
  },
};
