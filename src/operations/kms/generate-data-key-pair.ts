import type { DataKeyPairSpec } from '../../kms/data-key-pairs.js';
import { UnsupportedOperationException } from '../../kms/errors.js';
import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { base64 } from '../wire.js';

export interface DataKeyPairInput {
  KeyId: string;
  KeyPairSpec: DataKeyPairSpec;
  EncryptionContext?: Record<string, string>;
  Recipient?: unknown;
  DryRun?: boolean;
}

export const generateDataKeyPair: Operation<KmsServices> = {
  name: 'GenerateDataKeyPair',
  async handle(input: DataKeyPairInput, ctx, kms) {
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
  },
};
