import { kmsOperation } from './operation.js';

export const importKeyMaterial = kmsOperation('ImportKeyMaterial', async (input, ctx, kms) => {
  const done = await kms.imports.importMaterial(ctx, {
    keyId: input.KeyId,
    importToken: input.ImportToken,
    encryptedKeyMaterial: input.EncryptedKeyMaterial,
    validTo: input.ValidTo,
    expirationModel: input.ExpirationModel,
    importType: input.ImportType,
    keyMaterialId: input.KeyMaterialId,
    description: input.KeyMaterialDescription,
  });
  return { KeyId: done.arn, KeyMaterialId: done.materialId };
});
