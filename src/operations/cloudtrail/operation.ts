import type { AuditServices } from '../../audit/services.js';
import type { CloudTrailOperations } from '../../protocol/models/cloudtrail.types.js';
import { operationsOf } from '../../protocol/service.js';

/** A CloudTrail operation: `cloudTrailOperation('LookupEvents', async (input, ctx, audit) => …)`, typed from its model. */
export const cloudTrailOperation = operationsOf<AuditServices, CloudTrailOperations>();
