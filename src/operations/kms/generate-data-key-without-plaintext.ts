import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';
import { dataKeyRequest, type DataKeyInput } from './generate-data-key.js';

export const generateDataKeyWithoutPlaintext: Operation<KmsServices> = {
  name: 'GenerateDataKeyWithoutPlaintext',
  async handle(input: DataKeyInput, ctx, kms) {
    const key = await kms.crypto.generateDataKey(ctx, input.KeyId, dataKeyRequest(input), 'GenerateDataKeyWithoutPlaintext');
    key.plaintext.fill(0);
    backingKeyEventData(ctx, key.view);
    return { CiphertextBlob: base64(key.ciphertext), KeyId: key.view.arn, KeyMaterialId: key.materialId };
  },
};
