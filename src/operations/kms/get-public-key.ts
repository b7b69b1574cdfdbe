import { keySpecEntry, usageAlgorithms } from '../../kms/key-specs.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';
import { algorithmLists } from './key-metadata.js';

export const getPublicKey: Operation<KmsServices> = {
  name: 'GetPublicKey',
  async handle(input: { KeyId: string; GrantTokens?: string[] }, ctx, kms) {
    const { view, publicKey } = await kms.signing.publicKey(ctx, input.KeyId);
    const { keySpec, keyUsage } = view.key;
    return {
      KeyId: view.arn,
      PublicKey: base64(publicKey),
      ...(keySpecEntry(keySpec).inCustomerMasterKeySpec ? { CustomerMasterKeySpec: keySpec } : {}),
      KeySpec: keySpec,
      KeyUsage: keyUsage,
      ...algorithmLists(usageAlgorithms(keySpec, keyUsage)),
    };
  },
};
