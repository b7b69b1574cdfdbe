import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const encrypt = kmsOperation('Encrypt', async (input, ctx, kms) => {
  const sealed = await kms.crypto.encrypt(ctx, input.KeyId, input.Plaintext, input.EncryptionContext, {
    algorithm: input.EncryptionAlgorithm,
    dryRun: input.DryRun,
  });
  backingKeyEventData(ctx, sealed.view);
  return { CiphertextBlob: base64(sealed.ciphertext), KeyId: sealed.view.arn, EncryptionAlgorithm: sealed.algorithm };
});
