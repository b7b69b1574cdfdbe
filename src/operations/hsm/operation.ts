import type { HsmServices } from '../../cluster/hsm-services.js';
import { operationsOf } from '../../protocol/service.js';

type HsmOperationName =
  | 'GetClusterInfo'
  | 'GetSession'
  | 'Login'
  | 'Logout'
  | 'ListUsers'
  | 'CreateUser'
  | 'DeleteUser'
  | 'ChangePassword'
  | 'ActivateCluster'
  | 'CreateKey'
  | 'ListKeys'
  | 'DeleteKey'
  | 'GetAttribute'
  | 'ListUserKeys';

/**
 * This API has no service model: a handler gets the request's JSON object as it came, checks it
 * itself (input.ts), and its answer has no shape to be checked against.
 */
export type HsmOperations = Record<HsmOperationName, { input: Record<string, unknown>; output: unknown }>;

/** An operation of Keywarden's HSM client API: `hsmOperation('Login', async (input, ctx, hsm) => …)`. */
export const hsmOperation = operationsOf<HsmServices, HsmOperations>();
