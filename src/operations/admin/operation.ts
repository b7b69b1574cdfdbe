import { operationsOf } from '../../protocol/service.js';
import type { AdminApp } from './index.js';
import type { AdminOperations } from './model.types.js';

/** A KeywardenAdmin operation: `adminOperation('SetFault', async (input, ctx, app) => …)`, typed from model.json. */
export const adminOperation = operationsOf<AdminApp, AdminOperations>();
