import { usageAlgorithms } from '../../kms/key-specs.js';
import { base64 } from '../wire.js';
import { algorithmLists, isCustomerMasterKeySpec } from './key-metadata.js';
import { kmsOperation } from './operation.js';

export const getPublicKey = kmsOperation('GetPublicKey', async (input, ctx, kms) => {
  const { view, publicKey } = await kms.signing.publicKey(ctx, input.KeyId);
  const { keySpec, keyUsage } = view.key;
  // GetPublicKey's answer has no MacAlgorithms member: HMAC keys have no public key, and
  // publicKey() refuses them before this point.
  const { MacAlgorithms: _, ...algorithms } = algorithmLists(usageAlgorithms(keySpec, keyUsage));
  return {
    KeyId: view.arn,
    PublicKey: base64(publicKey),
    ...(isCustomerMasterKeySpec(keySpec) ? { CustomerMasterKeySpec: keySpec } : {}),
    KeySpec: keySpec,
    KeyUsage: keyUsage,
    ...algorithms,
  };
});
