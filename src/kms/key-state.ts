import type { AwsError } from '../core/aws-error.js';
import { DisabledException, KMSInvalidStateException, UnsupportedOperationException } from './errors.js';
import type { CustomKeyStoreStatus } from './custom-key-store-port.js';
import type { KeyRecord, KeyState } from './key.js';

/**
 * Which key states each operation accepts, and what it answers otherwise: AWS's key-state table,
 * as data. A missing entry means the operation succeeds in that state.
 */
type Outcome =
  | 'disabled'
  | 'pendingDeletion'
  | 'notPendingDeletion'
  | 'pendingImport'
  | 'unavailable'
  | 'creating'
  | 'updating'
  | 'customKeyStore';

type Rules = Partial<Record<KeyState, Outcome>>;

const CRYPTO: Rules = {
  Disabled: 'disabled',
  PendingDeletion: 'pendingDeletion',
  PendingReplicaDeletion: 'pendingDeletion',
  PendingImport: 'pendingImport',
  Unavailable: 'unavailable',
  Creating: 'creating',
};
const ENABLE_DISABLE: Rules = {
  PendingDeletion: 'pendingDeletion',
  PendingReplicaDeletion: 'pendingDeletion',
  PendingImport: 'pendingImport',
  Creating: 'creating',
  Updating: 'updating',
};
/** CreateGrant: a grant may be made while a key's custom key store is disconnected, unlike cryptography. */
const GRANT: Rules = {
  Disabled: 'disabled',
  PendingDeletion: 'pendingDeletion',
  PendingReplicaDeletion: 'pendingDeletion',
  PendingImport: 'pendingImport',
  Creating: 'creating',
};
const MANAGE: Rules = { PendingDeletion: 'pendingDeletion', PendingReplicaDeletion: 'pendingDeletion' };
const ROTATION_CHANGE: Rules = {
  Disabled: 'disabled',
  PendingDeletion: 'pendingDeletion',
  PendingReplicaDeletion: 'pendingDeletion',
  PendingImport: 'pendingImport',
  Unavailable: 'customKeyStore',
  Creating: 'creating',
};
const NOT_PENDING: Rules = {
  Enabled: 'notPendingDeletion',
  Disabled: 'notPendingDeletion',
  PendingImport: 'notPendingDeletion',
  Unavailable: 'notPendingDeletion',
  Creating: 'notPendingDeletion',
  Updating: 'notPendingDeletion',
};

export const KEY_STATE_RULES = {
  Encrypt: CRYPTO,
  Decrypt: CRYPTO,
  ReEncrypt: CRYPTO,
  GenerateDataKey: CRYPTO,
  GenerateDataKeyWithoutPlaintext: CRYPTO,
  GenerateDataKeyPair: CRYPTO,
  GenerateDataKeyPairWithoutPlaintext: CRYPTO,
  Sign: CRYPTO,
  Verify: CRYPTO,
  GenerateMac: CRYPTO,
  VerifyMac: CRYPTO,
  GetPublicKey: CRYPTO,
  DeriveSharedSecret: CRYPTO,
  EnableKey: ENABLE_DISABLE,
  DisableKey: ENABLE_DISABLE,
  ScheduleKeyDeletion: { PendingDeletion: 'pendingDeletion', PendingReplicaDeletion: 'pendingDeletion', Updating: 'updating' },
  CancelKeyDeletion: NOT_PENDING,
  CreateGrant: GRANT,
  CreateAlias: MANAGE,
  UpdateAlias: MANAGE,
  TagResource: MANAGE,
  UntagResource: MANAGE,
  UpdateKeyDescription: MANAGE,
  EnableKeyRotation: ROTATION_CHANGE,
  DisableKeyRotation: ROTATION_CHANGE,
  RotateKeyOnDemand: ROTATION_CHANGE,
  GetParametersForImport: MANAGE,
  ImportKeyMaterial: MANAGE,
  DeleteImportedKeyMaterial: MANAGE,
  GetKeyRotationStatus: { PendingImport: 'pendingImport', Unavailable: 'customKeyStore' },
  // A key with imported material lists its materials while some are deleted or expired: that is
  // how the caller learns which ones to import again.
  ListKeyRotations: { Unavailable: 'customKeyStore' },
  // A primary key waiting for deletion (its replicas' too) cannot be replicated; one being
  // disabled cannot either, as the model's DisabledException for ReplicateKey says. An imported
  // key still waiting for its material can: its replica waits for the same material.
  ReplicateKey: {
    Disabled: 'disabled',
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    Creating: 'creating',
    Updating: 'updating',
  },
  // Checked on both keys whose roles swap; disabled or pending import, a key can still change role.
  UpdatePrimaryRegion: {
    PendingDeletion: 'pendingDeletion',
    PendingReplicaDeletion: 'pendingDeletion',
    Creating: 'creating',
    Updating: 'updating',
  },
} satisfies Record<string, Rules>;

export type KeyStateOperation = keyof typeof KEY_STATE_RULES;

const MESSAGES: Record<Outcome, (arn: string) => AwsError> = {
  disabled: (arn) => new DisabledException(`${arn} is disabled.`),
  pendingDeletion: (arn) => new KMSInvalidStateException(`${arn} is pending deletion.`),
  notPendingDeletion: (arn) => new KMSInvalidStateException(`${arn} is not pending deletion.`),
  pendingImport: (arn) => new KMSInvalidStateException(`${arn} is pending import.`),
  unavailable: (arn) => new KMSInvalidStateException(`${arn} is unavailable.`),
  creating: (arn) => new KMSInvalidStateException(`${arn} is creating.`),
  updating: (arn) => new KMSInvalidStateException(`${arn} is updating.`),
  customKeyStore: (arn) =>
    new UnsupportedOperationException(`${arn} is in a custom key store, which does not support this operation.`),
};

/** Throws the error AWS gives when `operation` meets a key in `state`; returns when allowed. */
export function checkKeyState(operation: KeyStateOperation, state: KeyState, arn: string): void {
  const outcome = (KEY_STATE_RULES[operation] as Rules)[state];
  if (outcome) throw MESSAGES[outcome](arn);
}

/**
 * The state a caller sees. A key in a custom key store is `Unavailable` while its store is not
 * CONNECTED, or while the store's cluster does not hold its backing key; the stored state (what
 * the owner last asked for, Enabled or Disabled) returns when the cause is gone. A key pending
 * deletion shows PendingDeletion throughout, so its deletion can be cancelled while disconnected.
 */
export function effectiveState(
  key: Pick<KeyRecord, 'state' | 'customKeyStoreId'> & { backingKey?: { missing?: boolean } },
  store: CustomKeyStoreStatus | undefined,
): KeyState {
  if (key.customKeyStoreId === undefined || key.state === 'PendingDeletion') return key.state;
  if (store?.connectionState !== 'CONNECTED' || key.backingKey?.missing) return 'Unavailable';
  return key.state;
}
