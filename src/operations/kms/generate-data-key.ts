import { UnsupportedOperationException } from '../../kms/errors.js';
import type { GenerateDataKeyWithoutPlaintextRequest } from '../../protocol/models/kms.types.js';
import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { kmsOperation } from './operation.js';

export const generateDataKey = kmsOperation('GenerateDataKey', async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw new UnsupportedOperationException('Recipient (attested enclaves) is not supported.');
  const key = await kms.crypto.generateDataKey(ctx, input.KeyId, dataKeyRequest(input), 'GenerateDataKey');
  backingKeyEventData(ctx, key.view);
  const out = {
    CiphertextBlob: base64(key.ciphertext),
    Plaintext: base64(key.plaintext),
    KeyId: key.view.arn,
    KeyMaterialId: key.materialId,
  };
  key.plaintext.fill(0);
  return out;
});

/** The members GenerateDataKey shares with GenerateDataKeyWithoutPlaintext, which lacks only Recipient. */
export const dataKeyRequest = (input: GenerateDataKeyWithoutPlaintextRequest) => ({
  keySpec: input.KeySpec,
  numberOfBytes: input.NumberOfBytes,
  context: input.EncryptionContext,
  dryRun: input.DryRun,
});
