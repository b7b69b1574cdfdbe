import type { Operation } from '../../protocol/service.js';
import { faultOf } from './fault-shape.js';
import type { AdminApp } from './index.js';

/** Switches a fault off; `Cleared` is false when it was not on. */
export const clearFault: Operation<AdminApp> = {
  name: 'ClearFault',
  async handle(input: Record<string, unknown>, _ctx, app) {
    const { kind, target } = faultOf(input);
    return { Cleared: await app.faults.clear(kind, target) };
  },
};
