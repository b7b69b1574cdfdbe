import type { ClusterServices } from '../../cluster/services.js';
import type { Operation } from '../../protocol/service.js';
import { arnOf } from '../../cluster/backups.js';

export const putResourcePolicy: Operation<ClusterServices> = {
  name: 'PutResourcePolicy',
  async handle(input: { ResourceArn?: string; Policy?: string }, ctx, s) {
    const backup = await s.backups.putPolicy(ctx, input.ResourceArn, input.Policy);
    return { ResourceArn: arnOf(backup), Policy: backup.resourcePolicy };
  },
};
