import type { ExpirationModel, KeyMaterial, KeyRecord } from './key.js';

// What a key with Origin EXTERNAL holds of its materials, as pure functions over the record.
// A material is permanently associated with its key once it is the key's first material or a
// rotation made it current; until then (PENDING_ROTATION) it is the key's pendingMaterial, which
// can be deleted and replaced by other material. A permanent material whose bytes are deleted or
// expired keeps its entry, with `wrapped` empty, so that its ciphertexts are recognised and the
// same material can be imported again.

/** ImportState IMPORTED: the service holds the material's bytes. */
export const isImported = (m: KeyMaterial): boolean => m.wrapped !== '';

/** Every material of the key in the order they came, the pending one last. */
export const allMaterials = (key: KeyRecord): readonly KeyMaterial[] =>
  key.pendingMaterial ? [...key.materials, key.pendingMaterial] : key.materials;

/** Whether the key holds every material permanently associated with it: only then can it be used. */
export const holdsAllMaterials = (key: KeyRecord): boolean => key.materials.length > 0 && key.materials.every(isImported);

/**
 * The earliest ValidTo of any imported material, the pending one included: when the service must
 * next delete material of this key. Storage indexes it.
 */
export function nextMaterialExpiry(key: KeyRecord): number | undefined {
  let next: number | undefined;
  for (const m of allMaterials(key)) {
    const at = m.imported?.validTo;
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

/**
 * KeyMetadata's ExpirationModel and ValidTo. AWS documents ValidTo as the earliest expiry of any
 * imported material permanently associated with the key, so pending material does not count; the
 * model is KEY_MATERIAL_EXPIRES as soon as one such material expires. Absent while the key holds
 * none of its materials, as AWS shows a key whose material was deleted.
 */
export function expirationOf(key: KeyRecord): { expirationModel: ExpirationModel; validTo?: number } | undefined {
  const held = key.materials.filter((m) => m.imported !== undefined);
  if (held.length === 0) return undefined;
  let validTo: number | undefined;
  for (const m of held) {
    const at = m.imported!.validTo;
    if (at !== undefined && (validTo === undefined || at < validTo)) validTo = at;
  }
  return validTo === undefined ? { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } : { expirationModel: 'KEY_MATERIAL_EXPIRES', validTo };
}

/**
 * The key without the bytes of one material. Pending material is forgotten altogether, and the
 * key's state is unchanged; a permanent material keeps its entry and makes the key PendingImport
 * (a key waiting for deletion stays PendingDeletion).
 */
export function withoutMaterial(key: KeyRecord, materialId: string): KeyRecord {
  if (key.pendingMaterial?.materialId === materialId) {
    const { pendingMaterial: _gone, ...rest } = key;
    return rest;
  }
  return {
    ...key,
    state: key.state === 'PendingDeletion' ? key.state : 'PendingImport',
    materials: key.materials.map((m) => (m.materialId === materialId ? forgotten(m) : m)),
  };
}

function forgotten(m: KeyMaterial): KeyMaterial {
  const { imported: _i, ...rest } = m;
  return { ...rest, wrapped: '' };
}
