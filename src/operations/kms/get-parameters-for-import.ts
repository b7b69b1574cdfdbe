import { base64, epochSeconds } from '../wire.js';
import { kmsOperation } from './operation.js';

export const getParametersForImport = kmsOperation('GetParametersForImport', async (input, ctx, kms) => {
  const p = await kms.imports.parametersFor(ctx, input.KeyId, input.WrappingAlgorithm, input.WrappingKeySpec);
  return { KeyId: p.view.arn, ImportToken: base64(p.importToken), PublicKey: base64(p.publicKey), ParametersValidTo: epochSeconds(p.validTo) };
});
