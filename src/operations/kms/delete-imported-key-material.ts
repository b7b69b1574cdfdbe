import { kmsOperation } from './operation.js';

export const deleteImportedKeyMaterial = kmsOperation('DeleteImportedKeyMaterial', async (input, ctx, kms) => {
  const done = await kms.imports.deleteMaterial(ctx, input.KeyId, input.KeyMaterialId);
  return done.materialId === undefined ? { KeyId: done.arn } : { KeyId: done.arn, KeyMaterialId: done.materialId };
});
