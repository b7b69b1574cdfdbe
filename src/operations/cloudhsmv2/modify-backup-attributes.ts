import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { backupToWire } from './shapes.js';

export const modifyBackupAttributes: Operation<ClusterServices> = {
  name: 'ModifyBackupAttributes',
  async handle(input: { BackupId: string; NeverExpires: boolean }, ctx, s) {
    return { Backup: backupToWire(await s.backups.setNeverExpires(ctx, input.BackupId, input.NeverExpires)) };
  },
};
