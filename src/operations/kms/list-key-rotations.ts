import type { KmsServices } from '../../kms/services.js';
import type { Operation } from '../../protocol/service.js';
import { epochSeconds, fromMarker, paged } from '../wire.js';

interface Input {
  KeyId: string;
  IncludeKeyMaterial?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY';
  Limit?: number;
  Marker?: string;
}

/** AWS's documented default page size for ListKeyRotations. */
const DEFAULT_LIMIT = 100;

export const listKeyRotations: Operation<KmsServices> = {
  name: 'ListKeyRotations',
  async handle(input: Input, ctx, kms) {
    const includeFirst = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
    const page = await kms.rotation.listRotations(ctx, input.KeyId, input.Limit ?? DEFAULT_LIMIT, fromMarker(input.Marker), includeFirst);
    // ImportState, ExpirationModel, ValidTo and KeyMaterialDescription belong to imported material
    // (EXTERNAL origin) only; AWS omits them for keys whose material it generated.
    const rotations = page.items.map((r) => {
      const entry: Record<string, unknown> = { KeyId: r.keyArn, KeyMaterialId: r.materialId, KeyMaterialState: r.state };
      if (r.rotatedAt !== undefined) entry.RotationDate = epochSeconds(r.rotatedAt);
      if (r.rotationType !== undefined) entry.RotationType = r.rotationType;
      return entry;
    });
    return paged('Rotations', rotations, page.next);
  },
};
