import type { HsmServices } from '../../cluster/hsm-services.js';
import { UnknownOperationException } from '../../protocol/errors.js';
import { operationMap, type ServiceDefinition } from '../../protocol/service.js';
import type { HsmOperations } from './operation.js';
import { activateCluster } from './activate-cluster.js';
import { changePassword } from './change-password.js';
import { createKey } from './create-key.js';
import { createUser } from './create-user.js';
import { deleteKey } from './delete-key.js';
import { deleteUser } from './delete-user.js';
import { getAttribute } from './get-attribute.js';
import { getClusterInfo } from './get-cluster-info.js';
import { getSession } from './get-session.js';
import { listKeys } from './list-keys.js';
import { listUserKeys } from './list-user-keys.js';
import { listUsers } from './list-users.js';
import { login } from './login.js';
import { logout } from './logout.js';

/**
 * Keywarden's HSM client API: what the CloudHSM command-line tools (`keywarden cloudhsm-cli`,
 * `cloudhsm_mgmt_util`, `key_mgmt_util`) call, standing in for the client-to-HSM protocol that
 * real CloudHSM clients speak. Same endpoint and SigV4 as every service here; no model, so each
 * operation checks its input itself. Errors: HsmInvalidRequest, HsmAccessDenied, HsmNotFound,
 * HsmUnavailable.
 */
export const hsmService: ServiceDefinition<HsmServices> = {
  targetPrefix: 'KeywardenHsm',
  signingName: 'keywarden',
  messageMember: 'message',
  operations: operationMap<HsmServices, HsmOperations>([
    getClusterInfo,
    getSession,
    login,
    logout,
    listUsers,
    createUser,
    deleteUser,
    changePassword,
    activateCluster,
    createKey,
    listKeys,
    deleteKey,
    getAttribute,
    listUserKeys,
  ]),
  notImplemented: (op) => new UnknownOperationException(`Operation ${op} is not known.`),
};
