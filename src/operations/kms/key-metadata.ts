import type { KeyView } from '../../kms/keys.js';
import { currentMaterial, keyArn, type KeyRecord } from '../../kms/key.js';
import { expirationOf } from '../../kms/key-materials.js';
import { isSymmetricEncryption, keySpecEntry, usageAlgorithms, type KeySpec, type UsageAlgorithms } from '../../kms/key-specs.js';
import type { CustomerMasterKeySpec, KeyMetadata, MultiRegionConfiguration } from '../../protocol/models/kms.types.js';
import { epochSeconds } from '../wire.js';

/**
 * KeyMetadata exactly as AWS returns it. A key in a custom key store adds CustomKeyStoreId and
 * CloudHsmClusterId (the store's cluster now). Only symmetric encryption keys whose material KMS
 * made have a CurrentKeyMaterialId; the key specs newer than CustomerMasterKeySpec's enum
 * (ML-DSA, Ed25519) have no CustomerMasterKeySpec. A multi-Region key lists its primary and
 * replica keys; a replica still Creating has no material yet, so no CurrentKeyMaterialId.
 */
export function keyMetadata({ key, arn, state, customKeyStore }: KeyView): KeyMetadata {
  const md: KeyMetadata = {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: state === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: state,
  };
  if (state === 'PendingDeletion' && key.deletionDate !== undefined) md.DeletionDate = epochSeconds(key.deletionDate);
  md.Origin = key.origin;
  if (key.customKeyStoreId) md.CustomKeyStoreId = key.customKeyStoreId;
  if (customKeyStore) md.CloudHsmClusterId = customKeyStore.clusterId;
  md.KeyManager = 'CUSTOMER';
  if (isCustomerMasterKeySpec(key.keySpec)) md.CustomerMasterKeySpec = key.keySpec;
  md.KeySpec = key.keySpec;
  Object.assign(md, algorithmLists(usageAlgorithms(key.keySpec, key.keyUsage)));
  md.MultiRegion = key.multiRegion !== undefined;
  if (key.multiRegion) md.MultiRegionConfiguration = multiRegionConfiguration(key);
  // A primary waiting for its replicas' deletion has a waiting period but no date yet.
  if (state === 'PendingReplicaDeletion' && key.pendingWindowDays !== undefined) md.PendingDeletionWindowInDays = key.pendingWindowDays;
  // An EXTERNAL key keeps its CurrentKeyMaterialId after its material is deleted, as AWS shows it.
  if ((key.origin === 'AWS_KMS' || key.origin === 'EXTERNAL') && isSymmetricEncryption(key.keySpec) && key.materials.length > 0 && state !== 'Creating') {
    md.CurrentKeyMaterialId = currentMaterial(key).materialId;
  }
  const expiration = expirationOf(key);
  if (expiration) {
    md.ExpirationModel = expiration.expirationModel;
    if (expiration.validTo !== undefined) md.ValidTo = epochSeconds(expiration.validTo);
  }
  return md;
}

/** The same list in every related key: the primary, and every replica (the key itself among them when it is one). */
function multiRegionConfiguration(key: KeyRecord): MultiRegionConfiguration {
  const { primaryRegion, replicaRegions } = key.multiRegion!;
  const entry = (region: string) => ({ Arn: keyArn({ accountId: key.accountId, region }, key.keyId), Region: region });
  return {
    MultiRegionKeyType: primaryRegion === key.region ? 'PRIMARY' : 'REPLICA',
    PrimaryKey: entry(primaryRegion),
    ReplicaKeys: replicaRegions.map(entry),
  };
}

/**
 * Whether the deprecated CustomerMasterKeySpec enum still has the key spec: the key-spec table
 * says so per spec (kms/key-specs.test.ts checks it against the model's enum).
 */
export const isCustomerMasterKeySpec = (spec: KeySpec): spec is KeySpec & CustomerMasterKeySpec => keySpecEntry(spec).inCustomerMasterKeySpec;

/** The algorithm list members of KeyMetadata and GetPublicKey: only the one the key's usage has. */
export function algorithmLists(
  algorithms: UsageAlgorithms,
): Pick<KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms'> {
  const out: Pick<KeyMetadata, 'EncryptionAlgorithms' | 'SigningAlgorithms' | 'MacAlgorithms' | 'KeyAgreementAlgorithms'> = {};
  if (algorithms.encryption) out.EncryptionAlgorithms = algorithms.encryption;
  if (algorithms.signing) out.SigningAlgorithms = algorithms.signing;
  if (algorithms.mac) out.MacAlgorithms = algorithms.mac;
  if (algorithms.keyAgreement) out.KeyAgreementAlgorithms = algorithms.keyAgreement;
  return out;
}
