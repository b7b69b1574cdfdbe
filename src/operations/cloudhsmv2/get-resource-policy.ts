import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';

export const getResourcePolicy: Operation<ClusterServices> = {
  name: 'GetResourcePolicy',
  async handle(input: { ResourceArn?: string }, ctx, s) {
    const backup = await s.backups.getPolicy(ctx, input.ResourceArn);
    return backup.resourcePolicy === undefined ? {} : { Policy: backup.resourcePolicy };
  },
};
