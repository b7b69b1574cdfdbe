import { cloudHsmOperation } from './operation.js';
import { backupToWire } from './shapes.js';

export const restoreBackup = cloudHsmOperation('RestoreBackup', async (input, ctx, s) => ({
  Backup: backupToWire(await s.backups.restore(ctx, input.BackupId)),
}));
