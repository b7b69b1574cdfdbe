import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { signRequest, type SignInput } from './sign.js';

export const verify: Operation<KmsServices> = {
  name: 'Verify',
  async handle(input: SignInput & { Signature: Buffer }, ctx, kms) {
    const view = await kms.signing.verify(ctx, { ...signRequest(input), signature: input.Signature });
    return { KeyId: view.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
  },
};
