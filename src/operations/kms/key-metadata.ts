import type { KeyView } from '../../kms/keys.js';
import { currentMaterial } from '../../kms/key.js';
import { epochSeconds } from '../wire.js';

/**
 * KeyMetadata exactly as AWS returns it for a symmetric encryption key. A key in a custom key
 * store adds CustomKeyStoreId and CloudHsmClusterId (the store's cluster now) and has no
 * CurrentKeyMaterialId.
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
  md.CustomerMasterKeySpec = key.keySpec;
  md.KeySpec = key.keySpec;
  md.EncryptionAlgorithms = ['SYMMETRIC_DEFAULT'];
  md.MultiRegion = false;
  if (key.origin === 'AWS_KMS') md.CurrentKeyMaterialId = currentMaterial(key).materialId;
  return md;
}
