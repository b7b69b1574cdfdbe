import { macRequest } from './generate-mac.js';
import { kmsOperation } from './operation.js';

export const verifyMac = kmsOperation('VerifyMac', async (input, ctx, kms) => {
  const view = await kms.mac.verify(ctx, { ...macRequest(input), mac: input.Mac });
  return { KeyId: view.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
});
