import { kmsOperation } from './operation.js';

export const rotateKeyOnDemand = kmsOperation('RotateKeyOnDemand', async (input, ctx, kms) => {
  const view = await kms.rotation.rotateOnDemand(ctx, input.KeyId);
  return { KeyId: view.arn };
});
