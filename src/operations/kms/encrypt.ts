import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';
import { backingKeyEventData } from './event-data.js';

interface Input {
  KeyId: string;
  Plaintext: Buffer;
  EncryptionContext?: Record<string, string>;
  EncryptionAlgorithm?: string;
  DryRun?: boolean;
}

export const encrypt: Operation<KmsServices> = {
  name: 'Encrypt',
  async handle(input: Input, ctx, kms) {
    const sealed = await kms.crypto.encrypt(ctx, input.KeyId, input.Plaintext, input.EncryptionContext, {
      algorithm: input.EncryptionAlgorithm,
      dryRun: input.DryRun,
    });
    backingKeyEventData(ctx, sealed.view);
    return { CiphertextBlob: base64(sealed.ciphertext), KeyId: sealed.view.arn, EncryptionAlgorithm: sealed.algorithm };
  },
};
