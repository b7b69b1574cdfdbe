import type { ClusterServices } from '../../cluster/services.js';
import type { CloudHsmV2Operations } from '../../protocol/models/cloudhsmv2.types.js';
import { operationsOf } from '../../protocol/service.js';

/** A CloudHSM v2 operation: `cloudHsmOperation('CreateCluster', async (input, ctx, s) => …)`, typed from its model. */
export const cloudHsmOperation = operationsOf<ClusterServices, CloudHsmV2Operations>();
