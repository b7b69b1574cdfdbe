import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { UnsupportedOperationException } from '../../kms/errors.js';
import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';

export interface DataKeyInput {
  KeyId: string;
  EncryptionContext?: Record<string, string>;
  NumberOfBytes?: number;
  KeySpec?: 'AES_128' | 'AES_256';
  Recipient?: unknown;
  DryRun?: boolean;
}

export const generateDataKey: Operation<KmsServices> = {
  name: 'GenerateDataKey',
  async handle(input: DataKeyInput, ctx, kms) {
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
  },
};

export const dataKeyRequest = (input: DataKeyInput) => ({
  keySpec: input.KeySpec,
  numberOfBytes: input.NumberOfBytes,
  context: input.EncryptionContext,
  dryRun: input.DryRun,
});
