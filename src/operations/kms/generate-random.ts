import { UnsupportedOperationException } from '../../kms/errors.js';
import { base64 } from '../wire.js';
import { kmsOperation } from './operation.js';

export const generateRandom = kmsOperation('GenerateRandom', async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw new UnsupportedOperationException('Recipient (attested enclaves) is not supported.');
  return { Plaintext: base64(await kms.crypto.generateRandom(ctx, input.NumberOfBytes, input.CustomKeyStoreId)) };
});
