import { UnsupportedOperationException } from '../../kms/errors.js';
import type { KeyAgreementAlgorithm } from '../../kms/key-specs.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';

interface Input {
  KeyId: string;
  KeyAgreementAlgorithm: KeyAgreementAlgorithm;
  PublicKey: Buffer;
  Recipient?: unknown;
  DryRun?: boolean;
}

export const deriveSharedSecret: Operation<KmsServices> = {
  name: 'DeriveSharedSecret',
  async handle(input: Input, ctx, kms) {
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
  },
};
