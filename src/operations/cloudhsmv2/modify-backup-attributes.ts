import { cloudHsmOperation } from './operation.js';
import { backupToWire } from './shapes.js';

export const modifyBackupAttributes = cloudHsmOperation('ModifyBackupAttributes', async (input, ctx, s) => ({
  Backup: backupToWire(await s.backups.setNeverExpires(ctx, input.BackupId, input.NeverExpires)),
}));
