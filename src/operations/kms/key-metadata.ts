import type { KeyView } from '../../kms/keys.js';
import { currentMaterial } from '../../kms/key.js';
import { isSymmetricEncryption, keySpecEntry, usageAlgorithms, type UsageAlgorithms } from '../../kms/key-specs.js';
import { epochSeconds } from '../wire.js';

/**
 * KeyMetadata exactly as AWS returns it. A key in a custom key store adds CustomKeyStoreId and
 * CloudHsmClusterId (the store's cluster now). Only symmetric encryption keys whose material KMS
 * made have a CurrentKeyMaterialId; the key specs newer than CustomerMasterKeySpec's enum
 * (ML-DSA, Ed25519) have no CustomerMasterKeySpec.
 */
export function keyMetadata({ key, arn, state, customKeyStore }: KeyView): Record<string, unknown> {
  const md: Record<string, unknown> = {
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
  if (keySpecEntry(key.keySpec).inCustomerMasterKeySpec) md.CustomerMasterKeySpec = key.keySpec;
  md.KeySpec = key.keySpec;
  Object.assign(md, algorithmLists(usageAlgorithms(key.keySpec, key.keyUsage)));
  md.MultiRegion = false;
  if (key.origin === 'AWS_KMS' && isSymmetricEncryption(key.keySpec) && key.materials.length > 0) {
    md.CurrentKeyMaterialId = currentMaterial(key).materialId;
  }
  return md;
}

/** The algorithm list members of KeyMetadata and GetPublicKey: only the one the key's usage has. */
export function algorithmLists(algorithms: UsageAlgorithms): Record<string, readonly string[]> {
  const out: Record<string, readonly string[]> = {};
  if (algorithms.encryption) out.EncryptionAlgorithms = algorithms.encryption;
  if (algorithms.signing) out.SigningAlgorithms = algorithms.signing;
  if (algorithms.mac) out.MacAlgorithms = algorithms.mac;
  if (algorithms.keyAgreement) out.KeyAgreementAlgorithms = algorithms.keyAgreement;
  return out;
}
