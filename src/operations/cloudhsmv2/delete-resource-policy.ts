import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { arnOf } from '../../cluster/backups.js';

export const deleteResourcePolicy: Operation<ClusterServices> = {
  name: 'DeleteResourcePolicy',
  async handle(input: { ResourceArn?: string }, ctx, s) {
    const before = await s.backups.deletePolicy(ctx, input.ResourceArn);
    return before.resourcePolicy === undefined ? { ResourceArn: arnOf(before) } : { ResourceArn: arnOf(before), Policy: before.resourcePolicy };
  },
};
