import { ValidationException } from '../../core/common-errors.js';
import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const reEncrypt = kmsOperation('ReEncrypt', async (input, ctx, kms) => {
  if (input.CiphertextBlob === undefined) {
    throw new ValidationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  }
  const { opened, sealed } = await kms.crypto.reEncrypt(
    ctx,
    input.CiphertextBlob,
    { context: input.SourceEncryptionContext, keyId: input.SourceKeyId, algorithm: input.SourceEncryptionAlgorithm },
    { keyId: input.DestinationKeyId, context: input.DestinationEncryptionContext, algorithm: input.DestinationEncryptionAlgorithm },
    input.DryRun,
  );
  // The source key's backing key decrypted, the destination's encrypted; a record names one,
  // so the destination when it is in a custom key store.
  backingKeyEventData(ctx, opened.view);
  backingKeyEventData(ctx, sealed.view);
  return {
    CiphertextBlob: base64(sealed.ciphertext),
    SourceKeyId: opened.view.arn,
    KeyId: sealed.view.arn,
    SourceEncryptionAlgorithm: opened.algorithm,
    DestinationEncryptionAlgorithm: sealed.algorithm,
    SourceKeyMaterialId: opened.materialId,
    DestinationKeyMaterialId: sealed.materialId,
  };
});
