import type { GenerateMacRequest } from '../../protocol/models/kms.types.js';
import { base64 } from '../wire.js';
import { kmsOperation } from './operation.js';

/** The members GenerateMac shares with VerifyMac. */
export const macRequest = (input: GenerateMacRequest) => ({ keyId: input.KeyId, message: input.Message, algorithm: input.MacAlgorithm, dryRun: input.DryRun });

export const generateMac = kmsOperation('GenerateMac', async (input, ctx, kms) => {
  const { view, mac } = await kms.mac.generate(ctx, macRequest(input));
  return { Mac: base64(mac), MacAlgorithm: input.MacAlgorithm, KeyId: view.arn };
});
