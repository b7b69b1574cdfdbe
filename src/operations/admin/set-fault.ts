import { faultOf, faultToWire } from './fault-shape.js';
import { adminOperation } from './operation.js';

/**
 * Switches a fault on (cluster/faults.ts): `{"Fault": "NETWORK_CUT", "ClusterId": …}`,
 * `{"Fault": "CONNECT_INTERNAL_ERROR", "CustomKeyStoreId": …}`, or
 * `{"Fault": "SESSION_LIMIT", "ClusterId": …, "SessionsPerHsm": N}`. The cluster or store must
 * exist in the caller's account and Region, so that a mistyped id is not a fault on nothing.
 */
export const setFault = adminOperation('SetFault', async (input, ctx, app) => {
  const { kind, target } = faultOf(input);
  // The registry checks the kind and the id's form first, so its messages come before "not found".
  app.faults.check(kind, target);
  if (kind === 'CONNECT_INTERNAL_ERROR') await app.keyStores.stores.get(ctx, target!);
  else await app.cluster.clusters.get(ctx, target!);
  return { Fault: faultToWire(await app.faults.set(kind, target, input.SessionsPerHsm)) };
});
