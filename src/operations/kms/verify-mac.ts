import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { macRequest, type MacInput } from './generate-mac.js';

export const verifyMac: Operation<KmsServices> = {
  name: 'VerifyMac',
  async handle(input: MacInput & { Mac: Buffer }, ctx, kms) {
    const view = await kms.mac.verify(ctx, { ...macRequest(input), mac: input.Mac });
    return { KeyId: view.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
  },
};
