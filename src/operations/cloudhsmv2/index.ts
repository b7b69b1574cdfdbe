import cloudhsmModel from '../../protocol/models/cloudhsmv2.json' with { type: 'json' };
import { CloudHsmInternalFailureException, CloudHsmServiceException } from '../../cluster/errors.js';
import type { ClusterServices } from '../../cluster/services.js';
import type { ServiceModel } from '../../protocol/model.js';
import type { CloudHsmV2Operations } from '../../protocol/models/cloudhsmv2.types.js';
import { operationMap, type ServiceDefinition } from '../../protocol/service.js';
import { copyBackupToRegion } from './copy-backup-to-region.js';
import { createCluster } from './create-cluster.js';
import { createHsm } from './create-hsm.js';
import { deleteBackup } from './delete-backup.js';
import { deleteCluster } from './delete-cluster.js';
import { deleteHsm } from './delete-hsm.js';
import { deleteResourcePolicy } from './delete-resource-policy.js';
import { describeBackups } from './describe-backups.js';
import { describeClusters } from './describe-clusters.js';
import { getResourcePolicy } from './get-resource-policy.js';
import { initializeCluster } from './initialize-cluster.js';
import { listTags } from './list-tags.js';
import { modifyBackupAttributes } from './modify-backup-attributes.js';
import { modifyCluster } from './modify-cluster.js';
import { putResourcePolicy } from './put-resource-policy.js';
import { restoreBackup } from './restore-backup.js';
import { tagResource } from './tag-resource.js';
import { untagResource } from './untag-resource.js';

/** AWS CloudHSM v2 on the same endpoint as KMS: `X-Amz-Target: BaldrApiService.<Op>`, signed for `cloudhsm`. */
export const cloudHsmService: ServiceDefinition<ClusterServices> = {
  targetPrefix: 'BaldrApiService',
  signingName: 'cloudhsm',
  model: cloudhsmModel as ServiceModel,
  messageMember: 'Message',
  iam: { prefix: 'cloudhsm', decidesAlone: () => true },
  operations: operationMap<ClusterServices, CloudHsmV2Operations>([
    // Clusters
    createCluster,
    describeClusters,
    modifyCluster,
    deleteCluster,
    initializeCluster,
    // HSMs
    createHsm,
    deleteHsm,
    // Backups
    describeBackups,
    deleteBackup,
    restoreBackup,
    modifyBackupAttributes,
    copyBackupToRegion,
    // Tags and resource policies
    tagResource,
    untagResource,
    listTags,
    putResourcePolicy,
    getResourcePolicy,
    deleteResourcePolicy,
  ]),
  notImplemented: (operation) => new CloudHsmServiceException(`Keywarden does not implement the CloudHSM operation ${operation} yet.`),
  internalError: () => new CloudHsmInternalFailureException('The request was rejected because of an internal failure in Keywarden. Try again.'),
};
