import { arnOf } from '../../cluster/backups.js';
import { cloudHsmOperation } from './operation.js';

export const deleteResourcePolicy = cloudHsmOperation('DeleteResourcePolicy', async (input, ctx, s) => {
  const before = await s.backups.deletePolicy(ctx, input.ResourceArn);
  return before.resourcePolicy === undefined ? { ResourceArn: arnOf(before) } : { ResourceArn: arnOf(before), Policy: before.resourcePolicy };
});
