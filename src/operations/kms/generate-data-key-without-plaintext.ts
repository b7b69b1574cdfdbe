import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { dataKeyRequest } from './generate-data-key.js';
import { kmsOperation } from './operation.js';

export const generateDataKeyWithoutPlaintext = kmsOperation('GenerateDataKeyWithoutPlaintext', async (input, ctx, kms) => {
  const key = await kms.crypto.generateDataKey(ctx, input.KeyId, dataKeyRequest(input), 'GenerateDataKeyWithoutPlaintext');
  key.plaintext.fill(0);
  backingKeyEventData(ctx, key.view);
  return { CiphertextBlob: base64(key.ciphertext), KeyId: key.view.arn, KeyMaterialId: key.materialId };
});
