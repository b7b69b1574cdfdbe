import { base64 } from '../wire.js';
import { kmsOperation } from './operation.js';

export const generateDataKeyPairWithoutPlaintext = kmsOperation('GenerateDataKeyPairWithoutPlaintext', async (input, ctx, kms) => {
  const pair = await kms.dataKeyPairs.generate(
    ctx,
    input.KeyId,
    input.KeyPairSpec,
    input.EncryptionContext,
    'GenerateDataKeyPairWithoutPlaintext',
    input.DryRun,
  );
  pair.privateKey.fill(0);
  return {
    PrivateKeyCiphertextBlob: base64(pair.sealedPrivateKey),
    PublicKey: base64(pair.publicKey),
    KeyId: pair.view.arn,
    KeyPairSpec: pair.spec,
    KeyMaterialId: pair.materialId,
  };
});
