import { kmsOperation } from './operation.js';
import { signRequest } from './sign.js';

export const verify = kmsOperation('Verify', async (input, ctx, kms) => {
  const view = await kms.signing.verify(ctx, { ...signRequest(input), signature: input.Signature });
  return { KeyId: view.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
});
