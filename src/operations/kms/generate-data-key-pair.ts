import { UnsupportedOperationException } from '../../kms/errors.js';
import { base64 } from '../wire.js';
import { kmsOperation } from './operation.js';

export const generateDataKeyPair = kmsOperation('GenerateDataKeyPair', async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw new UnsupportedOperationException('Recipient (attested enclaves) is not supported.');
  const pair = await kms.dataKeyPairs.generate(ctx, input.KeyId, input.KeyPairSpec, input.EncryptionContext, 'GenerateDataKeyPair', input.DryRun);
  const out = {
    PrivateKeyCiphertextBlob: base64(pair.sealedPrivateKey),
    PrivateKeyPlaintext: base64(pair.privateKey),
    PublicKey: base64(pair.publicKey),
    KeyId: pair.view.arn,
    KeyPairSpec: pair.spec,
    KeyMaterialId: pair.materialId,
  };
  pair.privateKey.fill(0);
  return out;
});
