import { arnOf } from '../../cluster/backups.js';
import { cloudHsmOperation } from './operation.js';

export const putResourcePolicy = cloudHsmOperation('PutResourcePolicy', async (input, ctx, s) => {
  const backup = await s.backups.putPolicy(ctx, input.ResourceArn, input.Policy);
  return { ResourceArn: arnOf(backup), Policy: backup.resourcePolicy };
});
