/**
 * The KMS actions policies name, per API operation, and where AWS authorizes each (the KMS
 * permissions reference): `key` operations need the key policy (alone, or delegating to IAM, or a
 * grant); `account` operations have no key and are governed by IAM policies alone, on Resource
 * `*`; `alias` operations need the action on the alias (IAM) and on the key it names (key policy);
 * RetireGrant is authorized by the grant itself (`grant`).
 */
export type ActionScope = 'key' | 'account' | 'alias' | 'grant';

export interface OperationAuthz {
  /** The IAM actions the operation needs; ReEncrypt needs two, on its source and destination keys. */
  readonly actions: readonly string[];
  readonly scope: ActionScope;
}

const key = (...actions: string[]): OperationAuthz => ({ actions: actions.map((a) => `kms:${a}`), scope: 'key' });
const account = (action: string): OperationAuthz => ({ actions: [`kms:${action}`], scope: 'account' });
const alias = (action: string): OperationAuthz => ({ actions: [`kms:${action}`], scope: 'alias' });

export const KMS_OPERATIONS: Readonly<Record<string, OperationAuthz>> = {
  CancelKeyDeletion: key('CancelKeyDeletion'),
  ConnectCustomKeyStore: account('ConnectCustomKeyStore'),
  CreateAlias: alias('CreateAlias'),
  CreateCustomKeyStore: account('CreateCustomKeyStore'),
  CreateGrant: key('CreateGrant'),
  CreateKey: account('CreateKey'),
  Decrypt: key('Decrypt'),
  DeleteAlias: alias('DeleteAlias'),
  DeleteCustomKeyStore: account('DeleteCustomKeyStore'),
  DeleteImportedKeyMaterial: key('DeleteImportedKeyMaterial'),
  DeriveSharedSecret: key('DeriveSharedSecret'),
  DescribeCustomKeyStores: account('DescribeCustomKeyStores'),
  DescribeKey: key('DescribeKey'),
  DisableKey: key('DisableKey'),
  DisableKeyRotation: key('DisableKeyRotation'),
  DisconnectCustomKeyStore: account('DisconnectCustomKeyStore'),
  EnableKey: key('EnableKey'),
  EnableKeyRotation: key('EnableKeyRotation'),
  Encrypt: key('Encrypt'),
  GenerateDataKey: key('GenerateDataKey'),
  GenerateDataKeyPair: key('GenerateDataKeyPair'),
  GenerateDataKeyPairWithoutPlaintext: key('GenerateDataKeyPairWithoutPlaintext'),
  GenerateDataKeyWithoutPlaintext: key('GenerateDataKeyWithoutPlaintext'),
  GenerateMac: key('GenerateMac'),
  GenerateRandom: account('GenerateRandom'),
  GetKeyLastUsage: key('GetKeyLastUsage'),
  GetKeyPolicy: key('GetKeyPolicy'),
  GetKeyRotationStatus: key('GetKeyRotationStatus'),
  GetParametersForImport: key('GetParametersForImport'),
  GetPublicKey: key('GetPublicKey'),
  ImportKeyMaterial: key('ImportKeyMaterial'),
  ListAliases: account('ListAliases'),
  ListGrants: key('ListGrants'),
  ListKeyPolicies: key('ListKeyPolicies'),
  ListKeyRotations: key('ListKeyRotations'),
  ListKeys: account('ListKeys'),
  ListResourceTags: key('ListResourceTags'),
  ListRetirableGrants: account('ListRetirableGrants'),
  PutKeyPolicy: key('PutKeyPolicy'),
  ReEncrypt: key('ReEncryptFrom', 'ReEncryptTo'),
  ReplicateKey: key('ReplicateKey'),
  RetireGrant: { actions: ['kms:RetireGrant'], scope: 'grant' },
  RevokeGrant: key('RevokeGrant'),
  RotateKeyOnDemand: key('RotateKeyOnDemand'),
  ScheduleKeyDeletion: key('ScheduleKeyDeletion'),
  Sign: key('Sign'),
  TagResource: key('TagResource'),
  UntagResource: key('UntagResource'),
  UpdateAlias: alias('UpdateAlias'),
  UpdateCustomKeyStore: account('UpdateCustomKeyStore'),
  UpdateKeyDescription: key('UpdateKeyDescription'),
  UpdatePrimaryRegion: key('UpdatePrimaryRegion'),
  Verify: key('Verify'),
  VerifyMac: key('VerifyMac'),
};

/**
 * The actions a principal of another account can perform on a key (the "Cross-account use: Yes"
 * operations of the KMS permissions reference). A key policy that gives another account any
 * other action (kms:ScheduleKeyDeletion, kms:PutKeyPolicy, ...) gives it nothing.
 */
export const CROSS_ACCOUNT_ACTIONS: ReadonlySet<string> = new Set(
  [
    'CreateGrant', 'Decrypt', 'DeriveSharedSecret', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair',
    'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'GetKeyRotationStatus', 'GetPublicKey',
    'ListGrants', 'ReEncryptFrom', 'ReEncryptTo', 'RetireGrant', 'RevokeGrant', 'Sign', 'Verify', 'VerifyMac',
  ].map((a) => `kms:${a}`.toLowerCase()),
);

/** Every KMS action a policy can name. */
export const KMS_ACTIONS: ReadonlySet<string> = new Set(Object.values(KMS_OPERATIONS).flatMap((o) => o.actions));

/** The operations a grant can allow (CreateGrant's GrantOperation enumeration). */
export const GRANT_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'Sign',
  'Verify',
  'GetPublicKey',
  'CreateGrant',
  'RetireGrant',
  'DescribeKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
] as const;
export type GrantOperation = (typeof GRANT_OPERATIONS)[number];

/**
 * Grant operations that take an encryption context, to which encryption-context constraints
 * apply. DescribeKey and RetireGrant may sit in a constrained grant but ignore the constraint;
 * CreateGrant passes it on (a child grant must be as strict); the others cannot be constrained.
 */
export const ENCRYPTION_CONTEXT_OPERATIONS: ReadonlySet<GrantOperation> = new Set<GrantOperation>([
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
]);

/** Grant operations that may appear in a grant with an encryption-context constraint. */
export const CONSTRAINABLE_OPERATIONS: ReadonlySet<GrantOperation> = new Set<GrantOperation>([
  ...ENCRYPTION_CONTEXT_OPERATIONS,
  'CreateGrant',
  'DescribeKey',
  'RetireGrant',
]);

export function isGrantOperation(op: string): op is GrantOperation {
  return (GRANT_OPERATIONS as readonly string[]).includes(op);
}

/** `kms:Decrypt` → `Decrypt`, the grant operation an action is, if any. */
export function grantOperationOf(action: string): GrantOperation | undefined {
  const colon = action.indexOf(':');
  if (colon < 0 || action.slice(0, colon).toLowerCase() !== 'kms') return undefined;
  const name = action.slice(colon + 1);
  return GRANT_OPERATIONS.find((op) => op.toLowerCase() === name.toLowerCase());
}
