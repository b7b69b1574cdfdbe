import type { SignRequest } from '../../protocol/models/kms.types.js';
import { base64 } from '../wire.js';
import { kmsOperation } from './operation.js';

/** The members Sign shares with Verify. */
export const signRequest = (input: SignRequest) => ({
  keyId: input.KeyId,
  message: input.Message,
  messageType: input.MessageType,
  algorithm: input.SigningAlgorithm,
  dryRun: input.DryRun,
});

export const sign = kmsOperation('Sign', async (input, ctx, kms) => {
  const { view, signature } = await kms.signing.sign(ctx, signRequest(input));
  return { KeyId: view.arn, Signature: base64(signature), SigningAlgorithm: input.SigningAlgorithm };
});
