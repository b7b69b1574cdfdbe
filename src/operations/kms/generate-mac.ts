import type { MacAlgorithm } from '../../kms/key-specs.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';

export interface MacInput {
  KeyId: string;
  Message: Buffer;
  MacAlgorithm: MacAlgorithm;
  GrantTokens?: string[];
  DryRun?: boolean;
}

export const macRequest = (input: MacInput) => ({ keyId: input.KeyId, message: input.Message, algorithm: input.MacAlgorithm, dryRun: input.DryRun });

export const generateMac: Operation<KmsServices> = {
  name: 'GenerateMac',
  async handle(input: MacInput, ctx, kms) {
    const { view, mac } = await kms.mac.generate(ctx, macRequest(input));
    return { Mac: base64(mac), MacAlgorithm: input.MacAlgorithm, KeyId: view.arn };
  },
};
