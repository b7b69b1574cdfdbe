import { cloudHsmOperation } from './operation.js';
import { backupToWire } from './shapes.js';

export const deleteBackup = cloudHsmOperation('DeleteBackup', async (input, ctx, s) => ({
  Backup: backupToWire(await s.backups.delete(ctx, input.BackupId)),
}));
