import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { UnsupportedOperationException } from '../../kms/errors.js';
import { base64 } from '../wire.js';

export const generateRandom: Operation<KmsServices> = {
  name: 'GenerateRandom',
  async handle(input: { NumberOfBytes?: number; CustomKeyStoreId?: string; Recipient?: unknown }, ctx, kms) {
    if (input.Recipient !== undefined) throw new UnsupportedOperationException('Recipient (attested enclaves) is not supported.');
    return { Plaintext: base64(await kms.crypto.generateRandom(ctx, input.NumberOfBytes, input.CustomKeyStoreId)) };
  },
};
