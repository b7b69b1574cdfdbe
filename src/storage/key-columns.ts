import type { KeyRecord } from '../kms/key.js';
import { nextMaterialExpiry } from '../kms/key-materials.js';

/**
 * What a store keeps beside a key's document so that the background work finds due keys by index
 * (deletions, rotations, expiring imported material) and a custom key store's keys by its id.
 * Every store derives them here, so that they agree on which keys are due.
 */
export interface KeyColumns {
  keyId: string;
  accountId: string;
  region: string;
  deletionAt: number | null;
  rotationAt: number | null;
  customKeyStoreId: string | null;
  materialExpiresAt: number | null;
  doc: string;
}

export function keyColumns(key: KeyRecord): KeyColumns {
  return {
    keyId: key.keyId,
    accountId: key.accountId,
    region: key.region,
    deletionAt: key.state === 'PendingDeletion' ? (key.deletionDate ?? null) : null,
    // A multi-Region key rotates as its primary does, which takes its replicas along.
    rotationAt: key.rotation.enabled && isRotationSource(key) ? (key.rotation.nextRotationAt ?? null) : null,
    customKeyStoreId: key.customKeyStoreId ?? null,
    materialExpiresAt: nextMaterialExpiry(key) ?? null,
    doc: JSON.stringify(key),
  };
}

const isRotationSource = (key: KeyRecord): boolean => key.multiRegion === undefined || key.multiRegion.primaryRegion === key.region;
