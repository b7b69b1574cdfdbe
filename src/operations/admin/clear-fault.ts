import { faultOf } from './fault-shape.js';
import { adminOperation } from './operation.js';

/** Switches a fault off; `Cleared` is false when it was not on. */
export const clearFault = adminOperation('ClearFault', async (input, _ctx, app) => {
  const { kind, target } = faultOf(input);
  return { Cleared: await app.faults.clear(kind, target) };
});
