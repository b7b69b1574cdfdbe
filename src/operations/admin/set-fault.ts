import { ValidationException } from '../../core/common-errors.js';
import type { Operation } from '../../protocol/service.js';
import { faultOf, faultToWire } from './fault-shape.js';
import type { AdminApp } from './index.js';

/**
 * Switches a fault on (cluster/faults.ts): `{"Fault": "NETWORK_CUT", "ClusterId": …}`,
 * `{"Fault": "CONNECT_INTERNAL_ERROR", "CustomKeyStoreId": …}`, or
 * `{"Fault": "SESSION_LIMIT", "ClusterId": …, "SessionsPerHsm": N}`.
 */
export const setFault: Operation<AdminApp> = {
  name: 'SetFault',
  async handle(input: Record<string, unknown>, _ctx, app) {
    const { kind, target } = faultOf(input);
    const n = input.SessionsPerHsm;
    if (n !== undefined && typeof n !== 'number') throw new ValidationException('SessionsPerHsm must be a whole number.');
    return { Fault: faultToWire(await app.faults.set(kind, target, n)) };
  },
};
