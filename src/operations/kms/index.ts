import kmsModel from '../../protocol/models/kms.json' with { type: 'json' };
import { KMSInternalException, UnsupportedOperationException } from '../../kms/errors.js';
import { KMS_OPERATIONS } from '../../authz/index.js';
import type { ServiceModel } from '../../protocol/model.js';
import type { KmsOperations } from '../../protocol/models/kms.types.js';
import { operationMap, type ServiceDefinition } from '../../protocol/service.js';
import type { KmsApp } from './app.js';
import { cancelKeyDeletion } from './cancel-key-deletion.js';
import { connectCustomKeyStore } from './connect-custom-key-store.js';
import { createCustomKeyStore } from './create-custom-key-store.js';
import { deleteCustomKeyStore } from './delete-custom-key-store.js';
import { describeCustomKeyStores } from './describe-custom-key-stores.js';
import { disconnectCustomKeyStore } from './disconnect-custom-key-store.js';
import { updateCustomKeyStore } from './update-custom-key-store.js';
import { createAlias } from './create-alias.js';
import { createGrant } from './create-grant.js';
import { createKey } from './create-key.js';
import { decrypt } from './decrypt.js';
import { deleteAlias } from './delete-alias.js';
import { deleteImportedKeyMaterial } from './delete-imported-key-material.js';
import { deriveSharedSecret } from './derive-shared-secret.js';
import { describeKey } from './describe-key.js';
import { disableKey } from './disable-key.js';
import { disableKeyRotation } from './disable-key-rotation.js';
import { enableKey } from './enable-key.js';
import { enableKeyRotation } from './enable-key-rotation.js';
import { encrypt } from './encrypt.js';
import { rejectWithAwsEnumOrder } from './enum-print-order.js';
import { generateDataKey } from './generate-data-key.js';
import { generateDataKeyPair } from './generate-data-key-pair.js';
import { generateDataKeyPairWithoutPlaintext } from './generate-data-key-pair-without-plaintext.js';
import { generateDataKeyWithoutPlaintext } from './generate-data-key-without-plaintext.js';
import { generateMac } from './generate-mac.js';
import { generateRandom } from './generate-random.js';
import { getKeyLastUsage } from './get-key-last-usage.js';
import { kmsIamChecks } from './iam-checks.js';
import { getKeyPolicy } from './get-key-policy.js';
import { getParametersForImport } from './get-parameters-for-import.js';
import { getPublicKey } from './get-public-key.js';
import { importKeyMaterial } from './import-key-material.js';
import { getKeyRotationStatus } from './get-key-rotation-status.js';
import { listAliases } from './list-aliases.js';
import { listGrants } from './list-grants.js';
import { listKeyPolicies } from './list-key-policies.js';
import { listKeyRotations } from './list-key-rotations.js';
import { listKeys } from './list-keys.js';
import { listResourceTags } from './list-resource-tags.js';
import { listRetirableGrants } from './list-retirable-grants.js';
import { putKeyPolicy } from './put-key-policy.js';
import { reEncrypt } from './re-encrypt.js';
import { replicateKey } from './replicate-key.js';
import { retireGrant } from './retire-grant.js';
import { revokeGrant } from './revoke-grant.js';
import { rotateKeyOnDemand } from './rotate-key-on-demand.js';
import { scheduleKeyDeletion } from './schedule-key-deletion.js';
import { sign } from './sign.js';
import { tagResource } from './tag-resource.js';
import { untagResource } from './untag-resource.js';
import { updateAlias } from './update-alias.js';
import { updateKeyDescription } from './update-key-description.js';
import { updatePrimaryRegion } from './update-primary-region.js';
import { verify } from './verify.js';
import { verifyMac } from './verify-mac.js';

export type { KmsApp } from './app.js';

export const kmsService: ServiceDefinition<KmsApp> = {
  targetPrefix: 'TrentService',
  signingName: 'kms',
  model: kmsModel as ServiceModel,
  messageMember: 'message',
  // Operations on a key are decided where the key is resolved, with its policy and grants.
  iam: {
    prefix: 'kms',
    decidesAlone: (op) => KMS_OPERATIONS[op]?.scope === 'account' || KMS_OPERATIONS[op]?.scope === 'alias',
    checks: kmsIamChecks,
  },
  operations: operationMap<KmsApp, KmsOperations>([
    // Keys
    createKey,
    describeKey,
    getKeyLastUsage,
    listKeys,
    enableKey,
    disableKey,
    scheduleKeyDeletion,
    cancelKeyDeletion,
    updateKeyDescription,
    // Multi-Region keys
    replicateKey,
    updatePrimaryRegion,
    // Imported key material
    getParametersForImport,
    importKeyMaterial,
    deleteImportedKeyMaterial,
    // Tags and policy
    tagResource,
    untagResource,
    listResourceTags,
    getKeyPolicy,
    putKeyPolicy,
    listKeyPolicies,
    // Cryptography
    encrypt,
    decrypt,
    reEncrypt,
    generateDataKey,
    generateDataKeyWithoutPlaintext,
    generateDataKeyPair,
    generateDataKeyPairWithoutPlaintext,
    deriveSharedSecret,
    generateRandom,
    // Signatures and MACs
    getPublicKey,
    sign,
    verify,
    generateMac,
    verifyMac,
    // Aliases
    createAlias,
    updateAlias,
    deleteAlias,
    listAliases,
    // Grants
    createGrant,
    listGrants,
    listRetirableGrants,
    retireGrant,
    revokeGrant,
    // Rotation
    enableKeyRotation,
    disableKeyRotation,
    getKeyRotationStatus,
    rotateKeyOnDemand,
    listKeyRotations,
    // Custom key stores
    createCustomKeyStore,
    describeCustomKeyStores,
    connectCustomKeyStore,
    disconnectCustomKeyStore,
    updateCustomKeyStore,
    deleteCustomKeyStore,
  ]),
  notImplemented: (operation) =>
    new UnsupportedOperationException(`Keywarden does not implement the KMS operation ${operation} yet.`),
  internalError: () => new KMSInternalException('The request failed because of an internal error in Keywarden. Try again.'),
  rejectInput: rejectWithAwsEnumOrder,
};
