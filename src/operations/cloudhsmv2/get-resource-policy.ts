import { cloudHsmOperation } from './operation.js';

export const getResourcePolicy = cloudHsmOperation('GetResourcePolicy', async (input, ctx, s) => {
  const backup = await s.backups.getPolicy(ctx, input.ResourceArn);
  return backup.resourcePolicy === undefined ? {} : { Policy: backup.resourcePolicy };
});
