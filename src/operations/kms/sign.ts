import type { MessageType, SigningAlgorithm } from '../../kms/key-specs.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';

export interface SignInput {
  KeyId: string;
  Message: Buffer;
  MessageType?: MessageType;
  SigningAlgorithm: SigningAlgorithm;
  GrantTokens?: string[];
  DryRun?: boolean;
}

export const signRequest = (input: SignInput) => ({
  keyId: input.KeyId,
  message: input.Message,
  messageType: input.MessageType,
  algorithm: input.SigningAlgorithm,
  dryRun: input.DryRun,
});

export const sign: Operation<KmsServices> = {
  name: 'Sign',
  async handle(input: SignInput, ctx, kms) {
    const { view, signature } = await kms.signing.sign(ctx, signRequest(input));
    return { KeyId: view.arn, Signature: base64(signature), SigningAlgorithm: input.SigningAlgorithm };
  },
};
