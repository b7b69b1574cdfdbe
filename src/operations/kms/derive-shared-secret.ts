import { UnsupportedOperationException } from '../../kms/errors.js';
import { base64 } from '../wire.js';
import { kmsOperation } from './operation.js';

export const deriveSharedSecret = kmsOperation('DeriveSharedSecret', async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw new UnsupportedOperationException('Recipient (attested enclaves) is not supported.');
  const derived = await kms.keyAgreement.deriveSharedSecret(ctx, input.KeyId, input.KeyAgreementAlgorithm, input.PublicKey, input.DryRun);
  const out = {
    KeyId: derived.view.arn,
    SharedSecret: base64(derived.secret),
    KeyAgreementAlgorithm: derived.algorithm,
    KeyOrigin: derived.view.key.origin,
  };
  derived.secret.fill(0);
  return out;
});
