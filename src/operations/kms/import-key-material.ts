import { kmsOperation } from './operation.js';

// KeyMaterialDescription is accepted and not kept: it is shown only by ListKeyRotations for
// rotated imported material, which Keywarden does not do yet.
export const importKeyMaterial = kmsOperation('ImportKeyMaterial', async (input, ctx, kms) => {
  const done = await kms.imports.importMaterial(ctx, {
    keyId: input.KeyId,
    importToken: input.ImportToken,
    encryptedKeyMaterial: input.EncryptedKeyMaterial,
    validTo: input.ValidTo,
    expirationModel: input.ExpirationModel,
    importType: input.ImportType,
    keyMaterialId: input.KeyMaterialId,
  });
  return { KeyId: done.keyId, KeyMaterialId: done.materialId };
});
