import { ValidationException } from '../../core/common-errors.js';
import { UnsupportedOperationException } from '../../kms/errors.js';
import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const decrypt = kmsOperation('Decrypt', async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw new UnsupportedOperationException('Recipient (attested enclaves) is not supported.');
  if (input.CiphertextBlob === undefined) {
    throw new ValidationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
  }
  const opened = await kms.crypto.decrypt(ctx, input.CiphertextBlob, input.EncryptionContext, input.KeyId, {
    algorithm: input.EncryptionAlgorithm,
    dryRun: input.DryRun,
  });
  backingKeyEventData(ctx, opened.view);
  return {
    KeyId: opened.view.arn,
    Plaintext: base64(opened.plaintext),
    EncryptionAlgorithm: opened.algorithm,
    KeyMaterialId: opened.materialId,
  };
});
