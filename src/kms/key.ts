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
  /** The material encrypted under the service's root key (base64). */
  wrapped: string;
  createdAt: number;
  /** How this version came to be; absent for the original material. */
  rotationType?: RotationType;
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
  keySpec: string;
  origin: Origin;
  /** The state the key owner asked for; what clients see may differ (see effectiveState). */
  state: KeyState;
  deletionDate?: number;
  pendingWindowDays?: number;
  policy: string;
  tags: Tag[];
  customKeyStoreId?: string;
  rotation: RotationSchedule;
  materials: KeyMaterial[];
}

export const currentMaterial = (key: KeyRecord): KeyMaterial => key.materials[key.materials.length - 1]!;

export const keyArn = (s: Scope, keyId: string): string => `arn:aws:kms:${s.region}:${s.accountId}:key/${keyId}`;
export const aliasArn = (s: Scope, aliasName: string): string => `arn:aws:kms:${s.region}:${s.accountId}:${aliasName}`;
