import type { RotationsListEntry } from '../../protocol/models/kms.types.js';
import { epochSeconds, fromMarker, truncation } from '../wire.js';
import { kmsOperation } from './operation.js';

/** AWS's documented default page size for ListKeyRotations. */
const DEFAULT_LIMIT = 100;

export const listKeyRotations = kmsOperation('ListKeyRotations', async (input, ctx, kms) => {
  const includeFirst = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
  const page = await kms.rotation.listRotations(ctx, input.KeyId, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker), includeFirst);
  // ImportState, ExpirationModel, ValidTo and KeyMaterialDescription belong to imported material
  // (EXTERNAL origin) only; AWS omits them for keys whose material it generated.
  const rotations = page.items.map((r) => {
    const entry: RotationsListEntry = { KeyId: r.keyArn, KeyMaterialId: r.materialId };
    if (r.imported?.description !== undefined) entry.KeyMaterialDescription = r.imported.description;
    if (r.imported) entry.ImportState = r.imported.importState;
    entry.KeyMaterialState = r.state;
    if (r.imported?.expirationModel !== undefined) entry.ExpirationModel = r.imported.expirationModel;
    if (r.imported?.validTo !== undefined) entry.ValidTo = epochSeconds(r.imported.validTo);
    if (r.rotatedAt !== undefined) entry.RotationDate = epochSeconds(r.rotatedAt);
    if (r.rotationType !== undefined) entry.RotationType = r.rotationType;
    return entry;
  });
  return { Rotations: rotations, ...truncation(page.next) };
});
