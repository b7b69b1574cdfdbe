import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';
import type { DataKeyPairInput } from './generate-data-key-pair.js';

export const generateDataKeyPairWithoutPlaintext: Operation<KmsServices> = {
  name: 'GenerateDataKeyPairWithoutPlaintext',
  async handle(input: Omit<DataKeyPairInput, 'Recipient'>, ctx, kms) {
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
  },
};
