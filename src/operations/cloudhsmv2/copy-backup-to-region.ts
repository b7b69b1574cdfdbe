import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { epochSeconds } from '../wire.js';
import { tagsFromWire, type WireTag } from './shapes.js';

interface Input {
  DestinationRegion: string;
  BackupId: string;
  TagList?: WireTag[];
}

export const copyBackupToRegion: Operation<ClusterServices> = {
  name: 'CopyBackupToRegion',
  async handle(input: Input, ctx, s) {
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
  },
};
