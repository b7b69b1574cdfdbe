import { epochSeconds } from '../wire.js';
import { cloudHsmOperation } from './operation.js';
import { tagsFromWire } from './shapes.js';

export const copyBackupToRegion = cloudHsmOperation('CopyBackupToRegion', async (input, ctx, s) => {
  const copy = await s.backups.copyToRegion(ctx, input.BackupId, input.DestinationRegion, tagsFromWire(input.TagList));
  // AWS names the source here, not the new backup's id: DescribeBackups in the destination finds it.
  return {
    DestinationBackup: {
      CreateTimestamp: epochSeconds(copy.createdAt),
      SourceRegion: copy.sourceRegion,
      SourceBackup: copy.sourceBackup,
      SourceCluster: copy.sourceCluster,
    },
  };
});
