import type { KeySpec } from './key-specs.js';

// The KMS key as the domain keeps it. Field names are the domain's; operations/ maps them to the wire.

export type KeyState =
  | 'Creating'
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingImport'
  | 'PendingReplicaDeletion'
  | 'Unavailable'
  | 'Updating';

export type KeyUsage = 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type Origin = 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

export interface Scope {
  accountId: string;
  region: string;
}

export interface Tag {
  key: string;
  value: string;
}

/** One version of a key's material. The newest version encrypts; every version decrypts. */
export interface KeyMaterial {
  version: number;
  /** 64 hex digits, reported as KeyMaterialId. */
  materialId: string;
  /**
   * The secret material encrypted under the service's root key (base64): AES or HMAC key bytes,
   * or the private key of a key pair as PKCS #8 DER.
   */
  wrapped: string;
  /** A key pair's public key, DER SubjectPublicKeyInfo (base64), kept in clear: it is public. */
  publicKey?: string;
  createdAt: number;
  /** How this version came to be; absent for the original material. */
  rotationType?: RotationType;
  /** Origin EXTERNAL: how the material is held while it is imported (absent once deleted or expired). */
  imported?: ImportedMaterial;
  /** Origin EXTERNAL: the KeyMaterialDescription given when it was last imported. */
  description?: string;
}

/**
 * The key object in a custom key store's cluster that holds a KMS key's material (keys with
 * Origin AWS_CLOUDHSM have no material of their own).
 */
export interface BackingKeyRef {
  /** The key object's `id` attribute, hex: what CloudTrail reports as `backingKeyId`. */
  backingKeyId: string;
  keyHandle: number;
  /** The store's cluster did not hold the key object when last looked at: the key is Unavailable. */
  missing?: boolean;
}

export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';

/** How one imported material of a key with Origin EXTERNAL is held, while it is imported. */
export interface ImportedMaterial {
  expirationModel: ExpirationModel;
  /** Epoch milliseconds; only with KEY_MATERIAL_EXPIRES. */
  validTo?: number;
}

/**
 * A multi-Region key's place among its related keys: the keys of the same account with the same
 * key id in other Regions, which share its material. Every related key keeps the whole picture,
 * and every change to it rewrites all of them in one transaction (KeyRepository.updateRelated).
 */
export interface MultiRegionPlace {
  primaryRegion: string;
  /** The Regions of the replica keys, sorted. */
  replicaRegions: string[];
}

export interface RotationSchedule {
  enabled: boolean;
  periodDays?: number;
  nextRotationAt?: number;
}

export interface KeyRecord extends Scope {
  keyId: string;
  createdAt: number;
  description: string;
  keyUsage: KeyUsage;
  keySpec: KeySpec;
  origin: Origin;
  /** The state the key owner asked for; what clients see may differ (see effectiveState). */
  state: KeyState;
  deletionDate?: number;
  pendingWindowDays?: number;
  policy: string;
  tags: Tag[];
  customKeyStoreId?: string;
  /** Only for keys in a custom key store. */
  backingKey?: BackingKeyRef;
  rotation: RotationSchedule;
  /**
   * Empty for keys in a custom key store (their material is the backing key in the cluster) and
   * for keys with Origin EXTERNAL before their first import. An EXTERNAL key whose material was
   * deleted keeps the entry (its materialId, a keyed digest, recognises the material when it is
   * imported again) with `wrapped` empty.
   */
  materials: KeyMaterial[];
  /**
   * Origin EXTERNAL, symmetric: material imported as NEW_KEY_MATERIAL that RotateKeyOnDemand has
   * not yet made current (PENDING_ROTATION). It is not the key's until then: it encrypts nothing.
   */
  pendingMaterial?: KeyMaterial;
  /** Only for multi-Region keys (key ids `mrk-…`). */
  multiRegion?: MultiRegionPlace;
}

export const currentMaterial = (key: KeyRecord): KeyMaterial => key.materials[key.materials.length - 1]!;

export const keyArn = (s: Scope, keyId: string): string => `arn:aws:kms:${s.region}:${s.accountId}:key/${keyId}`;
export const aliasArn = (s: Scope, aliasName: string): string => `arn:aws:kms:${s.region}:${s.accountId}:${aliasName}`;
